"""Absolute addresses we hand out come from APP_BASE_URL, whichever trusted host the request
named: the certificate's QR code and share links, a campaign's share links, the iCal feed."""

from __future__ import annotations

import re
from datetime import date

import pytest
from icalendar import Calendar

from app.checkin import certificates
from app.checkin.certificates import Period
from app.shifts import signups
from tests.checkin.test_certificates import NOW, served, volunteer
from tests.recruitment import recruiting
from tests.shifts import signup_data

BASE = "https://volunteer.lib.example.edu.cn"


@pytest.fixture(autouse=True)
def public_address(app, monkeypatch):
    """The site's public address; the test client names another trusted host, localhost."""
    monkeypatch.setitem(app.config, "APP_BASE_URL", BASE + "/")


def addresses(page: str) -> set[str]:
    return set(re.findall(r'(?:href|content|value|data-url)="(https?://[^"]+)"', page))


def test_a_certificate_and_its_verification_page_point_to_the_public_address(app, client, db):
    team = signup_data.team()
    person = volunteer(team)
    served(person, signup_data.task(team), NOW)
    with app.test_request_context():
        certificate, _pdf = certificates.issue_certificate(
            person, Period(date(2026, 3, 1), date(2026, 3, 31)), now=NOW
        )
    db.session.commit()
    verify = f"{BASE}/certificates/verify/{certificate.number}"
    assert certificate.content["verify_url"] == verify

    found = addresses(client.get(f"/certificates/verify/{certificate.number}").get_data(True))
    assert verify in found and f"{verify}/share.png" in found
    assert not [url for url in found if "localhost" in url]


def test_a_campaigns_share_links_point_to_the_public_address(client, db):
    campaign = recruiting.campaign(recruiting.team())
    db.session.commit()
    found = addresses(client.get(f"/recruitment/campaigns/{campaign.id}").get_data(True))
    assert f"{BASE}/recruitment/campaigns/{campaign.id}" in found
    assert not [url for url in found if "localhost" in url]


def test_the_calendar_feed_address_and_its_events_name_the_public_site(client, login, db):
    team = signup_data.team()
    shift = signup_data.shift(signup_data.task(team), capacity=2)
    person = signup_data.member(team)
    signups.sign_up(shift, person)
    db.session.commit()
    login(person)
    page = client.post("/shifts/calendar", data={"do": "create"}).get_data(True)
    url = re.search(r'value="(http[^"]+\.ics)"', page).group(1)
    assert url.startswith(f"{BASE}/shifts/feed/")

    feed = Calendar.from_ical(client.get(url.removeprefix(BASE)).data)
    uids = [str(event["uid"]) for event in feed.walk("VEVENT")]
    assert uids and all(uid.endswith("@volunteer.lib.example.edu.cn") for uid in uids)
