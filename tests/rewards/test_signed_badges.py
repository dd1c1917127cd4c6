"""The signed Open Badges credential (VC-JWT), checked by an independent verifier written
here with `cryptography` alone: it downloads the credential and the issuer's published keys
over HTTP, as a third party would, and checks the signature; a tampered credential fails;
credentials signed with an earlier key still verify after the key changes."""

from __future__ import annotations

import base64
import calendar
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from sqlalchemy import func, select

from app.extensions import db as _db
from app.rewards import badge_awarding, badge_signing
from app.rewards.models import IssuerKey
from tests.helpers import race
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY


@pytest.fixture
def award(db):
    seeded = badge_data.seed()
    holder = badge_data.person("王小明", student_number="2024123456")
    badge_data.served(rewards_data.place(), holder, 600, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)
    _db.session.commit()
    return badge_data.awards(seeded["hours_10"])[0]


# --- The independent verifier -----------------------------------------------------------


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def number(value: str) -> int:
    return int.from_bytes(b64decode(value), "big")


def public_key(jwk: dict):
    if jwk["kty"] == "RSA":
        return rsa.RSAPublicNumbers(number(jwk["e"]), number(jwk["n"])).public_key()
    assert (jwk["kty"], jwk["crv"]) == ("EC", "P-256")
    return ec.EllipticCurvePublicNumbers(
        number(jwk["x"]), number(jwk["y"]), ec.SECP256R1()
    ).public_key()


def verify(token: str, jwks: dict) -> dict:
    """The payload of a compact JWS whose signature the published key (by `kid`) verifies;
    raises InvalidSignature (or KeyError for an unknown key) otherwise."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(b64decode(header_part))
    jwk = next(key for key in jwks["keys"] if key["kid"] == header["kid"])
    key = public_key(jwk)
    signed = f"{header_part}.{payload_part}".encode()
    signature = b64decode(signature_part)
    if header["alg"] == "RS256":
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert header["alg"] == "ES256"
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, signed, ec.ECDSA(hashes.SHA256()))
    return json.loads(b64decode(payload_part))


def fetch(client, award) -> tuple[str, dict]:
    response = client.get(f"/badges/{award.public_id}.jwt")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert "attachment" in response.headers["Content-Disposition"]
    jwks = client.get("/badges/issuer/jwks.json")
    assert jwks.status_code == 200
    return response.get_data(as_text=True), jwks.get_json()


def tampered(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = {**json.loads(b64decode(payload)), **changes}
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def pem(private_key) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


# --- Tests -------------------------------------------------------------------------------


def test_the_signed_credential_verifies_with_the_published_key(client, award):
    token, jwks = fetch(client, award)

    claims = verify(token, jwks)

    header = json.loads(b64decode(token.split(".")[0]))
    assert (header["alg"], header["typ"]) == ("RS256", "vc+jwt")
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["id"].endswith(f"/badges/{award.public_id}.json")
    assert claims["jti"] == claims["id"] and claims["iss"] == claims["issuer"]["id"]
    assert claims["nbf"] == calendar.timegm(NOW.timetuple())
    identity = claims["credentialSubject"]["identifier"][0]
    assert "2024123456" not in token and identity["hashed"] is True
    # The kid is an address that gives the key itself (OB 3.0: a dereferenceable URI).
    key_path = header["kid"].split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{key_path}").get_json() == jwks["keys"][0]


def test_a_tampered_credential_fails(client, award):
    token, jwks = fetch(client, award)

    with pytest.raises(InvalidSignature):
        verify(tampered(token, name="两百小时志愿者"), jwks)


def test_the_key_is_generated_once(client, award):
    first, _jwks = fetch(client, award)
    second, jwks = fetch(client, award)

    assert json.loads(b64decode(first.split(".")[0]))["kid"] == jwks["keys"][0]["kid"]
    assert len(jwks["keys"]) == 1 and "d" not in jwks["keys"][0]
    assert verify(second, jwks)


def test_two_workers_signing_at_once_make_one_key(app, award):
    outcomes = race(app, lambda _: badge_signing.signing_key(), [1, 2, 3])

    assert outcomes == ["ok", "ok", "ok"], outcomes
    assert _db.session.scalar(select(func.count()).select_from(IssuerKey)) == 1


def test_a_configured_key_signs_and_old_credentials_verify_after_it_changes(
    app, client, award, monkeypatch
):
    monkeypatch.setitem(
        app.config, "OPEN_BADGES_SIGNING_KEY", pem(ec.generate_private_key(ec.SECP256R1()))
    )
    old, _jwks = fetch(client, award)
    assert json.loads(b64decode(old.split(".")[0]))["alg"] == "ES256"

    monkeypatch.setitem(
        app.config, "OPEN_BADGES_SIGNING_KEY", pem(rsa.generate_private_key(65537, 2048))
    )
    new, jwks = fetch(client, award)

    assert len(jwks["keys"]) == 2
    assert verify(old, jwks) and verify(new, jwks)
    assert all(not key.get("d") for key in jwks["keys"])


@pytest.mark.parametrize("setting", ["not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_an_unusable_configured_key_answers_unavailable_not_an_error(
    app, client, award, setting, monkeypatch
):
    monkeypatch.setitem(app.config, "OPEN_BADGES_SIGNING_KEY", setting)

    assert client.get(f"/badges/{award.public_id}.jwt").status_code == 503
    assert client.get("/badges/issuer/jwks.json").status_code == 503


def test_an_unknown_key_is_not_found(client, award):
    assert client.get("/badges/issuer/keys/nope").status_code == 404


def test_the_award_page_offers_the_signed_credential(client, award):
    text = client.get(f"/badges/{award.public_id}").get_data(as_text=True)

    assert f"/badges/{award.public_id}.jwt" in text
    assert 'data-testid="issuer-keys-link"' in text


def test_a_revoked_award_has_no_signed_credential(client, award):
    award.revoked_at = NOW
    _db.session.commit()

    assert client.get(f"/badges/{award.public_id}.jwt").status_code == 404
