"""A WSGI app served on a free loopback port in a thread, for the tests' stand-ins of
outside systems (the campus CAS server, an OIDC provider, the data hub)."""

from __future__ import annotations

import threading

from werkzeug.serving import make_server


class LoopbackServer:
    def __init__(self, app, path: str = "") -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
