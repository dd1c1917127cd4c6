"""The certificate form opens on a period that has service, so "download" works at once."""

from __future__ import annotations

import re
from datetime import timedelta

from app.common.semesters import semester_of
from app.common.time import to_local, utcnow
from tests.checkin.test_certificates import served, volunteer
from tests.shifts import signup_data


def _form_fields(page: str) -> dict[str, str]:
    """What the browser posts for the form as shown (the selected semester, empty dates)."""
    selected = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', page)
    semester = next(value for value in selected.groups() if value is not None) if selected else ""
    return {"semester": semester, "start": "", "end": ""}


def test_the_form_as_shown_downloads_a_certificate_of_last_semesters_service(client, login, db):
    team = signup_data.team(name="总服务台志愿队")
    person = volunteer(team)
    long_ago = utcnow().replace(microsecond=0) - timedelta(days=400)
    served(person, signup_data.task(team, title="总服务台值班"), long_ago, hours=3)
    db.session.commit()
    login(person)

    page = client.get("/hours").get_data(as_text=True)
    fields = _form_fields(page)
    assert fields["semester"] == semester_of(to_local(long_ago).date()).code

    response = client.post("/hours/certificates", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(".pdf")


def test_without_verified_hours_the_page_says_why_there_is_no_certificate(client, login, db):
    person = volunteer(signup_data.team(name="总服务台志愿队"))
    db.session.commit()
    login(person)

    page = client.get("/hours").get_data(as_text=True)

    assert 'data-testid="certificate-needs-hours"' in page
    assert re.search(r'data-testid="issue-certificate" disabled', page)
