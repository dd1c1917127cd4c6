"""The credit batches API: exported batches the token's owner may see, their stored files
byte for byte, refused without the credits scope, and documented as routed."""

from __future__ import annotations

import hashlib

import pytest
from jsonschema import Draft202012Validator

from app.api import services as api
from app.extensions import db as _db
from app.recruitment.access import active_coordinators
from tests.credits import batch_data as data
from tests.credits import credits_data

PREFIX = "/api/v1"


def token_for(user, scopes=("credits:read",)) -> str:
    secret = api.create_token(user, name="第二课堂系统", scopes=list(scopes), days=30).secret
    _db.session.commit()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(autouse=True)
def seeded(db):
    data.seed()
    db.session.commit()


@pytest.fixture
def exported(db):
    """An exported batch of the desk's team (built by one coordinator, sent by the other),
    and a draft of another team."""
    team = credits_data.team(name="图书馆志愿者队")
    desk = credits_data.task(team, title="总服务台值班")
    data.coordinator(team, "陈老师")
    data.coordinator(team, "李老师")
    builder, approver = active_coordinators(team.id)
    data.served(credits_data.person("李明"), task=desk)
    batch = data.build(builder, team_id=team.id)
    stored = data.sent(batch, approver)
    other_team = credits_data.team(name="外校队")
    other = data.coordinator(other_team, "钱老师")
    data.served(credits_data.person("王五"), task=credits_data.task(other_team))
    db.session.commit()
    return {
        "batch": batch,
        "export": stored,
        "builder": builder,
        "other": other,
        "other_team": other_team,
    }


def test_the_list_shows_exported_batches_with_their_file(client, exported):
    batch, stored = exported["batch"], exported["export"]

    answer = client.get(f"{PREFIX}/credit-batches", headers=bearer(token_for(exported["builder"])))

    assert answer.status_code == 200
    [shown] = answer.json["data"]
    assert shown["id"] == batch.id and shown["status"] == "exported"
    assert shown["period"] == {"start": "2025-10-01", "end": "2025-10-31", "semester": None}
    assert shown["scope"]["team_id"] == batch.team_id
    assert shown["file"]["sha256"] == stored.sha256
    assert shown["file"]["size"] == stored.size and shown["file"]["row_count"] == 1
    assert shown["file"]["url"] == f"{PREFIX}/credit-batches/{batch.id}/file"
    assert answer.json["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}


def test_the_file_is_the_stored_export_byte_for_byte(client, exported):
    stored = exported["export"]
    secret = token_for(exported["builder"])
    url = client.get(f"{PREFIX}/credit-batches", headers=bearer(secret)).json["data"][0]["file"][
        "url"
    ]

    download = client.get(url, headers=bearer(secret))

    assert download.status_code == 200
    assert download.data == stored.content
    assert hashlib.sha256(download.data).hexdigest() == stored.sha256
    assert download.headers["X-Content-SHA256"] == stored.sha256
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert stored.filename in download.headers["Content-Disposition"]


def test_without_the_credits_scope_the_token_is_refused(client, exported):
    secret = token_for(exported["builder"], scopes=("profile:read",))
    batch_id = exported["batch"].id

    for path in ("/credit-batches", f"/credit-batches/{batch_id}/file"):
        answer = client.get(PREFIX + path, headers=bearer(secret))
        assert answer.status_code == 403
        assert answer.json["code"] == "insufficient_scope"
    assert client.get(f"{PREFIX}/credit-batches").status_code == 401


def test_batches_the_owner_may_not_see_are_not_found(client, exported, student):
    batch_id = exported["batch"].id
    for owner in (exported["other"], student):
        secret = token_for(owner)
        assert client.get(f"{PREFIX}/credit-batches", headers=bearer(secret)).json["data"] == []
        answer = client.get(f"{PREFIX}/credit-batches/{batch_id}/file", headers=bearer(secret))
        assert answer.status_code == 404
        assert exported["export"].sha256 not in answer.get_data(as_text=True)
    secret = token_for(exported["builder"])
    assert (
        client.get(f"{PREFIX}/credit-batches/999999/file", headers=bearer(secret)).status_code
        == 404
    )


def test_an_admin_sees_every_exported_batch_but_not_drafts(client, exported, admin):
    other = exported["other"]
    draft = data.build(other, team_id=exported["other_team"].id, title="外校十月")
    _db.session.commit()
    secret = token_for(admin)

    listed = client.get(f"{PREFIX}/credit-batches", headers=bearer(secret)).json["data"]
    answer = client.get(f"{PREFIX}/credit-batches/{draft.id}/file", headers=bearer(secret))

    assert [batch["id"] for batch in listed] == [exported["batch"].id]
    assert answer.status_code == 404


def test_the_answers_match_the_documented_schemas(client, exported):
    document = client.get(f"{PREFIX}/openapi.json").json
    operation = document["paths"]["/credit-batches"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    answer = client.get(f"{PREFIX}/credit-batches", headers=bearer(token_for(exported["builder"])))

    Draft202012Validator({**schema, "components": document["components"]}).validate(answer.json)
    assert "credits:read" in document["components"]["securitySchemes"]["bearerAuth"]["description"]
    file_operation = document["paths"]["/credit-batches/{batch_id}/file"]["get"]
    assert file_operation["security"] == [{"bearerAuth": ["credits:read"]}]
    assert "404" in file_operation["responses"]
