"""Application tokens for campus systems: registered by an admin (the token shown once,
kept as a hash), rotated, revoked, limited to allowed addresses, counted per day, and
allowed only the operations that make sense for a system (the credit batches)."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from app.api import systems
from app.api.models import ApiSystem, ApiSystemCalls
from app.api.services import hash_secret
from app.audit.models import AuditEntry
from app.errors import InvalidInput
from app.extensions import db as _db
from app.recruitment.access import active_coordinators
from tests.api.conftest import bearer
from tests.credits import batch_data as data
from tests.credits import credits_data
from tests.helpers import race

PREFIX = "/api/v1"


def register(admin, *, name="第二课堂系统", scopes=("credits:read",), addresses="") -> str:
    new = systems.register_system(admin, name=name, scopes=list(scopes), addresses=addresses)
    _db.session.commit()
    return new.secret


@pytest.fixture
def two_teams_exported(db):
    """An exported batch in each of two teams: a system sees both, as an admin does."""
    data.seed()
    ids = []
    for team_name, person in (("图书馆志愿者队", "李明"), ("外校队", "王五")):
        team = credits_data.team(name=team_name)
        task = credits_data.task(team, title=f"{team_name}值班")
        data.coordinator(team, f"{team_name}甲")
        data.coordinator(team, f"{team_name}乙")
        builder, approver = active_coordinators(team.id)
        data.served(credits_data.person(person), task=task)
        batch = data.build(builder, team_id=team.id)
        data.sent(batch, approver)
        ids.append(batch.id)
    db.session.commit()
    return ids


def test_registering_on_the_page_shows_the_token_once_and_keeps_a_hash(client, login, admin, db):
    login(admin)
    response = client.post(
        "/admin/systems",
        data={"name": "第二课堂系统", "scopes": ["credits:read"], "allowed_addresses": ""},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    system = db.session.scalar(select(ApiSystem))
    secret = page.split('data-testid="system-secret">')[1].split("<")[0]
    assert secret.startswith("gcs_") and system.token_hash == hash_secret(secret)
    assert secret not in client.get(f"/admin/systems/{system.id}").get_data(as_text=True)
    assert "api.system_registered" in set(db.session.scalars(select(AuditEntry.action)))


def test_a_bad_system_form_is_refused_with_a_message(client, login, admin, db):
    login(admin)
    response = client.post(
        "/admin/systems",
        data={"name": "数据中台", "scopes": ["credits:read"], "allowed_addresses": "10.0.0.300"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(ApiSystem)) is None


def test_a_system_cannot_get_a_personal_scope(admin, db):
    with pytest.raises(InvalidInput) as refused:
        systems.register_system(admin, name="数据中台", scopes=["profile:read"])
    assert refused.value.field == "scopes"


def test_a_system_reads_every_exported_batch_and_its_file(client, admin, two_teams_exported):
    secret = register(admin)
    listed = client.get(f"{PREFIX}/credit-batches", headers=bearer(secret))
    assert listed.status_code == 200
    assert sorted(batch["id"] for batch in listed.json["data"]) == sorted(two_teams_exported)
    file = client.get(
        f"{PREFIX}/credit-batches/{two_teams_exported[1]}/file", headers=bearer(secret)
    )
    assert file.status_code == 200
    missing = client.get(f"{PREFIX}/credit-batches/999999/file", headers=bearer(secret))
    assert missing.status_code == 404


@pytest.mark.parametrize("path", ["/me", "/me/tokens"])
def test_a_system_is_refused_the_operations_of_people(client, admin, db, path):
    response = client.get(f"{PREFIX}{path}", headers=bearer(register(admin)))
    assert response.status_code == 403
    assert response.json["code"] == "person_only"


def test_rotating_stops_the_old_token_and_revoking_stops_the_new(client, admin, db):
    old = register(admin)
    system = _db.session.scalar(select(ApiSystem))
    new = systems.rotate_token(admin, system.id).secret
    _db.session.commit()
    assert client.get(f"{PREFIX}/credit-batches", headers=bearer(old)).status_code == 401
    assert client.get(f"{PREFIX}/credit-batches", headers=bearer(new)).status_code == 200
    systems.revoke_system(admin, system.id)
    _db.session.commit()
    refused = client.get(f"{PREFIX}/credit-batches", headers=bearer(new))
    assert refused.status_code == 401 and refused.json["code"] == "token_revoked"
    actions = set(_db.session.scalars(select(AuditEntry.action)))
    assert {"api.system_rotated", "api.system_revoked"} <= actions


def test_rotating_on_the_page_shows_the_new_token_once(client, login, admin, db):
    register(admin)
    system = _db.session.scalar(select(ApiSystem))
    login(admin)
    response = client.post(f"/admin/systems/{system.id}/rotate")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    secret = response.get_data(as_text=True).split('data-testid="system-secret">')[1].split("<")[0]
    _db.session.expire_all()
    assert _db.session.get(ApiSystem, system.id).token_hash == hash_secret(secret)


def test_only_allowed_addresses_may_call(client, admin, db):
    secret = register(admin, addresses="10.1.0.0/16\n192.0.2.7")
    url = f"{PREFIX}/credit-batches"
    inside = client.get(url, headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert inside.status_code == 200
    exact = client.get(url, headers=bearer(secret), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert exact.status_code == 200
    outside = client.get(url, headers=bearer(secret), environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert outside.status_code == 403
    assert outside.json["code"] == "address_not_allowed"


def test_calls_are_counted_per_day_and_shown_on_the_systems_page(client, login, admin, db):
    secret = register(admin)
    for _ in range(3):
        client.get(f"{PREFIX}/credit-batches", headers=bearer(secret))
    client.get(f"{PREFIX}/me", headers=bearer(secret))  # refused: not counted
    system = _db.session.scalar(select(ApiSystem))
    rows = list(_db.session.scalars(select(ApiSystemCalls)))
    assert [(row.system_id, row.calls) for row in rows] == [(system.id, 3)]
    login(admin)
    page = client.get(f"/admin/systems/{system.id}").get_data(as_text=True)
    day = rows[0].day.isoformat()
    assert f'data-testid="calls-{day}"><td>{day}</td><td class="text-end">3<' in page


def test_calls_at_the_same_moment_are_each_counted_once(app, admin, db):
    register(admin)
    system_id = _db.session.scalar(select(ApiSystem.id))
    day = datetime(2026, 3, 2).date()
    outcomes = race(app, lambda _n: systems.count_call(system_id, day), list(range(6)))
    assert outcomes == ["ok"] * 6
    _db.session.expire_all()
    assert _db.session.scalar(select(ApiSystemCalls.calls)) == 6
