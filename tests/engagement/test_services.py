"""The nightly scoring run against the database: figures from every source, one snapshot
per day (a rerun replaces it), segment counts per group, thinning, no data at all."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import LoginDay, User
from app.engagement import services
from app.engagement.models import EngagementDay, EngagementScore, SegmentCount
from app.recruitment import membership as members
from app.shifts import trainings
from tests import factories
from tests.columns import reading_data
from tests.engagement import engagement_data as data
from tests.engagement.engagement_data import NOW, TODAY
from tests.recruitment import recruiting
from tests.rewards import rewards_data


def test_a_run_with_no_people_records_an_empty_day(db):
    counts = services.score_day(now=NOW)
    db.session.commit()
    assert counts["people"] == 0
    day = db.session.get(EngagementDay, TODAY)
    assert day.people == 0
    assert day.settings["core_score"] == 70
    assert db.session.scalar(select(func.count()).select_from(EngagementScore)) == 0


def test_every_source_counts_in_the_snapshot(db, admin):
    place = rewards_data.place()
    volunteer = rewards_data.member(place, name="李四")
    data.shifts_on(place, volunteer, [0, 7, 14], hours=2)
    data.logins_on(volunteer, [0, 1, 3])
    data.library_rows(admin, [(volunteer, 2, 1, 1, 90, 0), (volunteer, 200, 5, 5, 60, 0)])
    world = reading_data.world()
    reading_data.published(world, by=volunteer, at=data.local_day_at(5))
    db.session.commit()

    row = data.score()[volunteer.id]

    assert (row.shifts, row.service_minutes, row.contributions) == (3, 360, 1)
    assert row.login_days == 3
    # loans × 3 + visits × 1 + hours × 1 (the row 200 days ago is outside the window).
    assert row.reading == 3 + 1 + 1.5
    assert row.active_weeks == 3
    assert row.idle_days == 0
    assert row.segment == "new"  # first activity 14 days ago
    assert row.reason_params == {"days": 14}


def test_a_training_completed_without_a_scan_counts_as_a_shift(db):
    place = rewards_data.place(kind="training", title="新志愿者培训")
    volunteer = rewards_data.member(place, name="李四")
    shift = rewards_data.shift(place, start=data.local_day_at(3), hours=2)
    rewards_data.signed_up(shift, volunteer)
    trainings.record_completion(shift, volunteer.id, actor=place.boss, now=shift.ends_at)
    db.session.commit()

    row = data.score()[volunteer.id]

    assert (row.shifts, row.service_minutes, row.active_weeks) == (1, 0, 1)


def test_rerunning_a_day_replaces_its_snapshot(db):
    place = rewards_data.place()
    volunteer = rewards_data.member(place)
    data.shifts_on(place, volunteer, [60, 53, 46, 39, 32])
    db.session.commit()
    first = data.score()[volunteer.id]
    assert first.segment == "at_risk"
    assert first.reason_params == {"kind": "service", "days": 32, "cadence": "weekly"}

    data.shifts_on(place, volunteer, [1])
    db.session.commit()
    second = data.score()[volunteer.id]

    assert second.segment != "at_risk"
    assert second.shifts == 6
    rows = db.session.scalar(
        select(func.count()).select_from(EngagementScore).where(EngagementScore.day == TODAY)
    )
    people = db.session.scalar(select(func.count()).select_from(User))
    assert rows == people
    assert db.session.scalar(select(func.count()).select_from(EngagementDay)) == 1


def test_deactivated_people_are_not_scored(db):
    kept = factories.person(name="在校")
    gone = factories.person(name="离校")
    data.logins_on(gone, [1])
    gone.active = False
    db.session.commit()
    scores = data.score()
    assert kept.id in scores
    assert gone.id not in scores


def test_segment_counts_per_team_college_and_cohort(db):
    college = factories.college()
    place = rewards_data.place()
    regular = rewards_data.member(place, name="常来")
    regular.college_id, regular.enrolment_year = college.id, 2024
    data.shifts_on(place, regular, [70, 63, 56, 49, 42, 35, 28])
    idle = rewards_data.member(place, name="未来")
    idle.college_id, idle.enrolment_year = college.id, 2025
    db.session.commit()

    data.score()

    counts = {
        (row.scope, row.segment): row.people
        for row in db.session.scalars(select(SegmentCount).where(SegmentCount.day == TODAY))
    }
    team = f"team:{place.team.id}"
    assert counts[(team, "at_risk")] == 1
    assert counts[(team, "dormant")] == 1
    assert counts[(f"college:{college.id}", "at_risk")] == 1
    assert counts[("cohort:2024", "at_risk")] == 1
    assert counts[("cohort:2025", "dormant")] == 1
    everyone = sum(people for (scope, _), people in counts.items() if scope == "all")
    assert everyone == db.session.scalar(select(func.count()).select_from(User))


def test_old_days_are_thinned_to_mondays(db, app):
    factories.person()
    db.session.commit()
    app.config["ENGAGEMENT_SETTINGS"] = {"keep_daily_days": 7}
    try:
        for days_ago in range(14, -1, -1):
            data.score(now=NOW - timedelta(days=days_ago))
    finally:
        app.config["ENGAGEMENT_SETTINGS"] = {}
    kept = set(db.session.scalars(select(EngagementScore.day).distinct()))
    recent = {TODAY - timedelta(days=n) for n in range(8)}
    older_mondays = {
        TODAY - timedelta(days=n) for n in range(8, 15) if (TODAY - timedelta(n)).weekday() == 0
    }
    assert kept == recent | older_mondays
    # The day records and segment counts stay for the trend.
    assert db.session.scalar(select(func.count()).select_from(EngagementDay)) == 15


def test_logging_in_and_a_remembered_visit_each_count_once_a_day(db, client, login):
    person = factories.person()
    db.session.commit()
    login(person)
    client.get("/")
    client.get("/profile")
    days = db.session.scalars(select(LoginDay.day).where(LoginDay.user_id == person.id)).all()
    assert len(days) == 1


def test_a_member_of_two_teams_counts_in_each(db):
    place = rewards_data.place()
    second = recruiting.team(name="第二队")
    person = rewards_data.member(place)
    members.join_team(second.id, person.id)
    db.session.commit()
    data.score()
    for team in (place.team, second):
        rows = db.session.scalars(
            select(SegmentCount).where(SegmentCount.scope == f"team:{team.id}")
        )
        assert sum(row.people for row in rows) == 1


def test_my_personal_data_has_my_scores_and_anonymising_removes_them(db, admin):
    from app.accounts import anonymise, personal_data
    from app.engagement.models import EngagementNudge

    person = factories.person(name="钱七")
    data.logins_on(person, [1, 2])
    db.session.commit()
    data.score()
    db.session.add(
        EngagementNudge(user_id=person.id, team_id=rewards_data.place().team.id, message="好久不见")
    )
    db.session.commit()

    exported = personal_data.collect(person)["sections"]["engagement"]
    assert exported["login_days"] == [
        (TODAY - timedelta(days=2)).isoformat(),
        (TODAY - timedelta(days=1)).isoformat(),
    ]
    assert [row["segment"] for row in exported["scores"]] == ["new"]
    assert exported["messages"][0]["message"] == "好久不见"

    anonymise.anonymise_person(
        person, actor=admin, confirmation=person.student_number, reason="离校"
    )
    db.session.commit()
    for model in (EngagementScore, EngagementNudge, LoginDay):
        left = db.session.scalar(
            select(func.count()).select_from(model).where(model.user_id == person.id)
        )
        assert left == 0, model
