"""Reviewing applications: the status table, the quota, notes, bulk decisions and the
notifications applicants get."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.errors import Conflict, Forbidden, InvalidInput
from app.notifications.models import Notification
from app.recruitment import applying, membership, review
from app.recruitment.models import Membership
from tests.recruitment import recruiting

pytestmark = pytest.mark.usefixtures("english_messages")


@pytest.fixture
def setting(db):
    team = recruiting.team()
    teacher = recruiting.coordinator(team)
    campaign = recruiting.campaign(team, quota=2)
    return team, teacher, campaign


def notifications_of(db, user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def test_accepting_makes_an_active_member_audits_and_notifies(db, setting):
    team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    review.decide(application, "accepted", actor=teacher)
    assert application.status == "accepted"
    assert application.decided_by_id == teacher.id and application.decided_at is not None
    assert campaign.accepted_count == 1
    member = membership.find_membership(team.id, application.user_id)
    assert member.status == "active" and member.application_id == application.id
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "recruitment.application_decided")
    )
    assert entry.before == {"status": "submitted"}
    assert entry.after["status"] == "accepted"
    (notice,) = notifications_of(db, application.user)
    assert notice.kind == "recruitment.decision"
    assert notice.dedupe_key == f"application:{application.id}:accepted"
    assert campaign.title in notice.title


def test_shortlisting_tells_nobody_and_rejecting_tells_the_applicant(db, setting):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    review.decide(application, "shortlisted", actor=teacher)
    assert notifications_of(db, application.user) == []
    review.decide(application, "rejected", actor=teacher)
    assert [n.dedupe_key for n in notifications_of(db, application.user)] == [
        f"application:{application.id}:rejected"
    ]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (["rejected"], "accepted"),
        (["waitlisted"], "shortlisted"),
        (["accepted"], "waitlisted"),
    ],
)
def test_a_bad_transition_is_invalid_input(db, setting, path, bad):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    for status in path:
        review.decide(application, status, actor=teacher)
    with pytest.raises(InvalidInput):
        review.decide(application, bad, actor=teacher)


@pytest.mark.parametrize(("path", "same"), [([], "submitted"), (["shortlisted"], "shortlisted")])
def test_deciding_what_the_application_already_is_says_so(db, setting, path, same):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    for status in path:
        review.decide(application, status, actor=teacher)
    with pytest.raises(Conflict, match="already"), force_locale("en"):
        review.decide(application, same, actor=teacher)


def test_a_withdrawn_application_cannot_be_decided(db, setting):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    applying.withdraw_application(application, application.user)
    with pytest.raises(InvalidInput):
        review.decide(application, "accepted", actor=teacher)


def test_acceptances_never_exceed_the_quota(db, setting):
    _team, teacher, campaign = setting
    first, second, third = (recruiting.apply(campaign, recruiting.applicant(n)) for n in "甲乙丙")
    review.decide(first, "accepted", actor=teacher)
    review.decide(second, "accepted", actor=teacher)
    db.session.commit()
    with pytest.raises(Conflict, match="All 2 places are taken"):
        review.decide(third, "accepted", actor=teacher)
    db.session.rollback()
    assert third.status == "submitted"
    assert campaign.accepted_count == 2
    assert membership.find_membership(campaign.team_id, third.user_id) is None


def test_rejecting_an_accepted_application_frees_a_place_for_the_waitlist(db, setting):
    team, teacher, campaign = setting
    first, second, third = (recruiting.apply(campaign, recruiting.applicant(n)) for n in "甲乙丙")
    review.decide(first, "accepted", actor=teacher)
    review.decide(second, "accepted", actor=teacher)
    review.decide(third, "waitlisted", actor=teacher)
    review.decide(first, "rejected", actor=teacher)
    assert campaign.accepted_count == 1
    assert membership.find_membership(team.id, first.user_id).status == "alumni"
    review.decide(third, "accepted", actor=teacher)
    assert campaign.accepted_count == 2
    assert membership.find_membership(team.id, third.user_id).status == "active"


def test_a_coordinator_of_another_team_or_a_volunteer_cannot_decide(db, setting):
    _team, _teacher, campaign = setting
    application = recruiting.apply(campaign)
    outsider = recruiting.coordinator(recruiting.team(), name="别队老师")
    for person in (outsider, recruiting.applicant("王五")):
        with pytest.raises(Forbidden):
            review.decide(application, "accepted", actor=person)
        with pytest.raises(Forbidden):
            review.add_note(application, "好", actor=person)
    assert application.status == "submitted"


def test_an_admin_decides_for_any_team(db, setting):
    _team, _teacher, campaign = setting
    application = recruiting.apply(campaign)
    review.decide(application, "waitlisted", actor=recruiting.admin())
    assert application.status == "waitlisted"


def test_notes_are_kept_in_order_and_must_say_something(db, setting):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    review.add_note(application, "面试表现很好", actor=teacher)
    review.add_note(application, "<b>可以</b>", actor=teacher)
    assert [n.body for n in application.notes] == ["面试表现很好", "<b>可以</b>"]
    with pytest.raises(InvalidInput):
        review.add_note(application, "   ", actor=teacher)
    with pytest.raises(InvalidInput):
        review.add_note(application, "长" * 2001, actor=teacher)


def test_bulk_accept_reports_each_row_and_stops_at_the_quota(db, setting):
    team, teacher, campaign = setting
    applications = [recruiting.apply(campaign, recruiting.applicant(n)) for n in "甲乙丙丁"]
    foreign = recruiting.apply(recruiting.campaign(recruiting.team()), recruiting.applicant("戊"))
    ids = [a.id for a in applications] + [foreign.id]
    results = review.decide_many(campaign, ids, "accepted", actor=teacher)
    db.session.commit()
    assert [r.ok for r in results] == [True, True, False, False, False]
    assert "All 2 places" in results[2].message
    assert results[4].message == "Not an application of this campaign."
    db.session.expire_all()
    assert [a.status for a in applications] == ["accepted", "accepted", "submitted", "submitted"]
    assert campaign.accepted_count == 2
    members = db.session.scalars(select(Membership).where(Membership.team_id == team.id)).all()
    assert len(members) == 2
    assert foreign.status == "submitted"


def test_bulk_waitlist_then_reject_mixed_statuses(db, setting):
    _team, teacher, campaign = setting
    one, two = (recruiting.apply(campaign, recruiting.applicant(n)) for n in "甲乙")
    review.decide(one, "rejected", actor=teacher)
    results = review.decide_many(campaign, [one.id, two.id], "waitlisted", actor=teacher)
    assert [r.ok for r in results] == [False, True]
    with pytest.raises(InvalidInput):
        review.decide_many(campaign, [], "accepted", actor=teacher)
    with pytest.raises(InvalidInput):
        review.decide_many(campaign, [two.id], "withdrawn", actor=teacher)


def test_bulk_by_another_teams_coordinator_is_forbidden(db, setting):
    _team, _teacher, campaign = setting
    application = recruiting.apply(campaign)
    with pytest.raises(Forbidden):
        review.decide_many(
            campaign, [application.id], "accepted", actor=recruiting.coordinator(name="别人")
        )


def test_a_replayed_decision_does_not_notify_twice(db, setting):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    review.decide(application, "waitlisted", actor=teacher)
    review._notify(application, "waitlisted", now=application.decided_at)
    assert len(notifications_of(db, application.user)) == 1


def test_allowed_transitions_follow_the_table(db, setting):
    _team, teacher, campaign = setting
    application = recruiting.apply(campaign)
    assert review.allowed_transitions(application) == [
        "shortlisted",
        "accepted",
        "rejected",
        "waitlisted",
    ]
    review.decide(application, "accepted", actor=teacher)
    assert review.allowed_transitions(application) == ["rejected"]
