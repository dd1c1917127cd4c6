"""The Open Badges 3.0 credential of an earned badge.

No npm package ships the OB 3.0 JSON schema (the registry's @digitalcredentials/
open-badges-context has only the JSON-LD context), so the schema below states the
required fields of the 1EdTech Open Badges 3.0 specification (AchievementCredential,
Profile, AchievementSubject, Achievement, Image, IdentityObject; VC 2.0 `validFrom`), and
the credential is validated against it with `jsonschema`.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from jsonschema import Draft202012Validator

from app.extensions import db as _db
from app.rewards import badge_awarding
from tests.helpers import choose_english
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER, OCTOBER_MONDAY

URI = {"type": "string", "pattern": "^[a-z][a-z0-9+.-]*:"}
TYPES = {"type": "array", "minItems": 1, "items": {"type": "string"}}


def typed(name: str, required: list[str], properties: dict | None = None) -> dict:
    """An object whose `type` includes `name`, with the spec's required properties."""
    return {
        "type": "object",
        "required": required,
        "properties": {"type": {**TYPES, "contains": {"const": name}}, **(properties or {})},
    }


IMAGE = {
    "type": "object",
    "required": ["id", "type"],
    "properties": {"id": URI, "type": {"const": "Image"}},
}
ACHIEVEMENT = typed(
    "Achievement",
    ["id", "type", "criteria", "description", "name"],
    {
        "id": URI,
        "name": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "criteria": {
            "type": "object",
            "anyOf": [{"required": ["id"]}, {"required": ["narrative"]}],
        },
        "image": IMAGE,
    },
)
IDENTITY = {
    "type": "object",
    "required": ["type", "hashed", "identityHash", "identityType"],
    "properties": {"type": {"const": "IdentityObject"}, "hashed": {"type": "boolean"}},
}
SUBJECT = typed(
    "AchievementSubject",
    ["type", "achievement"],
    {"achievement": ACHIEVEMENT, "identifier": {"type": "array", "items": IDENTITY}},
)
SUBJECT["anyOf"] = [{"required": ["id"]}, {"required": ["identifier"]}]
CREDENTIAL = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    **typed(
        "OpenBadgeCredential",
        ["@context", "id", "type", "name", "credentialSubject", "issuer", "validFrom"],
        {
            "@context": {"type": "array", "minItems": 2},
            "id": URI,
            "name": {"type": "string", "minLength": 1},
            "issuer": typed("Profile", ["id", "type"], {"id": URI}),
            "validFrom": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"},
            "credentialSubject": SUBJECT,
        },
    ),
}
CREDENTIAL["properties"]["type"]["allOf"] = [
    {"contains": {"const": "VerifiableCredential"}},
    {"contains": {"const": "OpenBadgeCredential"}},
]


@pytest.fixture
def earned(db):
    seeded = badge_data.seed()
    holder = badge_data.person("王小明", student_number="2024123456")
    badge_data.served(rewards_data.place(), holder, 600, start=OCTOBER_MONDAY)
    badge_data.reading(holder, loans=5, visits=4)
    badge_awarding.evaluate_all(now=NOW)
    badge_awarding.award_monthly_stars(now=NOW)
    _db.session.commit()
    return seeded, holder


def download(client, award):
    response = client.get(f"/badges/{award.public_id}.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.get_data(as_text=True))


def test_the_schema_itself_is_valid():
    Draft202012Validator.check_schema(CREDENTIAL)


@pytest.mark.parametrize("code", ["hours_10", "service_star", "reading_star"])
def test_the_credential_validates_against_the_required_fields(client, earned, code):
    seeded, _holder = earned
    award = badge_data.awards(seeded[code])[0]

    credential = download(client, award)

    errors = list(Draft202012Validator(CREDENTIAL).iter_errors(credential))
    assert errors == [], [error.message for error in errors]


def test_the_credential_says_what_was_earned_by_whom_and_when(app, client, earned):
    seeded, _holder = earned
    award = badge_data.awards(seeded["reading_star"])[0]
    choose_english(client)

    credential = download(client, award)

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].endswith(f"/badges/{award.public_id}.json")
    assert credential["issuer"]["name"] == app.config["CERTIFICATE_ISSUER"]
    assert credential["validFrom"] == f"{NOW:%Y-%m-%dT%H:%M:%SZ}"
    assert credential["name"] == f"Reading Star · {OCTOBER}"
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == "Reading Star"
    assert "lower student number" in achievement["criteria"]["narrative"]
    assert achievement["image"]["id"].endswith("/static/badges/reading-star.svg")


def test_the_earner_is_named_only_by_a_salted_hash(client, earned):
    seeded, holder = earned
    award = badge_data.awards(seeded["hours_10"])[0]

    raw = client.get(f"/badges/{award.public_id}.json").get_data(as_text=True)

    assert holder.student_number not in raw and holder.name not in raw
    identity = json.loads(raw)["credentialSubject"]["identifier"][0]
    expected = hashlib.sha256((holder.student_number + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"


def test_a_base_url_makes_the_addresses_absolute_under_it(app, client, earned, monkeypatch):
    seeded, _holder = earned
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteer.example.edu.cn/")
    award = badge_data.awards(seeded["hours_10"])[0]

    credential = download(client, award)

    assert credential["id"] == f"https://volunteer.example.edu.cn/badges/{award.public_id}.json"
    assert credential["credentialSubject"]["achievement"]["id"] == (
        "https://volunteer.example.edu.cn/badges#badge-hours_10"
    )
