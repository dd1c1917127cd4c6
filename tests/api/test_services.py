"""Token rules: scopes, lifetimes, the per-person limit, revoking, checking a token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import services as accounts
from app.api import services
from app.api.models import ApiToken
from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from tests import factories


def test_a_new_token_is_stored_only_as_a_hash_and_audited(db):
    user = factories.person()
    new = services.create_token(user, name="课表脚本", scopes=["profile:read"], days=30)
    assert new.secret.startswith("gc_") and len(new.secret) >= 40
    token = new.token
    assert token.token_hash == services.hash_secret(new.secret)
    assert token.token_prefix == new.secret[:8]
    stored = [str(getattr(token, column.key)) for column in ApiToken.__table__.columns]
    assert not any(new.secret in value for value in stored)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "api.token_created"))
    assert entry.actor_id == user.id and entry.after["scopes"] == ["profile:read"]
    assert new.secret not in str(entry.after)


def test_two_tokens_never_share_a_secret(db):
    user = factories.person()
    first = services.create_token(user, name="a", scopes=["profile:read"], days=7)
    second = services.create_token(user, name="b", scopes=["profile:read"], days=7)
    assert first.secret != second.secret and first.token.token_hash != second.token.token_hash


@pytest.mark.parametrize(
    "name,scopes,days,field",
    [
        ("  ", ["profile:read"], 30, "name"),
        ("x" * 101, ["profile:read"], 30, "name"),
        ("脚本", [], 30, "scopes"),
        ("脚本", ["admin:everything"], 30, "scopes"),
        ("脚本", ["profile:read"], 1000, "expires_in"),
        ("脚本", ["profile:read"], 0, "expires_in"),
    ],
)
def test_bad_input_names_the_field_and_makes_no_token(db, name, scopes, days, field):
    user = factories.person()
    with pytest.raises(InvalidInput) as error:
        services.create_token(user, name=name, scopes=scopes, days=days)
    assert error.value.field == field
    assert services.tokens_for(user) == []


def test_expiry_is_the_chosen_number_of_days_from_now(db):
    user = factories.person()
    now = utcnow()
    token = services.create_token(user, name="a", scopes=["profile:read"], days=90, now=now).token
    assert token.expires_at == now + timedelta(days=90)
    assert token.status(now) == "active"
    assert token.status(now + timedelta(days=90)) == "expired"


def test_at_most_twenty_active_tokens_but_revoked_ones_do_not_count(db):
    user = factories.person()
    tokens = [
        services.create_token(user, name=f"t{n}", scopes=["profile:read"], days=7).token
        for n in range(services.MAX_ACTIVE_TOKENS)
    ]
    with pytest.raises(Conflict) as error:
        services.create_token(user, name="one more", scopes=["profile:read"], days=7)
    assert "20" in str(error.value.message)
    services.revoke_token(user, tokens[0].id)
    assert services.create_token(user, name="one more", scopes=["profile:read"], days=7)


def test_expired_tokens_do_not_count_against_the_limit(db):
    user = factories.person()
    long_ago = utcnow() - timedelta(days=30)
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.create_token(user, name=f"t{n}", scopes=["profile:read"], days=7, now=long_ago)
    assert services.count_active_tokens(user) == 0
    assert services.create_token(user, name="fresh", scopes=["profile:read"], days=7)


def test_revoking_is_audited_once_and_someone_elses_token_is_not_found(db):
    owner = factories.person()
    other = factories.person()
    token = services.create_token(owner, name="a", scopes=["profile:read"], days=7).token
    with pytest.raises(NotFound):
        services.revoke_token(other, token.id)
    assert token.revoked_at is None
    with pytest.raises(NotFound):
        services.revoke_token(owner, 999999)
    services.revoke_token(owner, token.id)
    services.revoke_token(owner, token.id)
    revoked = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "api.token_revoked")
    ).all()
    assert len(revoked) == 1 and revoked[0].actor_id == owner.id


def test_authenticate_refuses_each_unusable_token_with_its_own_code(db):
    admin = factories.person(roles=["admin"])
    user = factories.person()
    good = services.create_token(user, name="a", scopes=["profile:read"], days=7).secret
    assert services.authenticate(good, scopes=["profile:read"]).user is user

    with pytest.raises(services.TokenRejected) as unknown:
        services.authenticate("gc_" + "x" * 43)
    assert unknown.value.code == "invalid_token"

    old = services.create_token(
        user, name="old", scopes=["profile:read"], days=7, now=utcnow() - timedelta(days=8)
    ).secret
    with pytest.raises(services.TokenExpired):
        services.authenticate(old)

    revoked = services.create_token(user, name="r", scopes=["profile:read"], days=7)
    services.revoke_token(user, revoked.token.id)
    with pytest.raises(services.TokenRevoked):
        services.authenticate(revoked.secret)

    accounts.set_active(user, False, actor=admin)
    with pytest.raises(services.AccountDeactivated):
        services.authenticate(good)
    accounts.set_active(user, True, actor=admin)
    assert services.authenticate(good).user is user


def test_a_token_without_the_needed_scope_is_forbidden(db):
    user = factories.person()
    secret = services.create_token(user, name="a", scopes=["credits:read"], days=7).secret
    with pytest.raises(services.InsufficientScope) as error:
        services.authenticate(secret, scopes=["profile:read"])
    assert error.value.status == 403
    assert services.authenticate(secret, scopes=["credits:read"])


def test_last_use_is_written_at_most_once_a_minute(db):
    user = factories.person()
    start = utcnow()
    secret = services.create_token(user, name="a", scopes=["profile:read"], days=7).secret
    token = services.authenticate(secret, now=start)
    assert token.last_used_at == start
    services.authenticate(secret, now=start + timedelta(seconds=30))
    assert token.last_used_at == start
    services.authenticate(secret, now=start + timedelta(seconds=61))
    assert token.last_used_at == start + timedelta(seconds=61)
