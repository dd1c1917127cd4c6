"""A receiving system's webhook endpoint, written from the README's "Application tokens and
webhooks" (not from the sender's code): it checks each delivery's signature with the
subscription's secret, refuses a timestamp older than five minutes (a replay), and counts
each event id it accepted, so a test sees duplicates. Tests steer it with `fail_next`
(answer 503 to that many deliveries) and read `accepted`, `refused`, `duplicates`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from typing import Any

from flask import Flask, request

from tests.loopback import LoopbackServer

MAX_AGE_SECONDS = 300


class WebhookReceiver:
    def __init__(self) -> None:
        self.secret = ""
        self.accepted: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.seen: Counter[str] = Counter()
        self.fail_next = 0
        self._lock = threading.Lock()
        self.server = LoopbackServer(self._app(), "/hooks/gongchuang")
        self.url = self.server.url

    @property
    def duplicates(self) -> int:
        return sum(count - 1 for count in self.seen.values())

    def verify(self, body: bytes, timestamp: str, signature: str) -> str | None:
        """Why the delivery is refused, or None."""
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return "stale"
        message = timestamp.encode() + b"." + body
        expected = "sha256=" + hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return "bad signature"
        return None

    def _app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/hooks/gongchuang")
        def receive():
            body = request.get_data()
            reason = self.verify(
                body,
                request.headers.get("X-Gongchuang-Timestamp", ""),
                request.headers.get("X-Gongchuang-Signature", ""),
            )
            with self._lock:
                if reason:
                    self.refused.append(reason)
                    return {"error": reason}, 401
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return "接收方暂时不可用 " + "x" * 2000, 503
                event = json.loads(body)
                self.seen[event["id"]] += 1
                self.accepted.append(
                    {
                        **event,
                        "header_event": request.headers.get("X-Gongchuang-Event"),
                        "header_host": request.headers.get("Host"),
                    }
                )
            return {"ok": True}

        return app

    def stop(self) -> None:
        self.server.stop()
