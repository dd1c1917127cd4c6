"""A minimal OpenID Connect provider on loopback for the tests: discovery, a token endpoint
that checks the client, the redirect address and the PKCE verifier, signed ID tokens (RS256)
and their key set. The authorisation step (the person typing their campus password) is
`issue_code`; tokens can be made wrong on purpose."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.wrappers import Request, Response

from tests.loopback import LoopbackServer

CLIENT_ID = "gongchuang"
CLIENT_SECRET = "test-secret"


@dataclass
class Grant:
    redirect_uri: str
    challenge: str
    claims: dict[str, Any]
    used: bool = False


@dataclass
class Provider:
    url: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, {"kid": "k1"}, True))
    grants: dict[str, Grant] = field(default_factory=dict)
    mode: str = "ok"  # ok, down
    # The issuer the discovery document and the tokens name (default: its own address).
    issuer: str = ""

    def issue_code(
        self, redirect_uri: str, challenge: str, nonce: str, *, sign_with=None, **claims
    ) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer or self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 600}
        payload.update({"nonce": nonce, **claims})
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(redirect_uri, challenge, payload)
        self.grants[code].claims["_key"] = sign_with
        return code

    def _token(self, request: Request) -> Response:
        form = request.form
        grant = self.grants.get(form.get("code", ""))
        if (
            grant is None
            or grant.used
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != CLIENT_ID
            or form.get("client_secret") != CLIENT_SECRET
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return _json({"error": "invalid_grant"}, 400)
        grant.used = True
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant.challenge:
            return _json({"error": "invalid_grant"}, 400)
        claims = dict(grant.claims)
        key = claims.pop("_key") or self.key
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        return _json({"id_token": id_token, "access_token": "at", "token_type": "Bearer"})

    def __call__(self, environ, start_response):
        request = Request(environ)
        if self.mode == "down":
            response = Response("unavailable", status=503)
        elif request.path == "/.well-known/openid-configuration":
            response = _json(
                {
                    "issuer": self.issuer or self.url,
                    "authorization_endpoint": f"{self.url}/authorize",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "end_session_endpoint": f"{self.url}/logout",
                }
            )
        elif request.path == "/token" and request.method == "POST":
            response = self._token(request)
        elif request.path == "/jwks":
            response = _json({"keys": [self.key.as_dict(private=False)]})
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


def _json(data: dict, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


class RunningProvider(LoopbackServer):
    def __init__(self) -> None:
        self.provider = Provider()
        super().__init__(self.provider)
        self.provider.url = self.url
