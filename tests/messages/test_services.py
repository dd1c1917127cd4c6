"""Writing to a team's coordinators, replying to an announcement, the team's shared inbox
(unread, read, answered, closed), the notifications both ways and who may do what."""

from __future__ import annotations

import pytest

from app.announcements import services as announcements
from app.announcements.services import Draft
from app.audit.actions import ACTION_LABELS
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.messages import services
from app.recruitment import membership as members
from app.wechat.jobs import send_messages
from app.wechat.models import WeChatBinding
from tests.announcements import announcement_data
from tests.helpers import notifications_of
from tests.messages import messages_data as data
from tests.recruitment import recruiting
from tests.wechat import helpers as wechat_helpers


def test_a_member_writes_and_every_coordinator_of_the_team_is_told_with_a_link(db):
    where = data.place()
    thread = data.write(where)
    assert (thread.subject, thread.status, thread.read_at) == ("我会晚到", "waiting", None)
    for coordinator in where.coordinators:
        [told] = notifications_of(coordinator, "messages.received")
        assert told.link == f"/messages/{thread.id}#reply"
        assert "李*学" in told.title and "我会晚到" in told.title  # masked, as in comments
    assert notifications_of(where.stranger, "messages.received") == []
    assert services.unanswered_counts(where.coordinators[0]) == {where.team.id: 1}
    assert services.unanswered_counts(where.stranger) == {}


def test_opened_by_one_coordinator_is_read_for_all_and_an_answer_tells_the_volunteer(db):
    where = data.place()
    thread = data.write(where)
    services.open_thread(where.volunteer, thread.id)
    assert data.fresh(thread).read_at is None  # the volunteer reading it changes nothing

    services.open_thread(where.coordinators[0], thread.id)
    assert data.fresh(thread).read_at is not None
    answer = services.add_message(where.coordinators[1], data.fresh(thread), "没关系，注意安全。")
    thread = data.fresh(thread)
    assert thread.status == "answered"
    assert services.unanswered_counts(where.coordinators[0]) == {}
    [told] = notifications_of(where.volunteer, "messages.answered")
    assert told.link == f"/messages/{thread.id}#message-{answer.id}"
    assert "没关系" in told.body
    assert data.audit_actions(thread) == ["messages.answered"]
    assert [m.body for m in services.messages_of(thread)] == [
        "周六会晚到十分钟。",
        "没关系，注意安全。",
    ]


def test_the_volunteer_adding_puts_it_back_unread_in_the_inbox(db):
    where = data.place()
    thread = data.write(where)
    services.open_thread(where.coordinators[0], thread.id)
    services.add_message(where.coordinators[0], data.fresh(thread), "好的")
    services.add_message(where.volunteer, data.fresh(thread), "还有一个问题")
    thread = data.fresh(thread)
    assert (thread.status, thread.read_at) == ("waiting", None)
    assert len(notifications_of(where.coordinators[1], "messages.received")) == 2
    assert notifications_of(where.coordinators[0], "messages.received")[-1].link.endswith("#reply")


def test_marked_answered_and_closed_without_writing_are_audited(db):
    where = data.place()
    thread = data.write(where)
    services.mark_answered(where.coordinators[0], thread)
    assert data.fresh(thread).status == "answered"
    assert notifications_of(where.volunteer, "messages.answered") == []  # nothing was written
    with pytest.raises(Conflict):
        services.mark_answered(where.coordinators[0], data.fresh(thread))
    services.close(where.coordinators[1], data.fresh(thread))
    with pytest.raises(Conflict, match="已结束"):
        services.add_message(where.volunteer, data.fresh(thread), "再问一句")
    with pytest.raises(Conflict):
        services.close(where.coordinators[0], data.fresh(thread))
    assert data.audit_actions(thread) == ["messages.marked_answered", "messages.closed"]
    assert {"messages.answered", "messages.marked_answered", "messages.closed"} <= set(
        ACTION_LABELS
    )
    assert [m.body for m in services.messages_of(thread)] == ["周六会晚到十分钟。"]


def test_nobody_else_sees_or_answers_a_thread(db):
    where = data.place()
    thread = data.write(where)
    for outsider in (where.other, where.stranger):
        with pytest.raises(NotFound):
            services.get_thread(outsider, thread.id)
        with pytest.raises(NotFound):
            services.add_message(outsider, thread, "我来回答")
    with pytest.raises(NotFound):
        services.close(where.volunteer, thread)
    with pytest.raises(NotFound):
        services.inbox_team(where.stranger, where.team.id)
    admin = recruiting.admin()
    assert services.get_thread(admin, thread.id) == thread  # admins see every team's inbox
    assert services.inbox(services.inbox_team(where.coordinators[0], where.team.id)) == [thread]


@pytest.mark.parametrize(
    ("subject", "body", "field", "message"),
    [
        ("", "正文", "subject", "主题"),
        ("我会晚到", "   ", "body", "留言内容"),
        ("长" * 81, "正文", "subject", "最多 80 个字"),
        ("我会晚到", "长" * 2001, "body", "2000"),
    ],
    ids=["no subject", "blank body", "long subject", "long body"],
)
def test_empty_or_oversized_messages_are_refused_and_nothing_is_kept(
    db, subject, body, field, message
):
    where = data.place()
    with pytest.raises(InvalidInput, match=message) as refused:
        data.write(where, subject, body)
    assert refused.value.field == field
    assert services.mine(where.volunteer) == []
    assert notifications_of(where.coordinators[0], "messages.received") == []


def test_someone_who_left_reads_old_threads_but_starts_and_adds_nothing(db):
    where = data.place()
    thread = data.write(where)
    membership = members.find_membership(where.team.id, where.volunteer.id)
    members.set_member_status(membership, "alumni", actor=None)
    assert services.get_thread(where.volunteer, thread.id) == thread
    assert not services.may_write(where.volunteer, thread)
    with pytest.raises(Forbidden):
        services.add_message(where.volunteer, thread, "还在吗")
    with pytest.raises(Forbidden):
        data.write(where)
    assert services.writable_teams(where.volunteer) == []
    assert services.mine(where.volunteer) == [thread]


def test_a_reply_to_an_announcement_goes_to_its_teams_coordinators(db):
    where = announcement_data.place(confirmed=1, waitlisted=0)
    announcement = announcement_data.to_shift(where)
    db.session.commit()
    announcement_data.send()
    [volunteer] = where.confirmed
    draft = services.Draft("", "我能带朋友来吗？")
    thread = services.reply_to_announcement(volunteer, announcement.id, draft)
    assert (thread.team_id, thread.announcement_id) == (where.team.id, announcement.id)
    assert thread.subject == "明天值班请提前到"  # no subject given: the announcement's title
    [told] = notifications_of(where.coordinator, "messages.received")
    assert told.link == f"/messages/{thread.id}#reply"

    outsider = recruiting.applicant("路人")
    with pytest.raises(NotFound):
        services.reply_to_announcement(outsider, announcement.id, draft)


def test_a_withdrawn_announcement_or_one_to_everyone_cannot_be_answered(db):
    where = announcement_data.place(confirmed=1, waitlisted=0)
    withdrawn = announcement_data.to_shift(where)
    admin = recruiting.admin()
    to_everyone = Draft(audience="everyone", target_id=None, title="闭馆通知", body="周一闭馆")
    everyone = announcements.write(admin, to_everyone)
    db.session.commit()
    announcement_data.send()
    [volunteer] = where.confirmed
    announcements.withdraw(where.coordinator, withdrawn)
    draft = services.Draft("问题", "正文")
    with pytest.raises(Conflict, match="已撤回"):
        services.reply_to_announcement(volunteer, withdrawn.id, draft)
    with pytest.raises(Conflict, match="发给全体"):
        services.reply_to_announcement(volunteer, everyone.id, draft)
    assert services.mine(volunteer) == []


def test_with_wechat_set_up_the_answer_reaches_the_volunteers_wechat_too(
    db, wechat, app, monkeypatch
):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://gc.example.edu.cn")
    where = data.place()
    db.session.add(WeChatBinding(user_id=where.volunteer.id, openid="o_li"))
    wechat.followers.add("o_li")
    wechat_helpers.template(wechat, "messages.answered", fields={"thing1": "title"})
    thread = data.write(where)
    services.add_message(where.coordinators[0], thread, "周六见")
    db.session.commit()

    assert send_messages(now=utcnow())["sent"] == 1
    (received,) = wechat.messages_to("o_li")
    assert received["url"].startswith(f"https://gc.example.edu.cn/messages/{thread.id}#message-")
