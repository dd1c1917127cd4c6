"""The printable campaign poster and its QR code."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import qrcode
from flask import url_for

from app.recruitment import poster
from tests.helpers import page
from tests.recruitment import recruiting

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def world(db):
    team = recruiting.team(name="阅览室志愿者队")
    other_team = recruiting.team(name="古籍修复队")
    boss = recruiting.coordinator(team, name="陈老师")
    outsider = recruiting.coordinator(other_team, name="王老师")
    campaign = recruiting.campaign(team, title="2026 春季志愿者招募")
    db.session.commit()
    return {"team": team, "boss": boss, "outsider": outsider, "campaign": campaign}


def campaign_address(app, campaign_id: int) -> str:
    with app.test_request_context():
        return url_for("recruitment.campaign", campaign_id=campaign_id, _external=True)


def dark_modules(svg: bytes) -> set[tuple[int, int]]:
    """The QR modules an SVG path draws, as (x, y) squares of one unit each."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    paths = root.findall(f"{SVG}path")
    assert len(paths) == 1
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)", paths[0].get("d"))}


def expected_modules(text: str) -> set[tuple[int, int]]:
    code = qrcode.QRCode(error_correction=poster.ERROR_CORRECTION, border=4)
    code.add_data(text)
    code.make(fit=True)
    return {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}


def test_the_poster_shows_the_campaign_and_a_qr_image(client, login, world, app):
    campaign = world["campaign"]
    login(world["boss"])
    response = client.get(f"/teams/campaigns/{campaign.id}/poster")
    assert response.status_code == 200
    html = page(response)
    assert "2026 春季志愿者招募" in html
    assert "阅览室志愿者队" in html
    assert "欢迎加入 图书馆志愿者队。" in html  # the Markdown as plain text
    assert f'src="/teams/campaigns/{campaign.id}/qr.svg"' in html
    assert campaign_address(app, campaign.id) in html
    assert "css/print.css" in html
    main = html.split("<main", 1)[1]
    assert "style=" not in main and "<script>" not in main


def test_the_qr_code_is_an_svg_of_the_campaign_address(client, login, world, app):
    campaign = world["campaign"]
    login(world["boss"])
    response = client.get(f"/teams/campaigns/{campaign.id}/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert b"<script" not in response.data and b"style=" not in response.data
    modules = dark_modules(response.data)
    assert modules == expected_modules(campaign_address(app, campaign.id))
    assert modules != expected_modules(campaign_address(app, campaign.id + 1))


def test_the_public_address_is_used_when_configured(client, login, world, app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://volunteer.lib.example.edu.cn/")
    campaign = world["campaign"]
    login(world["boss"])
    html = page(client.get(f"/teams/campaigns/{campaign.id}/poster"))
    with app.test_request_context():
        path = url_for("recruitment.campaign", campaign_id=campaign.id)
    address = "https://volunteer.lib.example.edu.cn" + path
    assert address in html
    svg = client.get(f"/teams/campaigns/{campaign.id}/qr.svg").data
    assert dark_modules(svg) == expected_modules(address)


def test_the_team_page_links_to_its_campaign_posters(client, login, world):
    login(world["boss"])
    html = page(client.get(f"/teams/{world['team'].id}"))
    assert f'href="/teams/campaigns/{world["campaign"].id}/poster"' in html


def test_an_unpublished_campaign_poster_warns_on_screen(client, login, db, world):
    draft = recruiting.campaign(world["team"], title="草稿招募", published=False)
    db.session.commit()
    login(world["boss"])
    html = page(client.get(f"/teams/campaigns/{draft.id}/poster"))
    assert 'data-testid="poster-unpublished"' in html


@pytest.mark.parametrize("suffix", ["poster", "qr.svg"])
def test_poster_access(client, login, world, admin, student, suffix):
    url = f"/teams/campaigns/{world['campaign'].id}/{suffix}"
    login(world["outsider"])
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(student)
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(admin)
    assert client.get(url).status_code == 200
    assert client.get(f"/teams/campaigns/999999/{suffix}").status_code == 404


def test_the_print_stylesheet_hides_the_menu_on_paper(client):
    response = client.get("/static/css/print.css")
    css = page(response)
    assert response.status_code == 200
    assert "@media print" in css
    assert re.search(r"nav\.navbar[^{]*footer[^{]*\{\s*display:\s*none", css)


def test_a_long_description_is_shortened_for_the_poster(app):
    with app.app_context():
        text = poster.summary("## 招募\n\n" + "字" * 500)
    assert text.startswith("招募")
    assert len(text) == poster.SUMMARY_LENGTH
    assert text.endswith("…")
