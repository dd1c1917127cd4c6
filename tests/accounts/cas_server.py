"""A small CAS server on loopback for the tests: it issues service tickets (single use,
bound to the service address) and answers /serviceValidate (CAS 2.0) and
/p3/serviceValidate (CAS 3.0, with attributes) as a campus server would; it can also be
slow, broken or garbled on purpose."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from tests.loopback import LoopbackServer

SUCCESS = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
<cas:authenticationSuccess><cas:user>{user}</cas:user>{attributes}</cas:authenticationSuccess>
</cas:serviceResponse>"""
FAILURE = """<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">
<cas:authenticationFailure code="{code}">{code}</cas:authenticationFailure>
</cas:serviceResponse>"""


@dataclass
class Ticket:
    service: str
    user: str
    attributes: dict[str, str]
    used: bool = False


@dataclass
class CasServer:
    tickets: dict[str, Ticket] = field(default_factory=dict)
    # ok, slow, broken, garbled; or careless: a ticket stays valid after its first check
    # (a server that does not enforce single use, or that answers twice to a retry).
    mode: str = "ok"
    requests: list[str] = field(default_factory=list)
    # Who has typed their campus password in this browser (for browser tests): the login
    # page then sends them straight back with a ticket, as a real CAS server does.
    signed_in: dict[str, str] | None = None

    def issue(self, service: str, user: str, **attributes: str) -> str:
        """What the server does after the person typed their campus password."""
        ticket = f"ST-{secrets.token_hex(12)}"
        self.tickets[ticket] = Ticket(service, user, attributes)
        return ticket

    def _validate(self, request: Request, with_attributes: bool) -> Response:
        if self.mode == "slow":
            time.sleep(2)
        if self.mode == "broken":
            return Response("internal error", status=500)
        if self.mode == "garbled":
            return Response("<cas:serviceResponse><unclosed>", mimetype="text/xml")
        found = self.tickets.get(request.args.get("ticket", ""))
        if found is None or found.used:
            return Response(FAILURE.format(code="INVALID_TICKET"), mimetype="text/xml")
        found.used = self.mode != "careless"
        if found.service != request.args.get("service"):
            return Response(FAILURE.format(code="INVALID_SERVICE"), mimetype="text/xml")
        attributes = ""
        if with_attributes and found.attributes:
            items = "".join(
                f"<cas:{name}>{escape(value)}</cas:{name}>"
                for name, value in found.attributes.items()
            )
            attributes = f"<cas:attributes>{items}</cas:attributes>"
        body = SUCCESS.format(user=escape(found.user), attributes=attributes)
        return Response(body, mimetype="text/xml")

    def __call__(self, environ, start_response):
        request = Request(environ)
        self.requests.append(request.path)
        if request.path == "/cas/p3/serviceValidate":
            response = self._validate(request, with_attributes=True)
        elif request.path == "/cas/serviceValidate":
            response = self._validate(request, with_attributes=False)
        elif request.path == "/cas/login" and self.signed_in:
            service = request.args.get("service", "")
            attributes = dict(self.signed_in)
            ticket = self.issue(service, attributes.pop("user"), **attributes)
            separator = "&" if "?" in service else "?"
            response = redirect(f"{service}{separator}{query(ticket=ticket)}")
        elif request.path == "/cas/logout" and request.args.get("service"):
            self.signed_in = None
            response = redirect(request.args["service"])
        elif request.path in ("/cas/login", "/cas/logout"):
            response = Response("the campus page", mimetype="text/plain")
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


class RunningCas(LoopbackServer):
    def __init__(self) -> None:
        self.cas = CasServer()
        super().__init__(self.cas, "/cas")


def logout_request(ticket: str) -> str:
    """The SAML message a CAS server POSTs for single logout."""
    return (
        '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'ID="LR-1" Version="2.0" IssueInstant="2026-12-06T10:00:00Z">'
        '<saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">@NOT_USED@</saml:NameID>'
        f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )


def query(**values: str) -> str:
    return urlencode(values)
