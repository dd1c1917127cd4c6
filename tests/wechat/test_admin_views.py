"""The WeChat admin pages: templates per kind (validated, audited), the overview with
failures and their WeChat codes, and a test message to the admin's own WeChat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.wechat.jobs import send_messages
from app.wechat.models import OutboxWeChat, WeChatBinding, WeChatTemplate
from tests.helpers import page
from tests.wechat.helpers import bound_person, template

TEMPLATE_ID = "Abc_DEF-1234567890xyz"


def test_an_admin_maps_a_kind_to_a_template_and_it_is_audited(client, login, db, admin):
    login(admin)
    response = client.post(
        "/admin/wechat/templates/shifts.reminder",
        data={"template_id": TEMPLATE_ID, "fields": "thing1 = title\ntime2 = time", "active": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(WeChatTemplate))
    assert (row.kind, row.template_id, row.fields, row.active) == (
        "shifts.reminder",
        TEMPLATE_ID,
        {"thing1": "title", "time2": "time"},
        True,
    )
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "wechat.template_changed")
    )
    assert entry.after["template_id"] == TEMPLATE_ID
    assert TEMPLATE_ID in page(client.get("/admin/wechat/"))


def test_a_bad_template_id_or_field_source_is_refused_in_chinese(client, login, db, admin):
    login(admin)
    bad_id = client.post(
        "/admin/wechat/templates/shifts.reminder",
        data={"template_id": "no spaces!", "fields": "thing1 = title"},
    )
    assert bad_id.status_code == 400
    bad_source = client.post(
        "/admin/wechat/templates/shifts.reminder",
        data={"template_id": TEMPLATE_ID, "fields": "thing1 = password"},
    )
    assert bad_source.status_code == 400
    assert "password" in page(bad_source)
    assert db.session.scalars(select(WeChatTemplate)).all() == []
    assert client.get("/admin/wechat/templates/no.such.kind").status_code == 404


def test_the_overview_shows_bound_people_todays_messages_and_failures(
    client, login, db, admin, wechat
):
    sent = bound_person(wechat, "o_sent", name="甲")
    bound_person(wechat, "o_gone", name="乙")
    template(wechat, "shifts.reminder")
    now = utcnow()
    for person, openid in ((sent, "o_sent"), (sent, "o_gone")):
        db.session.add(
            OutboxWeChat(
                user_id=person.id,
                kind="shifts.reminder",
                openid=openid,
                template_id="TPL_REMINDER_0123456789",
                data={},
                client_msg_id=f"gc-x-{openid}",
                status="pending",
                attempts=0,
                created_at=now - timedelta(minutes=1),
            )
        )
    wechat.followers.discard("o_gone")
    db.session.commit()
    send_messages(now=now)

    login(admin)
    html = page(client.get("/admin/wechat/"))
    assert 'data-testid="bound-count">2<' in html
    failures = html.split('data-testid="failures"')[1]
    assert "43004" in failures and "require subscribe" in failures
    assert "甲" in failures  # the person, by name


def test_send_me_a_test_message_reaches_the_admins_own_wechat(client, login, db, admin, wechat):
    db.session.add(WeChatBinding(user_id=admin.id, openid="o_admin"))
    wechat.followers.add("o_admin")
    template(wechat, "shifts.reminder")
    db.session.commit()
    login(admin)
    response = client.post("/admin/wechat/test", data={"kind": "shifts.reminder"})
    assert response.status_code == 302
    send_messages(now=utcnow())
    (received,) = wechat.messages_to("o_admin")
    assert received["data"]["thing1"]["value"]


def test_a_test_message_without_a_bound_wechat_says_why(client, login, db, admin, wechat):
    template(wechat, "shifts.reminder")
    db.session.commit()
    login(admin)
    response = client.post(
        "/admin/wechat/test", data={"kind": "shifts.reminder"}, follow_redirects=True
    )
    assert "绑定" in page(response) or "Bind" in page(response)
    assert db.session.scalars(select(OutboxWeChat)).all() == []


def test_without_wechat_settings_the_page_says_so(client, login, admin):
    login(admin)
    assert 'data-testid="wechat-off"' in page(client.get("/admin/wechat/"))


def test_the_administration_menu_links_the_wechat_page(client, login, admin):
    login(admin)
    assert 'href="/admin/wechat/"' in page(client.get("/"))
