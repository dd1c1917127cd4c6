"""The fake WeChat refuses what WeChat refuses, so tests against it mean something."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.fakes.wechat import ACCESS_TOKEN_EXPIRED, INVALID_CODE, REQUIRE_SUBSCRIBE


def _code(wechat, redirect_uri="https://lib.example.edu.cn/wechat/back") -> str:
    answer = requests.get(
        f"{wechat.url}/connect/oauth2/authorize",
        params={
            "appid": wechat.app_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": "snsapi_base",
            "state": "s1",
        },
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def _exchange(wechat, code: str) -> dict:
    return requests.get(
        f"{wechat.url}/sns/oauth2/access_token",
        params={
            "appid": wechat.app_id,
            "secret": wechat.secret,
            "code": code,
            "grant_type": "authorization_code",
        },
        timeout=5,
    ).json()


def test_a_code_gives_the_openid_once(wechat):
    code = _code(wechat)

    assert _exchange(wechat, code)["openid"] == wechat.wechat_user
    assert _exchange(wechat, code)["errcode"] == INVALID_CODE


def _token(wechat) -> str:
    params = {"grant_type": "client_credential", "appid": wechat.app_id, "secret": wechat.secret}
    return requests.get(f"{wechat.url}/cgi-bin/token", params=params, timeout=5).json()[
        "access_token"
    ]


def _send(wechat, token: str, **body) -> dict:
    return requests.post(
        f"{wechat.url}/cgi-bin/message/template/send",
        params={"access_token": token},
        json=body,
        timeout=5,
    ).json()


def test_template_messages_reach_followers_once_and_tokens_expire(wechat):
    wechat.templates.add("T1")
    token = _token(wechat)
    message = {"touser": wechat.wechat_user, "template_id": "T1", "data": {}, "client_msg_id": "m1"}

    first = _send(wechat, token, **message)
    again = _send(wechat, token, **message)
    stranger = _send(wechat, token, **{**message, "touser": "o_other", "client_msg_id": "m2"})
    wechat.expire_tokens()
    late = _send(wechat, token, **{**message, "client_msg_id": "m3"})

    assert first["errcode"] == 0 and again["msgid"] == first["msgid"]
    assert len(wechat.inbox) == 1
    assert stranger["errcode"] == REQUIRE_SUBSCRIBE
    assert late["errcode"] == ACCESS_TOKEN_EXPIRED
    assert wechat.token_fetches == 1
