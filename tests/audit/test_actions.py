"""Every action the app records has a human name in the one table of labels."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from app.audit.actions import ACTION_LABELS

APP = Path(__file__).resolve().parents[2] / "app"
AUDIT_CALLS = {"record", "record_change", "edit"}


def _action_names(node: ast.expr) -> Iterator[str]:
    """The literal action names ("feature.verb") an argument can be: a string, or both sides of
    `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value:
        yield node.value
    elif isinstance(node, ast.IfExp):
        yield from _action_names(node.body)
        yield from _action_names(node.orelse)


def _recorded_actions() -> dict[str, str]:
    """Each action name written literally in an audit call under app/, or as the `action=` of a
    helper that records one, with where it is."""
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            arguments = [k.value for k in node.keywords if k.arg == "action"]
            if name in AUDIT_CALLS and node.args:
                arguments.append(node.args[0])
            for argument in arguments:
                for action in _action_names(argument):
                    found.setdefault(action, f"{path.relative_to(APP)}:{node.lineno}")
    return found


def test_the_scan_finds_the_audit_calls():
    recorded = _recorded_actions()
    assert {"shifts.signed_up", "accounts.deactivated", "shifts.shift_updated"} <= set(recorded)


def test_every_recorded_action_has_a_label():
    unlabelled = {
        action: where
        for action, where in _recorded_actions().items()
        if action not in ACTION_LABELS
    }
    assert unlabelled == {}
