"""The home page shows a volunteer's day and a new member's steps; others see neither."""

from __future__ import annotations

from datetime import timedelta

from tests import factories
from tests.helpers import page
from tests.home import home_data


def test_a_volunteer_with_a_running_shift_gets_the_scan_button_and_their_code(client, login, db):
    person, _task, (_now, tomorrow) = home_data.volunteer_with_shifts(
        timedelta(minutes=10), timedelta(days=1)
    )
    tomorrow.note = "请带上相机"
    db.session.commit()
    login(person)

    html = page(client.get("/"))

    assert 'data-testid="today-running"' in html and 'data-testid="home-scan"' in html
    assert "/checkin/my-code" in html and "js/home-scan.js" in html
    assert 'data-testid="today-next"' in html and "请带上相机" in html
    assert 'data-testid="wechat-jssdk"' not in html  # without WeChat settings: the camera


def test_a_volunteer_with_no_team_is_shown_the_way_in(client, login, db):
    person = factories.person(roles=["volunteer"])
    db.session.commit()
    login(person)

    html = page(client.get("/"))

    assert 'data-testid="onboarding"' in html  # no team yet: apply first
    assert 'data-testid="today-empty"' not in html  # the steps are the way forward
    assert 'data-testid="today-running"' not in html and 'data-testid="today-next"' not in html


def test_a_reader_sees_no_volunteer_parts(client, login, db):
    reader = factories.person(roles=[])
    db.session.commit()
    login(reader)

    html = page(client.get("/"))

    assert 'data-testid="onboarding"' not in html and 'data-testid="today-' not in html


def test_a_trained_member_with_nothing_planned_is_sent_to_find_shifts(client, login, db):
    person = home_data.checkin_data.member(home_data.checkin_data.team())
    db.session.commit()
    login(person)

    html = page(client.get("/"))

    assert 'data-testid="today-empty"' in html and 'href="/shifts/"' in html


def test_profile_gaps_show_on_home_until_the_profile_is_complete(client, login, db):
    person = factories.person(email="")
    db.session.commit()
    login(person)

    html = page(client.get("/"))
    assert 'data-testid="home-profile-gaps"' in html and "完善个人资料" in html

    person.email, person.phone = "me@example.edu.cn", "13800000000"
    person.college_id = factories.college().id
    db.session.commit()
    assert 'data-testid="home-profile-gaps"' not in page(client.get("/"))
