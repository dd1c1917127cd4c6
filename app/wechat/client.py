"""The Official Account's API client: wechatpy's `WeChatClient`, its addresses taken from the
settings, and its credentials (the access token, the JS-SDK ticket) shared by every process
through `WeChatCredential`.

WeChat limits how often a token or ticket may be fetched and a new one replaces the old, so ten
workers each fetching their own would keep invalidating each other. Here a credential is read
from the database; whoever finds it missing, about to expire or refused by WeChat takes a lock,
reads it again (someone else may just have fetched it) and only then asks WeChat. The lock and
the credential are written on a connection of their own, so the caller's transaction is
untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import text
from sqlalchemy.orm import Session
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from app.common.time import utcnow
from app.extensions import db
from app.wechat.models import WeChatCredential

ACCESS_TOKEN = "access_token"
JSAPI_TICKET = "jsapi_ticket"
# A credential is replaced this long before WeChat says it expires.
REFRESH_EARLY = timedelta(minutes=5)
# WeChat's answers meaning "this access token is not (or no longer) valid".
TOKEN_REFUSED = frozenset({40001, 40014, 42001})


class TokenUnavailable(Exception):
    """WeChat gave no access token (a wrong secret, our server's address not allowed): no
    call can be made until that is mended, and no message is to blame."""


def enabled() -> bool:
    """WeChat is on only when the Official Account's app id and secret are both set."""
    config = current_app.config
    return bool(config.get("WECHAT_APP_ID") and config.get("WECHAT_APP_SECRET"))


class OfficialAccount(WeChatClient):
    """wechatpy's client with the shared token: a call refused for its token is made once
    more with a fresh one. Without wechatpy's own auto-retry, which would fetch a token per
    process and retry without end."""

    def __init__(self, *, now: datetime | None = None) -> None:
        config = current_app.config
        super().__init__(
            config["WECHAT_APP_ID"],
            config["WECHAT_APP_SECRET"],
            timeout=config["WECHAT_TIMEOUT"],
            auto_retry=False,
        )
        self.api_base = config["WECHAT_API_BASE"].rstrip("/")
        self.API_BASE_URL = f"{self.api_base}/cgi-bin/"
        self._now = now

    @property
    def access_token(self) -> str:
        return shared_token(self, now=self._now)

    def fetch_access_token(self) -> dict[str, Any]:
        """Ask WeChat for a new token (`cgi-bin/token`); only `shared_token` calls this."""
        answer = self._http.get(
            f"{self.api_base}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            timeout=self.timeout,
        )
        try:
            result = self._handle_result(answer)
        except WeChatClientException as error:
            raise TokenUnavailable(f"{error.errcode}: {error.errmsg}") from error
        if not isinstance(result, dict) or "access_token" not in result:
            raise TokenUnavailable("no access_token in WeChat's answer")
        return result

    def fetch_jsapi_ticket(self, token: str) -> dict[str, Any]:
        """Ask WeChat for a new JS-SDK ticket with `token` (wechatpy's `jsapi.get_ticket`,
        without the token retry: `jsapi_ticket` retries outside the credential lock)."""
        result = super()._request(
            "get", "ticket/getticket", **_with_token({"params": {"type": "jsapi"}}, token)
        )
        if not isinstance(result, dict) or "ticket" not in result:
            raise TokenUnavailable("no ticket in WeChat's answer")
        return result

    def _request(self, method: str, url_or_endpoint: str, **kwargs: Any) -> Any:
        token = self.access_token
        try:
            return super()._request(method, url_or_endpoint, **_with_token(kwargs, token))
        except WeChatClientException as error:
            if error.errcode not in TOKEN_REFUSED:
                raise
        token = shared_token(self, refused=token, now=self._now)
        return super()._request(method, url_or_endpoint, **_with_token(kwargs, token))

    def send_template(
        self, openid: str, template_id: str, data: dict, *, url: str | None, client_msg_id: str
    ) -> dict[str, Any]:
        """Send one template message; WeChat drops a second one with the same
        `client_msg_id`. (wechatpy's `message.send_template` has no such argument.)"""
        body = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            body["url"] = url
        body["client_msg_id"] = client_msg_id
        return self.post("message/template/send", data=body)


def _with_token(kwargs: dict[str, Any], token: str) -> dict[str, Any]:
    params = dict(kwargs.get("params") or {})
    params["access_token"] = token
    return {**kwargs, "params": params}


def shared_token(
    client: OfficialAccount, *, refused: str | None = None, now: datetime | None = None
) -> str:
    """The access token every process uses (see `shared_credential`)."""

    def fetch() -> tuple[str, int]:
        answer = client.fetch_access_token()
        return answer["access_token"], int(answer.get("expires_in", 7200))

    return shared_credential(ACCESS_TOKEN, fetch, refused=refused, now=now)


def jsapi_ticket(client: OfficialAccount, *, now: datetime | None = None) -> str:
    """The JS-SDK ticket every process uses (see `shared_credential`). When WeChat refuses
    the access token it was asked with, the token is replaced and the ticket asked once more;
    the token is got outside the ticket's lock, as both share one lock."""
    token = client.access_token
    try:
        return shared_credential(JSAPI_TICKET, _ticket_fetcher(client, token), now=now)
    except WeChatClientException as error:
        if error.errcode not in TOKEN_REFUSED:
            raise
    token = shared_token(client, refused=token, now=now)
    return shared_credential(JSAPI_TICKET, _ticket_fetcher(client, token), now=now)


def _ticket_fetcher(client: OfficialAccount, token: str) -> Callable[[], tuple[str, int]]:
    def fetch() -> tuple[str, int]:
        answer = client.fetch_jsapi_ticket(token)
        return answer["ticket"], int(answer.get("expires_in", 7200))

    return fetch


def shared_credential(
    name: str,
    fetch: Callable[[], tuple[str, int]],
    *,
    refused: str | None = None,
    now: datetime | None = None,
) -> str:
    """The credential `name` every process uses: the stored one while it is good for more
    than `REFRESH_EARLY` (and is not `refused`, the one WeChat just turned away), else a new
    one from `fetch` (value, seconds it lasts), called by exactly one caller while the others
    wait for it. `fetch` runs under the lock, so it must not need another credential."""
    now = now or utcnow()
    with Session(db.engine) as session:
        value = _usable(session, name, refused=refused, now=now)
        session.rollback()  # end the read: the lock below starts its own transaction
        if value is not None:
            return value
        _lock(session)
        value = _usable(session, name, refused=refused, now=now)
        if value is None:
            value, seconds = fetch()
            expires_at = now + timedelta(seconds=seconds)
            session.merge(
                WeChatCredential(name=name, value=value, expires_at=expires_at, updated_at=now)
            )
        session.commit()
        return value


def _usable(session: Session, name: str, *, refused: str | None, now: datetime) -> str | None:
    stored = session.get(WeChatCredential, name, populate_existing=True)
    if stored is None or stored.value == refused or stored.expires_at - REFRESH_EARLY <= now:
        return None
    return stored.value


def _lock(session: Session) -> None:
    """Hold the credential lock until `session` commits: an advisory lock on PostgreSQL,
    the database's write lock (BEGIN IMMEDIATE) on SQLite."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('wechat.credentials'))"))
    elif not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
