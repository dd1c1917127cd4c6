"""An entry's object type and id come from the audited row's model, once per model."""

from __future__ import annotations

import pytest
from werkzeug.local import LocalProxy

from app.audit import services as audit
from app.checkin.models import Certificate
from app.extensions import db as database
from app.recruitment.models import Team
from app.rewards.models import PointRule

# The object types stored in the log, by model, with the column the id is read from. Stored
# entries and the log's filters depend on these strings: they must never change.
AUDITED = {
    "User": ("user", "id"),
    "DataHubSource": ("datahub_source", "id"),
    "ApiToken": ("api_token", "id"),
    "ApiSystem": ("api_system", "id"),
    "WebhookSubscription": ("webhook_subscription", "id"),
    "WebhookDelivery": ("webhook_delivery", "id"),
    "Attendance": ("attendance", "id"),
    "Certificate": ("certificate", "number"),
    "ScannerDevice": ("scanner_device", "id"),
    "ContentColumn": ("content_column", "id"),
    "Contribution": ("contribution", "id"),
    "ContributionComment": ("contribution_comment", "id"),
    "CreditRule": ("credit_rule", "category"),
    "CreditTemplate": ("credit_template", "id"),
    "CreditBatch": ("credit_batch", "id"),
    "CreditResultUpload": ("credit_result_upload", "id"),
    "Team": ("team", "id"),
    "Campaign": ("campaign", "id"),
    "Application": ("application", "id"),
    "Membership": ("membership", "id"),
    "MemberNote": ("member_note", "id"),
    "PointRule": ("point_rule", "code"),
    "PointEntry": ("point_entry", "id"),
    "Badge": ("badge", "id"),
    "BadgeAward": ("badge_award", "id"),
    "LibraryUseImport": ("library_use_import", "id"),
    "Task": ("task", "id"),
    "ShiftSeries": ("shift_series", "id"),
    "Shift": ("shift", "id"),
    "ShiftSignup": ("shift_signup", "id"),
    "ShiftHandover": ("shift_handover", "id"),
    "ShiftDrawEntry": ("shift_draw_entry", "id"),
    "SignupPause": ("signup_pause", "id"),
    "WeChatBinding": ("wechat_binding", "id"),
    "WeChatTemplate": ("wechat_template", "kind"),
    "Announcement": ("announcement", "id"),
    "OutsideClaim": ("outside_claim", "id"),
    "MessageThread": ("message_thread", "id"),
    "VolunteerIdentity": ("volunteer_identity", "id"),
}


def test_every_audited_model_keeps_its_object_type_and_key(app):
    found = {}
    for mapper in database.Model.registry.mappers:
        model = mapper.class_
        if hasattr(model, "audit_type"):
            key = getattr(model, "audit_key", "id")
            assert key in mapper.columns, model.__name__
            found[model.__name__] = (model.audit_type, key)
    assert found == AUDITED


def test_a_row_is_its_own_subject():
    assert audit.Subject.of(Certificate(id=3, number="GC-2026-0007")) == audit.Subject(
        "certificate", "GC-2026-0007"
    )
    assert audit.Subject.of(PointRule(id=4, code="shift_done")) == audit.Subject(
        "point_rule", "shift_done"
    )


def test_record_stores_a_row_or_a_subject_under_its_type_and_id(db, admin, student):
    by_row = audit.record("tests.row", student, actor=admin)
    by_subject = audit.record("tests.subject", audit.Subject("roster", "ab12"), actor=None)
    assert (by_row.object_type, by_row.object_id) == ("user", str(student.id))
    assert (by_subject.object_type, by_subject.object_id) == ("roster", "ab12")
    assert by_row.actor_id == admin.id and by_subject.actor_id is None


def test_record_writes_pending_changes_first_so_a_new_row_has_its_id(db, admin):
    team = Team(name="审计测试队")
    database.session.add(team)
    entry = audit.record("tests.created", team, actor=admin)
    assert team.id is not None and entry.object_id == str(team.id)
    assert team not in database.session.new


def test_changed_fields_keeps_only_what_differs_with_its_old_and_new_value():
    before = {"status": "in", "late": False}
    after = {"status": "out", "late": False, "minutes": 30}
    assert audit.changed_fields(before, after) == (
        {"status": "in", "minutes": None},
        {"status": "out", "minutes": 30},
    )


def test_a_proxied_row_is_the_subject_of_what_it_proxies(student):
    assert audit.Subject.of(LocalProxy(lambda: student)) == audit.Subject("user", student.id)


def _name(user) -> dict:
    return {"name": user.name, "email": user.email}


def test_edit_records_only_the_fields_the_block_changed(db, admin, student):
    with audit.edit("tests.edited", student, _name, actor=admin):
        student.name = "张三丰"
    entry = audit.entries_for("user", student.id)[0]
    assert (entry.action, entry.before, entry.after) == (
        "tests.edited",
        {"name": entry.before["name"]},
        {"name": "张三丰"},
    )


def test_edit_records_nothing_when_nothing_changed_or_the_block_fails(db, admin, student):
    with audit.edit("tests.edited", student, _name, actor=admin):
        pass
    with pytest.raises(ValueError), audit.edit("tests.edited", student, _name, actor=admin):
        student.name = "李四"
        raise ValueError
    assert "tests.edited" not in [e.action for e in audit.entries_for("user", student.id)]
