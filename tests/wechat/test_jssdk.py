"""WeChat's JS-SDK: the shared ticket, the signed page configuration (only inside WeChat and
with its settings), the scanner page's "Scan with WeChat" button, share cards, and the kiosk's
code opened from WeChat's own scanner."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import requests

from app.checkin import tokens
from app.checkin.models import Attendance
from app.checkin.views import _scan_url as kiosk_address
from app.common.time import utcnow
from app.extensions import db as _db
from app.recruitment.poster import campaign_url
from app.wechat.client import JSAPI_TICKET, OfficialAccount, jsapi_ticket
from app.wechat.jssdk import signature
from app.wechat.models import WeChatBinding, WeChatCredential
from app.wechat.views import TRIED
from tests.checkin import attendance_data, checkin_data
from tests.helpers import race
from tests.recruitment import recruiting
from tests.wechat.test_login_views import WECHAT_UA

SCANNER = "/attendance/shifts/{shift}/scanner"
CONFIG = re.compile(
    r'id="wechat-jssdk".*?data-app-id="(?P<app>[^"]*)".*?data-timestamp="(?P<timestamp>\d+)"'
    r'.*?data-nonce-str="(?P<nonce>[^"]*)".*?data-signature="(?P<signature>[0-9a-f]{40})"',
    re.S,
)


def stored_ticket() -> WeChatCredential | None:
    _db.session.expire_all()
    return _db.session.get(WeChatCredential, JSAPI_TICKET)


def test_the_signature_matches_wechats_documented_example():
    ticket = (
        "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
    )
    signed = signature(
        ticket, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"
    )
    assert signed == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_the_ticket_is_fetched_once_and_kept_in_the_database(db, wechat):
    first = jsapi_ticket(OfficialAccount())
    assert jsapi_ticket(OfficialAccount()) == first
    assert wechat.ticket_fetches == 1
    assert stored_ticket().value == first


def test_a_ticket_about_to_expire_is_replaced_beforehand(db, wechat):
    ticket = jsapi_ticket(OfficialAccount())
    stored_ticket().expires_at = utcnow() + timedelta(minutes=4)
    db.session.commit()
    assert jsapi_ticket(OfficialAccount()) != ticket
    assert wechat.ticket_fetches == 2


def test_a_refused_access_token_is_replaced_and_the_ticket_asked_again(db, wechat):
    assert OfficialAccount().access_token
    wechat.expire_tokens()
    assert jsapi_ticket(OfficialAccount())
    assert wechat.token_fetches == 2
    assert wechat.ticket_fetches == 1


@pytest.mark.parametrize("how", ["none yet", "expired here", "token refused by WeChat"])
def test_threads_needing_a_ticket_at_once_fetch_one(app, db, wechat, how):
    if how != "none yet":
        jsapi_ticket(OfficialAccount())
    if how == "expired here":
        stored_ticket().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    elif how == "token refused by WeChat":
        stored_ticket().expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        wechat.expire_tokens()
    tickets_before, tokens_before = wechat.ticket_fetches, wechat.token_fetches
    seen: set[str] = set()

    assert (
        race(app, lambda _: seen.add(jsapi_ticket(OfficialAccount())), list(range(6))) == ["ok"] * 6
    )
    assert wechat.ticket_fetches == tickets_before + 1
    assert wechat.token_fetches <= tokens_before + 1
    assert len(seen) == 1


# Pages -----------------------------------------------------------------------------------------


@pytest.fixture
def scanner(db, login, client):
    """The coordinator of a shift under way, logged in; the scanner page's address."""
    world = attendance_data.world(start=utcnow() - timedelta(minutes=5))
    db.session.commit()
    login(world.boss)
    return world, SCANNER.format(shift=world.shift.id)


def in_wechat(client) -> None:
    client.environ_base["HTTP_USER_AGENT"] = WECHAT_UA


def test_in_wechat_the_page_carries_its_signed_configuration(app, client, scanner, wechat):
    _, url = scanner
    in_wechat(client)
    html = client.get(url).get_data(as_text=True)

    found = CONFIG.search(html)
    assert found, "no JS-SDK configuration on the page"
    assert found["app"] == wechat.app_id
    page_address = f"http://localhost{url}"
    expected = signature(
        stored_ticket().value, unescape(found["nonce"]), int(found["timestamp"]), page_address
    )
    assert found["signature"] == expected
    assert "vendor/weixin-js-sdk-1.6.5/jweixin.js" in html
    assert "js/wechat.js" in html
    assert 'data-testid="scanner-wechat"' in html


def test_the_signature_is_for_the_address_under_app_base_url(
    app, client, scanner, wechat, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteers.example.edu.cn")
    _, url = scanner
    in_wechat(client)
    found = CONFIG.search(client.get(url + "?x=1").get_data(as_text=True))
    address = f"https://volunteers.example.edu.cn{url}?x=1"
    ticket = stored_ticket().value
    assert found["signature"] == signature(
        ticket, unescape(found["nonce"]), int(found["timestamp"]), address
    )


def assert_scanner_as_today(response) -> None:
    """The scanner page without anything of WeChat's: the camera scanner, as today."""
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "wechat-jssdk" not in html and "jweixin" not in html
    assert 'data-testid="scanner-wechat"' not in html
    assert 'data-testid="scanner-start"' in html


def test_outside_wechat_nothing_is_added(client, scanner, wechat):
    _, url = scanner
    assert_scanner_as_today(client.get(url))
    assert wechat.ticket_fetches == 0


def test_without_wechat_settings_nothing_is_added_even_in_wechat(client, scanner):
    _, url = scanner
    in_wechat(client)
    assert_scanner_as_today(client.get(url))


def test_without_a_ticket_the_page_still_works_without_the_sdk(client, scanner, wechat, caplog):
    _, url = scanner
    wechat.secret = "changed-on-wechats-side"
    in_wechat(client)
    assert_scanner_as_today(client.get(url))
    assert "No JS-SDK ticket" in caplog.text


def test_when_wechat_does_not_answer_the_page_still_works(
    app, client, scanner, wechat, monkeypatch
):
    _, url = scanner
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")  # nobody there
    in_wechat(client)
    assert_scanner_as_today(client.get(url))


def test_a_campaign_page_in_wechat_has_the_share_card_values(client, db, wechat):
    campaign = recruiting.campaign(recruiting.team(), title="寒假图书整理招募")
    db.session.commit()
    in_wechat(client)
    with client.session_transaction() as session:
        session[TRIED] = True  # a visitor whose WeChat is not bound: went through it once
    html = client.get(f"/recruitment/campaigns/{campaign.id}").get_data(as_text=True)
    assert CONFIG.search(html)
    assert 'property="og:title" content="寒假图书整理招募"' in html
    assert (
        f'property="og:url" content="http://localhost/recruitment/campaigns/{campaign.id}"' in html
    )
    assert f'content="http://localhost/recruitment/campaigns/{campaign.id}/share.png"' in html


# WeChat's own scanner opening the kiosk's code --------------------------------------------------


def _follow_wechat(client, response):
    """Our redirect to the fake's authorisation page, and back to our callback."""
    assert response.status_code == 302
    answer = requests.get(response.headers["Location"], allow_redirects=False, timeout=5)
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_the_kiosk_code_opened_in_wechat_by_a_bound_person_checks_them_in(
    app, client, db, wechat, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteers.example.edu.cn")
    team = checkin_data.team()
    shift = checkin_data.shift(checkin_data.task(team), starts_in=timedelta(minutes=10), hours=2)
    person = checkin_data.member(team, name="韩梅梅")
    checkin_data.signed_up(shift, person)
    db.session.add(WeChatBinding(user_id=person.id, openid=wechat.wechat_user))
    db.session.commit()
    code = tokens.kiosk_code(shift.id, now=utcnow())
    with app.test_request_context():
        address = kiosk_address(code)
    assert address == f"https://volunteers.example.edu.cn/c/{code}"

    in_wechat(client)
    back = _follow_wechat(client, client.get(f"/c/{code}"))
    assert back.status_code == 302 and back.headers["Location"] == f"/c/{code}"
    landing = client.get(f"/c/{code}")

    assert landing.status_code == 200
    assert 'data-outcome="checked_in"' in landing.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(Attendance).filter_by(user_id=person.id).count() == 1


def test_the_campaign_poster_opened_in_wechat_by_a_bound_person_shows_the_campaign(
    app, client, db, wechat, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteers.example.edu.cn")
    team = recruiting.team()
    campaign = recruiting.campaign(team, title="寒假图书整理招募")
    person = checkin_data.member(team, name="李雷")
    db.session.add(WeChatBinding(user_id=person.id, openid=wechat.wechat_user))
    db.session.commit()
    with app.test_request_context():
        address = campaign_url(campaign.id)
    path = f"/recruitment/campaigns/{campaign.id}"
    assert address == f"https://volunteers.example.edu.cn{path}"

    in_wechat(client)
    back = _follow_wechat(client, client.get(path))
    assert back.status_code == 302 and back.headers["Location"] == path
    landing = client.get(path)
    assert landing.status_code == 200 and "寒假图书整理招募" in landing.get_data(as_text=True)
