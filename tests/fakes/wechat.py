"""A stand-in for WeChat's servers, written from WeChat's public documentation.

It serves both of WeChat's hosts on one loopback port: the web authorisation page
(open.weixin.qq.com `/connect/oauth2/authorize`) and the API (api.weixin.qq.com:
`/sns/oauth2/access_token`, `/cgi-bin/token`, `/cgi-bin/message/template/send`,
`/cgi-bin/ticket/getticket`). It is strict as WeChat is: a wrong app id or secret, a code used
twice or too late, an expired or replaced access token, a template the account does not have
and a person who does not follow the account are refused with WeChat's error codes. Tests
read what it received (`inbox`, `token_fetches`) and steer it (`wechat_user`, `fail_next`,
`expire_tokens`).

Run alone for a look in a browser: `python -m tests.fakes.wechat --port 5099`.
"""

from __future__ import annotations

import argparse
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask, jsonify, redirect, request

from tests.loopback import LoopbackServer

APP_ID = "wx0123456789abcdef"
APP_SECRET = "fake-wechat-secret"
CODE_SECONDS = 300
TOKEN_SECONDS = 7200

# WeChat's error codes, as its documentation names them.
INVALID_CREDENTIAL = 40001  # access token invalid or not the latest
INVALID_APPID = 40013
INVALID_ACCESS_TOKEN = 40014
INVALID_CODE = 40029
INVALID_TEMPLATE_ID = 40037
ACCESS_TOKEN_EXPIRED = 42001
REQUIRE_SUBSCRIBE = 43004
SYSTEM_BUSY = -1
INVALID_APPSECRET = 40125
MESSAGES = {
    INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest",
    INVALID_APPID: "invalid appid",
    INVALID_ACCESS_TOKEN: "invalid access_token",
    INVALID_CODE: "invalid code",
    INVALID_TEMPLATE_ID: "invalid template_id",
    ACCESS_TOKEN_EXPIRED: "access_token expired",
    REQUIRE_SUBSCRIBE: "require subscribe",
    SYSTEM_BUSY: "system error",
    INVALID_APPSECRET: "invalid appsecret",
}


@dataclass
class FakeWeChat:
    """What the fake knows and remembers. Every field may be set by a test."""

    app_id: str = APP_ID
    secret: str = APP_SECRET
    # The WeChat user whose phone is "in front of" the authorisation page: its openid.
    wechat_user: str | None = "o_fake_openid_1"
    followers: set[str] = field(default_factory=lambda: {"o_fake_openid_1"})
    templates: set[str] = field(default_factory=set)
    token_seconds: int = TOKEN_SECONDS
    # Error codes to answer the next template sends with, one per send, before working again.
    fail_next: list[int] = field(default_factory=list)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    token_fetches: int = 0
    ticket_fetches: int = 0
    codes: dict[str, tuple[str, float]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    sent_ids: dict[str, int] = field(default_factory=dict)
    url: str = ""  # where it answers, once running
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    def expire_tokens(self) -> None:
        """Every access token given so far stops working (answers 42001), as after 7200 s."""
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def messages_to(self, openid: str) -> list[dict[str, Any]]:
        return [message for message in self.inbox if message["touser"] == openid]


def _error(code: int):
    return jsonify({"errcode": code, "errmsg": MESSAGES.get(code, "error")})


def create_app(state: FakeWeChat) -> Flask:
    app = Flask(__name__)

    @app.get("/connect/oauth2/authorize")
    def authorize():
        args = request.args
        if args.get("appid") != state.app_id:
            return "appid 参数错误", 400
        if args.get("response_type") != "code" or args.get("scope") not in (
            "snsapi_base",
            "snsapi_userinfo",
        ):
            return "scope 参数错误", 400
        if not args.get("redirect_uri", "").startswith(("http://", "https://")):
            return "redirect_uri 参数错误", 400
        if state.wechat_user is None:
            return "请在微信客户端打开链接", 400
        code = secrets.token_hex(16)
        with state.lock:
            state.codes[code] = (state.wechat_user, time.time() + CODE_SECONDS)
        query = urlencode({"code": code, "state": args.get("state", "")})
        separator = "&" if "?" in args["redirect_uri"] else "?"
        return redirect(f"{args['redirect_uri']}{separator}{query}")

    @app.get("/sns/oauth2/access_token")
    def exchange_code():
        args = request.args
        if args.get("appid") != state.app_id:
            return _error(INVALID_APPID)
        if args.get("secret") != state.secret:
            return _error(INVALID_APPSECRET)
        if args.get("grant_type") != "authorization_code":
            return _error(INVALID_CODE)
        with state.lock:
            granted = state.codes.pop(args.get("code", ""), None)
        if granted is None or granted[1] < time.time():
            return _error(INVALID_CODE)
        return jsonify(
            {
                "access_token": secrets.token_hex(16),
                "expires_in": 7200,
                "refresh_token": secrets.token_hex(16),
                "openid": granted[0],
                "scope": "snsapi_base",
            }
        )

    @app.get("/cgi-bin/token")
    def access_token():
        args = request.args
        if args.get("grant_type") != "client_credential" or args.get("appid") != state.app_id:
            return _error(INVALID_APPID)
        if args.get("secret") != state.secret:
            return _error(INVALID_APPSECRET)
        token = secrets.token_hex(24)
        with state.lock:
            state.token_fetches += 1
            state.tokens[token] = time.time() + state.token_seconds
        return jsonify({"access_token": token, "expires_in": state.token_seconds})

    def _token_refused():
        token = request.args.get("access_token", "")
        with state.lock:
            expires_at = state.tokens.get(token)
        if expires_at is None:
            return _error(INVALID_CREDENTIAL)
        if expires_at < time.time():
            return _error(ACCESS_TOKEN_EXPIRED)
        return None

    @app.post("/cgi-bin/message/template/send")
    def send_template():
        refused = _token_refused()
        if refused is not None:
            return refused
        body = request.get_json(force=True, silent=True) or {}
        with state.lock:
            if state.fail_next:
                return _error(state.fail_next.pop(0))
            if body.get("template_id") not in state.templates:
                return _error(INVALID_TEMPLATE_ID)
            if body.get("touser") not in state.followers:
                return _error(REQUIRE_SUBSCRIBE)
            client_msg_id = body.get("client_msg_id")
            if client_msg_id and client_msg_id in state.sent_ids:
                return jsonify(
                    {"errcode": 0, "errmsg": "ok", "msgid": state.sent_ids[client_msg_id]}
                )
            msgid = next(state._ids)
            if client_msg_id:
                state.sent_ids[client_msg_id] = msgid
            state.inbox.append({**body, "msgid": msgid})
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})

    @app.get("/cgi-bin/ticket/getticket")
    def jsapi_ticket():
        refused = _token_refused()
        if refused is not None:
            return refused
        if request.args.get("type") != "jsapi":
            return _error(40097)
        with state.lock:
            state.ticket_fetches += 1
        return jsonify(
            {"errcode": 0, "errmsg": "ok", "ticket": secrets.token_hex(20), "expires_in": 7200}
        )

    return app


class RunningWeChat(LoopbackServer):
    """The fake on a free loopback port; `state` is what it knows and remembers."""

    def __init__(self) -> None:
        self.state = FakeWeChat()
        super().__init__(create_app(self.state))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5099)
    arguments = parser.parse_args()
    create_app(FakeWeChat()).run(host="127.0.0.1", port=arguments.port)


if __name__ == "__main__":
    main()
