"""The notification settings page: a WeChat column for people whose WeChat is bound."""

from __future__ import annotations

import re

from app.notifications import kinds, services
from app.wechat.outbox import wants_wechat
from tests.helpers import page
from tests.wechat.helpers import bound_person


def wechat_switch(html: str, kind: str) -> str | None:
    found = re.search(rf'<input[^>]*name="wechat"[^>]*value="{re.escape(kind)}"[^>]*>', html)
    return found.group(0) if found else None


def test_a_bound_person_turns_wechat_off_for_one_kind(client, login, db, wechat):
    person = bound_person(wechat, "o_zhang")
    db.session.commit()
    login(person)
    html = page(client.get("/notifications/settings"))
    assert " checked" in wechat_switch(html, "shifts.reminder")  # on by default

    everything_but_reminders = [k.id for k in kinds.all_kinds() if k.id != "shifts.reminder"]
    response = client.post(
        "/notifications/settings",
        data={"email": ["account.password_reset"], "wechat": everything_but_reminders},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not wants_wechat(person.id, kinds.SHIFT_REMINDER)
    assert wants_wechat(person.id, kinds.NO_SHOW)
    choices = {c.kind.id: c.email for c in services.email_choices(person.id)}
    assert choices["account.password_reset"] and not choices["shifts.reminder"]
    assert " checked" not in wechat_switch(
        page(client.get("/notifications/settings")), "shifts.reminder"
    )


def test_no_wechat_column_unbound_or_without_wechat_settings(client, login, db, student):
    login(student)
    html = page(client.get("/notifications/settings"))
    assert wechat_switch(html, "shifts.reminder") is None
    assert 'data-testid="wechat-on"' not in html
