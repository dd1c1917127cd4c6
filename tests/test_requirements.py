"""Every third-party package the code imports is declared: the application's (app/, jobs/,
bench/, config.py, wsgi.py, migrations/) in requirements.txt, the tests' in
requirements-dev.txt, so that a fresh install from those files runs."""

from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OWN_PACKAGES = {"app", "jobs", "bench", "tests", "config", "wsgi", "migrations"}
APPLICATION = ["app", "jobs", "bench", "migrations", "config.py", "wsgi.py"]


def imported_names(sources: list[str]) -> dict[str, str]:
    """Top-level names imported anywhere under `sources` (absolute imports only), each with
    one file that imports it."""
    names: dict[str, str] = {}
    for source in sources:
        path = ROOT / source
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            tree = ast.parse(file.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    names.setdefault(module.split(".")[0], str(file.relative_to(ROOT)))
    return names


def normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def declared(requirements: str) -> set[str]:
    """Distribution names in a requirements file, following `-r` includes."""
    names: set[str] = set()
    for line in (ROOT / requirements).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r"):
            names |= declared(line[2:].strip())
        elif line:
            names.add(normalise(re.split(r"[\[<>=!~;\s]", line, maxsplit=1)[0]))
    return names


def undeclared(sources: list[str], requirements: str) -> list[str]:
    distributions = packages_distributions()
    allowed = declared(requirements)
    missing = []
    for name, file in sorted(imported_names(sources).items()):
        if name in sys.stdlib_module_names or name in OWN_PACKAGES or name == "__future__":
            continue
        providers = {normalise(d) for d in distributions.get(name, [])}
        if not providers & allowed:
            missing.append(f"{name} (imported by {file}; from {sorted(providers) or '?'})")
    return missing


@pytest.mark.parametrize(
    ("sources", "requirements"),
    [(APPLICATION, "requirements.txt"), (["tests"], "requirements-dev.txt")],
)
def test_every_imported_package_is_declared_in_the_requirements(sources, requirements):
    assert undeclared(sources, requirements) == []
