"""The one catalogue of notification kinds: every kind has its two templates, and back."""

from __future__ import annotations

from pathlib import Path

from app.notifications import kinds

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_every_kind_has_a_subject_and_a_body_template():
    for kind in kinds.all_kinds():
        assert (TEMPLATES / kind.subject_template).is_file(), kind.id
        assert (TEMPLATES / kind.body_template).is_file(), kind.id


def test_every_email_template_belongs_to_a_declared_kind():
    subjects = (TEMPLATES / "notifications" / "email").glob("*.subject.txt")
    assert {path.name.removesuffix(".subject.txt") for path in subjects} == set(kinds.KINDS)


def test_kinds_are_found_by_id_and_listed_in_id_order():
    assert kinds.get("shifts.handover_taken") is kinds.HANDOVER_TAKEN
    ids = [kind.id for kind in kinds.all_kinds()]
    assert ids == sorted(ids)
