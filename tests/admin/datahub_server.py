"""A campus data hub on loopback for the tests: it answers the JSON it is told to, checks
the bearer token, and can answer errors, garbage or slowly."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.loopback import LoopbackServer

TOKEN = "hub-token-1"


@dataclass
class DataHub:
    answers: dict[str, Any] = field(default_factory=dict)
    mode: str = "ok"  # ok, error, garbage, slow
    calls: int = 0

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.calls += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            response = Response('{"error": "unauthorised"}', status=401)
        elif self.mode == "error":
            response = Response("upstream failure", status=500)
        elif self.mode == "garbage":
            response = Response("<html>maintenance</html>", mimetype="text/html")
        else:
            if self.mode == "slow":
                time.sleep(2)
            body = self.answers.get(request.path)
            response = (
                Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")
                if body is not None
                else Response("not found", status=404)
            )
        return response(environ, start_response)


class RunningHub(LoopbackServer):
    def __init__(self) -> None:
        self.hub = DataHub()
        super().__init__(self.hub)
