"""The Official Account's access token: fetched once, shared, refreshed early and when
WeChat refuses it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from wechatpy.exceptions import WeChatClientException

from app.common.time import utcnow
from app.extensions import db as _db
from app.wechat.client import ACCESS_TOKEN, OfficialAccount
from app.wechat.models import WeChatCredential
from tests.helpers import race


def stored_token() -> WeChatCredential | None:
    _db.session.expire_all()
    return _db.session.get(WeChatCredential, ACCESS_TOKEN)


def test_the_token_is_fetched_once_and_kept_in_the_database(db, wechat):
    first = OfficialAccount().access_token
    second = OfficialAccount().access_token
    assert first == second
    assert wechat.token_fetches == 1
    assert stored_token().value == first


def test_a_token_about_to_expire_is_replaced_beforehand(db, wechat):
    token = OfficialAccount().access_token
    credential = stored_token()
    credential.expires_at = utcnow() + timedelta(minutes=4)
    db.session.commit()
    assert OfficialAccount().access_token != token
    assert wechat.token_fetches == 2


def test_a_token_wechat_refuses_is_replaced_and_the_call_made_once_more(db, wechat):
    wechat.templates.add("TPL1")
    client = OfficialAccount()
    assert client.access_token
    wechat.expire_tokens()
    answer = client.send_template("o_fake_openid_1", "TPL1", {}, url=None, client_msg_id="t-1")
    assert answer["errcode"] == 0
    assert wechat.token_fetches == 2
    assert len(wechat.inbox) == 1


def test_other_refusals_are_raised_with_wechats_code(db, wechat):
    with pytest.raises(WeChatClientException) as refused:
        OfficialAccount().send_template("o_x", "NOPE", {}, url=None, client_msg_id="t-2")
    assert refused.value.errcode == 40037


@pytest.mark.parametrize("how", ["expired here", "refused by WeChat"])
def test_threads_finding_a_bad_token_at_once_fetch_one(app, db, wechat, how):
    assert OfficialAccount().access_token
    if how == "expired here":
        stored_token().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    else:
        wechat.expire_tokens()
    wechat.templates.add("TPL1")
    before = wechat.token_fetches

    def call(n: int) -> None:
        OfficialAccount().send_template(
            "o_fake_openid_1", "TPL1", {}, url=None, client_msg_id=f"race-{n}"
        )

    assert race(app, call, list(range(6))) == ["ok"] * 6
    assert wechat.token_fetches == before + 1
    assert len(wechat.inbox) == 6
