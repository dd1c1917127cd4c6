"""Admins adjust and reverse points with a reason, and edit the points rules; all audited,
and closed to everyone else."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.rewards import defaults, points
from app.rewards.models import PointEntry, PointRule
from tests.rewards import rewards_data as data


def entries_of(db, user_id: int) -> list[PointEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PointEntry).where(PointEntry.user_id == user_id).order_by(PointEntry.id)
        )
    )


def audit_of(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def person(db):
    someone = data.person(name="王五", student_number="2023141077")
    db.session.commit()
    return someone


@pytest.fixture
def rules(db):
    made = data.rules()
    db.session.commit()
    return made


@pytest.mark.parametrize(
    "url",
    [
        "/admin/points/people/{id}/adjust",
        "/admin/points/entries/{entry}/reverse",
        "/admin/points/rules/{rule}",
    ],
)
def test_non_admins_cannot_change_points(client, login, person, rules, url, db):
    entry = points.award(person.id, 5, kind="adjustment", key="test:1", occurred_at=data.START)
    db.session.commit()
    login(person)
    target = url.format(id=person.id, entry=entry.id, rule=rules["no_show"].id)
    response = client.post(
        target, data={"points": "100", "reason": "x", f"rule{rules['no_show'].id}-points": "0"}
    )
    assert response.status_code == 403
    assert points.balance(person.id) == 5
    assert points.rule_points("no_show").points == -10


def test_an_admin_finds_a_person_by_name_or_number(client, login, admin, person):
    login(admin)
    for text in ("王五", "141077"):
        html = client.get("/admin/points", query_string={"q": text}).get_data(as_text=True)
        assert f'data-testid="person-{person.id}"' in html
    html = client.get("/admin/points", query_string={"q": "nobody-like-this"}).get_data(
        as_text=True
    )
    assert 'data-testid="nobody"' in html


def test_an_admin_adds_points_with_a_reason(client, login, admin, person, db):
    login(admin)
    response = client.post(
        f"/admin/points/people/{person.id}/adjust", data={"points": "25", "reason": "活动组织"}
    )
    assert response.status_code == 302
    (entry,) = entries_of(db, person.id)
    assert (entry.points, entry.kind, entry.note, entry.actor_id) == (
        25,
        "adjustment",
        "活动组织",
        admin.id,
    )
    assert entry.idempotency_key.startswith("adjustment:")
    (audit,) = audit_of(db, "rewards.points_adjusted")
    assert audit.actor_id == admin.id and audit.note == "活动组织"
    html = client.get(f"/admin/points/people/{person.id}").get_data(as_text=True)
    assert 'data-testid="balance">25<' in html


def test_an_admin_takes_points_away(client, login, admin, person):
    login(admin)
    client.post(
        f"/admin/points/people/{person.id}/adjust", data={"points": "-8", "reason": "多次迟到"}
    )
    assert points.balance(person.id) == -8


@pytest.mark.parametrize(
    "form",
    [
        {"points": "10", "reason": ""},
        {"points": "10", "reason": "   "},
        {"points": "0", "reason": "原因"},
        {"points": "", "reason": "原因"},
        {"points": "ten", "reason": "原因"},
        {"points": "100000000", "reason": "原因"},
        {"points": "10", "reason": "长" * 501},
    ],
)
def test_a_bad_adjustment_changes_nothing(client, login, admin, person, form, db):
    login(admin)
    response = client.post(f"/admin/points/people/{person.id}/adjust", data=form)
    assert response.status_code == 400
    assert entries_of(db, person.id) == []
    assert audit_of(db, "rewards.points_adjusted") == []


def test_adjusting_an_unknown_person_is_not_found(client, login, admin):
    login(admin)
    assert (
        client.post(
            "/admin/points/people/999999/adjust", data={"points": "5", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.get("/admin/points/people/999999").status_code == 404


def test_an_admin_reverses_an_entry_once(client, login, admin, person, db):
    entry = points.award(person.id, 40, kind="verified_hour", key="test:1", occurred_at=data.START)
    db.session.commit()
    login(admin)
    url = f"/admin/points/entries/{entry.id}/reverse"
    assert client.post(url, data={"reason": "重复登记"}).status_code == 302
    assert client.post(url, data={"reason": "再来一次"}).status_code == 302
    entries = entries_of(db, person.id)
    assert [item.points for item in entries] == [40, -40]
    assert entries[1].note == "重复登记" and entries[1].reverses_id == entry.id
    assert len(audit_of(db, "rewards.entry_reversed")) == 1
    html = client.get(f"/admin/points/people/{person.id}").get_data(as_text=True)
    assert f'data-testid="reverse-{entry.id}"' not in html
    assert f'data-testid="reversed-{entry.id}"' in html


def test_a_reversal_needs_a_reason(client, login, admin, person, db):
    entry = points.award(person.id, 40, kind="verified_hour", key="test:1", occurred_at=data.START)
    db.session.commit()
    login(admin)
    client.post(f"/admin/points/entries/{entry.id}/reverse", data={"reason": ""})
    assert points.balance(person.id) == 40


def test_reversing_an_unknown_entry_is_not_found(client, login, admin):
    login(admin)
    assert (
        client.post("/admin/points/entries/999999/reverse", data={"reason": "x"}).status_code == 404
    )


def test_an_admin_edits_a_rule(client, login, admin, rules, db):
    rule = rules["verified_hour"]
    login(admin)
    html = client.get("/admin/points/rules").get_data(as_text=True)
    assert 'data-testid="rule-verified_hour"' in html
    response = client.post(
        f"/admin/points/rules/{rule.id}",
        data={f"rule{rule.id}-points": "12", f"rule{rule.id}-active": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    rule = db.session.get(PointRule, rule.id)
    assert (rule.points, rule.active, rule.updated_by_id) == (12, True, admin.id)
    (audit,) = audit_of(db, "rewards.rule_changed")
    assert audit.before == {"points": 10} and audit.after == {"points": 12}


def test_an_admin_switches_a_rule_off(client, login, admin, rules, db):
    rule = rules["no_show"]
    login(admin)
    client.post(f"/admin/points/rules/{rule.id}", data={f"rule{rule.id}-points": "-10"})
    assert points.rule_points("no_show") is None


@pytest.mark.parametrize("value", ["", "abc", "99999999"])
def test_a_bad_rule_value_is_refused(client, login, admin, rules, value, db):
    rule = rules["verified_hour"]
    login(admin)
    response = client.post(
        f"/admin/points/rules/{rule.id}",
        data={f"rule{rule.id}-points": value, f"rule{rule.id}-active": "y"},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(PointRule, rule.id).points == 10


def test_editing_an_unknown_rule_is_not_found(client, login, admin):
    login(admin)
    assert client.post("/admin/points/rules/999999", data={}).status_code == 404


def test_a_fresh_site_s_admin_finds_the_default_rules_ready_to_edit(client, login, admin, db):
    """No rewards job has run yet: the rules page creates the default rules, once."""
    login(admin)

    html = client.get("/admin/points/rules").get_data(as_text=True)
    client.get("/admin/points/rules")

    for code, _points, _unit in defaults.DEFAULT_RULES:
        assert f'data-testid="rule-{code}"' in html
    assert db.session.scalar(select(func.count(PointRule.id))) == len(defaults.DEFAULT_RULES)
