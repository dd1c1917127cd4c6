"""The kiosk a coordinator puts on a tablet, and the volunteer's personal code page."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest

from app.checkin import services, tokens
from app.common.time import utcnow
from app.recruitment.poster import qr_svg
from tests.checkin import checkin_data as data
from tests.helpers import page


@pytest.fixture
def setting(db):
    team = data.team()
    task = data.task(team, title="讲座签到", location="报告厅")
    shift = data.shift(task, starts_in=timedelta(minutes=10), hours=2, capacity=3)
    coordinator = data.coordinator(team)
    person = data.member(team, name="李雷")
    data.signed_up(shift, person)
    db.session.commit()
    return shift, coordinator, person


def qr_of(html: str) -> tuple[str, bytes]:
    """The kiosk's QR element: the address it announces and the SVG image it shows."""
    tag = re.search(r'<img[^>]*data-testid="kiosk-qr"[^>]*>', html, re.S).group(0)
    url = re.search(r'data-url="([^"]+)"', tag).group(1)
    image = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', tag).group(1)
    return url, base64.b64decode(image)


def test_the_coordinator_sees_a_qr_code_of_the_short_scan_address(client, login, setting):
    shift, coordinator, _person = setting
    login(coordinator)

    response = client.get(f"/checkin/shifts/{shift.id}/kiosk")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = page(response)
    assert "讲座签到" in html and "报告厅" in html
    url, svg = qr_of(html)
    match = re.fullmatch(r"http://localhost/c/([0-9A-Z.]+)", url)
    assert match and tokens.read_kiosk_code(match.group(1), now=utcnow()).subject_id == shift.id
    # The image is exactly the QR code of that address.
    assert svg == qr_svg(url)
    assert re.search(r'data-count="in">0<.*data-count="expected">1<', html, re.S)


def test_the_kiosk_uses_the_public_base_address_when_set(app, client, login, setting):
    shift, coordinator, _person = setting
    login(coordinator)
    app.config["APP_BASE_URL"] = "https://gc.example.edu.cn/"
    try:
        url, _svg = qr_of(page(client.get(f"/checkin/shifts/{shift.id}/kiosk")))
    finally:
        app.config["APP_BASE_URL"] = ""
    assert url.startswith("https://gc.example.edu.cn/c/")


def test_the_live_state_brings_the_code_and_the_counts(client, login, db, setting):
    shift, coordinator, person = setting
    login(coordinator)
    services.scan_kiosk_code(tokens.kiosk_code(shift.id, now=utcnow()), person)
    db.session.commit()

    state = client.get(f"/checkin/shifts/{shift.id}/kiosk.json").get_json()

    assert state["counts"] == {"in": 1, "out": 0, "expected": 1}
    assert 0 < state["seconds_left"] <= 30
    assert state["url"].endswith(f"/c/{state['code']}")
    assert state["qr"] == "data:image/svg+xml;base64," + base64.b64encode(
        qr_svg(state["url"])
    ).decode("ascii")


@pytest.mark.parametrize(
    "page_url", ["/checkin/shifts/{id}/kiosk", "/checkin/shifts/{id}/kiosk.json"]
)
def test_only_the_teams_coordinators_see_the_kiosk(client, login, db, setting, page_url):
    shift, _coordinator, person = setting
    other_coordinator = data.coordinator(data.team(), name="别队老师")
    db.session.commit()
    url = page_url.format(id=shift.id)

    assert "/login" in client.get(url).headers["Location"]
    login(person)
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(other_coordinator)
    assert client.get(url).status_code == 404
    assert client.get(page_url.format(id=shift.id + 99)).status_code == 404


def test_a_volunteer_shows_their_own_rotating_code(client, login, setting):
    _shift, _coordinator, person = setting
    login(person)

    html = page(client.get("/checkin/my-code"))
    state = client.get("/checkin/my-code.json").get_json()

    assert person.name in html and person.student_number in html
    assert tokens.read_personal_code(state["code"], now=utcnow()).subject_id == person.id
    assert state["qr"].startswith("data:image/svg+xml;base64,")
    image = base64.b64decode(state["qr"].split(",", 1)[1])
    assert image == qr_svg(state["code"])  # just the code, no address
