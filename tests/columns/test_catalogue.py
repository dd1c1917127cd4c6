"""The column catalogue: the seeded columns, admins changing columns and editors, and who
reviews which column."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.columns import catalogue
from app.columns.catalogue import ColumnFields
from app.columns.models import ContentColumn
from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from tests import factories
from tests.columns import columns_data

NEW = ColumnFields(code="reading-club", name="读书会", kind="article", accepts_links=True)


def audit_actions(action: str) -> list[AuditEntry]:
    return list(
        _db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def test_seeding_makes_the_four_columns_in_order_and_is_safe_to_repeat(db):
    catalogue.seed_columns()
    catalogue.seed_columns()

    columns = catalogue.all_columns()
    assert [c.code for c in columns] == ["audio", "video", "picks", "ideas"]
    assert [c.name for c in columns] == ["有声阅读", "微视频阅读", "每周资源推介", "我看我馆"]
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 4
    audio, video, picks, ideas = columns
    assert (audio.kind, audio.accepts_audio, audio.max_media_mb) == ("audio", True, 50)
    assert (video.kind, video.accepts_video, video.max_media_mb) == ("video", True, 200)
    assert (picks.kind, picks.accepts_links) == ("article", True)
    assert ideas.kind == "ideas"
    assert not (ideas.accepts_audio or ideas.accepts_video or ideas.accepts_links)
    assert all(c.description and c.guidelines for c in columns)


def test_seeding_keeps_what_an_admin_changed(db, admin):
    audio = columns_data.seeded()["audio"]
    catalogue.save_column(admin, audio.id, replace(_fields(audio), name="声音里的书"))
    catalogue.seed_columns()
    assert catalogue.get_column("audio").name == "声音里的书"


def _fields(column: ContentColumn) -> ColumnFields:
    return ColumnFields(
        **{name: getattr(column, name) for name in ColumnFields.__dataclass_fields__}
    )


def test_an_inactive_column_is_hidden_and_not_found_by_code(db, admin):
    ideas = columns_data.seeded()["ideas"]
    catalogue.save_column(admin, ideas.id, replace(_fields(ideas), active=False))

    assert "ideas" not in [c.code for c in catalogue.all_columns()]
    assert "ideas" in [c.code for c in catalogue.all_columns(active_only=False)]
    with pytest.raises(NotFound):
        catalogue.get_column("ideas")
    with pytest.raises(NotFound):
        catalogue.get_column("no-such")


def test_an_admin_creates_a_column_and_it_is_audited(db, admin):
    column = catalogue.save_column(
        admin, None, replace(NEW, code=" Reading-Club ", name=" 读书会 ")
    )

    assert (column.code, column.name) == ("reading-club", "读书会")
    assert catalogue.get_column("reading-club").id == column.id
    (entry,) = audit_actions("columns.column_created")
    assert entry.actor_id == admin.id and entry.after["code"] == "reading-club"


def test_an_admin_changes_a_column_and_only_the_change_is_audited(db, admin):
    picks = columns_data.seeded()["picks"]
    catalogue.save_column(admin, picks.id, replace(_fields(picks), credit_minutes=90))

    assert picks.credit_minutes == 90
    (entry,) = audit_actions("columns.column_changed")
    assert entry.before == {"credit_minutes": 120} and entry.after == {"credit_minutes": 90}


@pytest.mark.parametrize("roles", [[], ["coordinator"], ["volunteer"]])
def test_only_admins_change_columns_and_editors(db, roles):
    column = columns_data.seeded()["audio"]
    person = factories.person(roles=roles)
    with pytest.raises(Forbidden):
        catalogue.save_column(person, None, NEW)
    with pytest.raises(Forbidden):
        catalogue.save_column(person, column.id, replace(_fields(column), name="改名"))
    with pytest.raises(Forbidden):
        catalogue.set_editors(person, column.id, [person.student_number])
    assert column.name == "有声阅读" and column.editors == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"code": "A"}, "code"),
        ({"code": "has space"}, "code"),
        ({"code": "UPPER_case"}, "code"),
        ({"code": "x" * 33}, "code"),
        ({"code": "audio"}, "code"),
        ({"name": "  "}, "name"),
        ({"name": "名" * 101}, "name"),
        ({"name": "有声阅读"}, "name"),
        ({"kind": "podcast"}, "kind"),
        ({"max_media_mb": 0}, "max_media_mb"),
        ({"max_media_mb": 201}, "max_media_mb"),
        ({"credit_minutes": -1}, "credit_minutes"),
        ({"credit_minutes": 6001}, "credit_minutes"),
        ({"credit_category": "类" * 33}, "credit_category"),
    ],
)
def test_a_wrong_column_is_refused_naming_the_field(db, admin, change, field):
    columns_data.seeded()
    with pytest.raises(InvalidInput) as refused:
        catalogue.save_column(admin, None, replace(NEW, **change))
    assert refused.value.field == field
    assert db.session.scalar(select(func.count(ContentColumn.id))) == 4


def test_a_column_keeps_its_own_code_and_name_when_saved_again(db, admin):
    audio = columns_data.seeded()["audio"]
    saved = catalogue.save_column(admin, audio.id, replace(_fields(audio), max_media_mb=200))
    assert saved.max_media_mb == 200


def test_the_upload_cap_follows_the_site_limit(app, db, admin):
    columns_data.seeded()
    app.config["MEDIA_MAX_MB"] = 100
    try:
        with pytest.raises(InvalidInput):
            catalogue.save_column(admin, None, replace(NEW, max_media_mb=101))
    finally:
        app.config["MEDIA_MAX_MB"] = 200


def test_an_admin_names_editors_by_student_number_or_email(db, admin):
    audio = columns_data.seeded()["audio"]
    first = factories.person(name="李编辑")
    second = factories.person(name="王编辑", email="wang@example.edu.cn")

    catalogue.set_editors(admin, audio.id, [first.student_number.lower(), " WANG@example.edu.cn "])

    assert sorted(e.user_id for e in audio.editors) == sorted([first.id, second.id])
    assert catalogue.is_editor(first, audio) and catalogue.is_editor(second, audio)
    catalogue.set_editors(admin, audio.id, [second.email, second.student_number])
    assert [e.user_id for e in audio.editors] == [second.id]
    assert not catalogue.is_editor(first, audio)
    entries = audit_actions("columns.editors_changed")
    assert [entry.after["editor_ids"] for entry in entries] == [
        sorted([first.id, second.id]),
        [second.id],
    ]


def test_an_unknown_editor_login_is_named_and_nothing_changes(db, admin):
    audio = columns_data.seeded()["audio"]
    editor = columns_data.editor(audio)
    with pytest.raises(InvalidInput) as refused:
        catalogue.set_editors(admin, audio.id, ["20990000001"])
    assert "20990000001" in refused.value.message
    assert refused.value.field == "editors"
    assert [e.user_id for e in audio.editors] == [editor.id]


def test_editors_review_their_columns_and_admins_every_column(db, admin):
    columns = columns_data.seeded()
    editor = columns_data.editor(columns["video"])
    other = factories.person()

    assert catalogue.edited_column_ids(editor) == {columns["video"].id}
    assert catalogue.edited_column_ids(other) == set()
    assert catalogue.edited_column_ids(admin) is None
    assert catalogue.is_editor(admin, columns["ideas"])
    assert not catalogue.is_editor(editor, columns["audio"])


def test_unknown_columns_are_not_found(db, admin):
    with pytest.raises(NotFound):
        catalogue.save_column(admin, 999, NEW)
    with pytest.raises(NotFound):
        catalogue.set_editors(admin, 999, [])
