"""Changes that matter leave an entry with who, what, before and after; nobody can edit one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.audit import services as audit
from app.audit.models import AuditEntry, AuditLogIsAppendOnly
from tests import factories


def test_role_change_is_audited_with_before_and_after(db, admin, student):
    accounts.set_roles(student, ["volunteer", "editor"], actor=admin)
    db.session.commit()
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "accounts.roles_changed")
    )
    assert entry.actor_id == admin.id
    assert entry.object_type == "user" and entry.object_id == str(student.id)
    assert entry.before == {"roles": []}
    assert entry.after == {"roles": ["editor", "volunteer"]}


def test_setting_the_same_roles_again_writes_nothing(db, admin, student):
    accounts.set_roles(student, ["volunteer"], actor=admin)
    accounts.set_roles(student, ["volunteer"], actor=admin)
    actions = [e.action for e in audit.entries_for("user", student.id)]
    assert actions.count("accounts.roles_changed") == 1


def test_deactivation_and_edits_record_only_what_changed(db, admin, student):
    accounts.set_active(student, False, actor=admin)
    data = accounts.person_fields(student)
    data.name = "张三丰"
    accounts.update_person(student, data, actor=admin)
    db.session.commit()
    actions = {e.action: e for e in audit.entries_for("user", student.id)}
    assert actions["accounts.deactivated"].after == {"active": False}
    assert actions["accounts.updated"].before == {"name": "张三"}
    assert actions["accounts.updated"].after == {"name": "张三丰"}


def test_entries_cannot_be_changed_or_deleted(db, admin, student):
    accounts.reset_password(student, actor=admin)
    db.session.commit()
    entry = audit.entries_for("user", student.id)[0]
    entry.note = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(audit.entries_for("user", student.id)[0])
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()


def test_admin_changes_through_the_page_record_the_address(client, login, admin, student, db):
    login(admin)
    client.post(
        f"/admin/people/{student.id}/active",
        data={"active": "0"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    db.session.expire_all()
    entry = audit.entries_for("user", student.id)[0]
    assert entry.action == "accounts.deactivated" and entry.address == "10.1.2.3"


def test_admin_browses_and_filters_the_log(client, login, admin, db):
    first = factories.person(name="甲")
    second = factories.person(name="乙")
    accounts.set_roles(first, ["volunteer"], actor=admin)
    accounts.set_active(second, False, actor=admin)
    db.session.commit()
    login(admin)
    everything = client.get("/admin/audit/").get_data(as_text=True)
    assert "角色变更" in everything
    only_deactivations = client.get("/admin/audit/?action=accounts.deactivated").get_data(
        as_text=True
    )
    assert f"user #{second.id}" in only_deactivations
    assert f"user #{first.id}<" not in only_deactivations
    by_object = client.get(f"/admin/audit/?object_type=user&object_id={first.id}")
    assert f"user #{first.id}" in by_object.get_data(as_text=True)


def test_bad_dates_in_filters_are_ignored_not_a_crash(client, login, admin):
    login(admin)
    assert client.get("/admin/audit/?since=yesterday&until=2026-13-45").status_code == 200
