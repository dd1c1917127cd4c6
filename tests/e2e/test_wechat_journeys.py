"""In WeChat's browser, a student opens the site from the library's Official Account menu:
the first time WeChat's silent authorisation sends them to the login page, they log in once
and their WeChat is bound; on a later visit (new cookies, same WeChat) they are in at once.
The reminder of their shift reaches their WeChat, and one tap on it opens that shift's page
(the reminder's own page: the shift, and a button for when they can't make it)."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.accounts.models import User
from app.common.time import utcnow
from app.extensions import db
from app.notifications import kinds
from app.recruitment import membership as members
from app.shifts import reminders, signups
from app.wechat import admin as wechat_admin
from app.wechat import jobs as wechat_jobs
from tests import factories
from tests.e2e.pages import fill_login
from tests.shifts import signup_data

REMINDER_TEMPLATE = "TPL_shift_reminder_01"


def _signed_up_for_a_shift_tomorrow(app, person) -> None:
    """A shift 20 hours from now that `person` is confirmed for, and the shift reminder
    mapped to a template of the Official Account."""
    with app.app_context():
        team = signup_data.team()
        members.join_team(team.id, person.id).onboarded = True
        shift = signup_data.shift(signup_data.task(team), starts_in=timedelta(hours=20))
        signups.sign_up(shift, db.session.get(User, person.id))
        admin = factories.person(roles=["admin"])
        wechat_admin.save_template(
            kinds.SHIFT_REMINDER.id,
            REMINDER_TEMPLATE,
            "thing1 = title\ntime2 = time",
            active=True,
            actor=admin,
            now=utcnow(),
        )
        db.session.commit()


def _remind_and_send(app) -> None:
    """The scheduler's two jobs: shift reminders, then the WeChat outbox."""
    with app.app_context():
        reminders.send_reminders()
        db.session.commit()
        wechat_jobs.send_messages(now=utcnow())
        db.session.commit()


def test_open_from_the_menu_bind_once_then_be_logged_in_silently(
    live_server, wechat_configured, in_wechat, make_person
):
    person = make_person(name="微信同学", roles=["volunteer"])
    wechat = wechat_configured
    wechat.wechat_user = f"o_e2e_{person.id}"
    wechat.followers.add(wechat.wechat_user)
    wechat.templates.add(REMINDER_TEMPLATE)
    page = in_wechat()
    page.goto("/shifts")
    expect(page).to_have_url(re.compile(r"/login\?next=(%2F|/)shifts"))
    expect(page.get_by_test_id("wechat-will-bind")).to_be_visible()
    fill_login(page, person.student_number, person.password)
    expect(page).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
    page.goto("/profile")
    expect(page.get_by_test_id("wechat-binding").get_by_test_id("wechat-unbind")).to_be_visible()

    later = in_wechat()  # another day: no cookies, the same WeChat
    later.goto("/shifts")
    expect(later).to_have_url(re.compile(r"/shifts/(#wechat_redirect)?$"))
    expect(later.get_by_test_id("current-user")).to_have_text("微信同学")

    _signed_up_for_a_shift_tomorrow(live_server.app, person)
    _remind_and_send(live_server.app)
    [reminder] = wechat.messages_to(wechat.wechat_user)
    assert reminder["template_id"] == REMINDER_TEMPLATE
    assert "总服务台值班" in reminder["data"]["thing1"]["value"]
    later.goto(reminder["url"])  # the tap on the message in WeChat
    expect(later.get_by_test_id("current-user")).to_have_text("微信同学")
    expect(later.get_by_test_id("release-shift")).to_have_text("总服务台值班")
