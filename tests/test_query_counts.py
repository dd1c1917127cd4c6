"""How many SQL statements each hot page costs a realistic volunteer: a team member with a
few shifts ahead, one open for sign-up and one running now (issue 26: no page over 12).
Counted with an engine event listener, from the request's start to its answer; transaction
control (BEGIN, SAVEPOINT, RELEASE) is not a query and not counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.checkin import tokens
from app.common.time import utcnow
from app.messages import services as messages
from app.recruitment.teams import services as team_services
from app.rewards import points
from app.shifts import handovers, release
from tests import factories
from tests.checkin import attendance_data
from tests.checkin import checkin_data as data
from tests.columns import columns_data
from tests.outside import outside_data
from tests.recruitment import recruiting
from tests.rewards import badge_data

MOST = 12
# Pages that read less than the ceiling keep their lower count (issue 26, speedhome: the
# volunteer's home reads library use with points and badges; My achievements reads balance,
# verified and outside minutes in one query and the awards once).
FEWER = {"/": 11, "/achievements": 8}
# Signing up (issue 26's sign-up POST): the person, the shift with its task and team, the
# membership with the pause, the person's sign-up and overlaps, ticket and place, the row,
# its audit entry.
SIGN_UP_MOST = 8
CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


@pytest.fixture
def volunteer(db, login, client):
    """A logged-in member with three shifts ahead, one running now, and one more to sign up for."""
    team = data.team()
    task = data.task(team, title="总服务台值班", location="江安一楼")
    person = data.member(team, name="李雷")
    running = data.shift(task, starts_in=timedelta(minutes=10), hours=3, capacity=5)
    data.signed_up(running, person)
    for days in (1, 2, 3):
        data.signed_up(data.shift(task, starts_in=timedelta(days=days), capacity=5), person)
    open_shift = data.shift(task, starts_in=timedelta(days=4), capacity=5)
    db.session.commit()
    login(person)
    client.get("/shifts/")  # the day's first request notes the login day; not counted
    return {"running": running.id, "open": open_shift.id}


def statements(db, work: Callable[[], object]) -> tuple[int, object]:
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            counted.append(statement)

    db.session.expire_all()
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        answer = work()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(counted), answer


@pytest.mark.parametrize(
    "path",
    [
        "/shifts/",
        "/",
        "/shifts/mine",
        "/achievements",
        "/leaderboards/",
    ],
)
def test_a_hot_page_takes_at_most_twelve_queries(client, db, volunteer, path):
    count, response = statements(db, lambda: client.get(path))

    assert response.status_code == 200
    assert count <= FEWER.get(path, MOST), f"{path}: {count} queries"


def test_the_kiosk_scan_takes_at_most_twelve_queries(client, db, volunteer):
    code = tokens.kiosk_code(volunteer["running"], now=utcnow())

    count, response = statements(db, lambda: client.get(f"/c/{code}"))

    assert response.status_code == 200 and 'data-outcome="checked_in"' in response.text
    assert count <= MOST, f"scan: {count} queries"


def test_signing_up_takes_at_most_eight_queries(client, db, volunteer):
    count, response = statements(
        db, lambda: client.post(f"/shifts/{volunteer['open']}/signup", data={})
    )

    assert response.status_code in (200, 302, 303)
    assert count <= SIGN_UP_MOST, f"sign-up: {count} queries"


def test_a_readers_home_takes_at_most_twelve_queries(client, db, login):
    """A reader (no team) with a contribution, library use and points."""
    reader = factories.person(name="张三")
    columns = columns_data.seeded()
    columns_data.submitted(reader, columns["picks"], title="《红楼梦》读后")
    badge_data.reading(reader, "2026-10", visits=4, loans=2)
    points.award(reader.id, 7, kind="adjustment", key="test:1", occurred_at=utcnow())
    db.session.commit()
    login(reader)
    client.get("/shifts/")

    count, response = statements(db, lambda: client.get("/"))

    assert response.status_code == 200 and 'data-testid="home-points"' in response.text
    assert count <= 7, f"reader's home: {count} queries"


def _every_kind_waiting(world, second_team, now) -> None:
    """Through the features' services where they have one: a record to verify, a release
    past the deadline, a takeover, applications in each team, a message, an outside claim."""
    first, second, third = world.people
    attendance_data.record(world.shift, first, checked_out_at=now)
    assert release.release(release.release_token(world.signups[1]), now=now) == release.REQUESTED
    coming = data.shift(world.task, starts_in=timedelta(days=2), now=now)
    offered = handovers.offer_place(data.signed_up(coming, third), actor=third, now=now)
    handovers.take_over(offered, second, now=now)  # the task asks for approval
    for team, name in ((world.team, "王五"), (second_team, "赵六")):
        campaign = recruiting.campaign(team, actor=world.boss)
        recruiting.apply(campaign, recruiting.applicant(name))
    messages.start(first, world.team.id, messages.Draft("我会晚到", "周六会晚到十分钟。"))
    outside_data.claim(second, day=now.date() - timedelta(days=1), now=now)


def test_a_coordinators_home_takes_at_most_twelve_queries(client, db, login):
    """A coordinator of two teams, each with a shift today and people in, with something of
    every kind waiting (the desk's counts are each feature's own)."""
    now = utcnow()
    world = attendance_data.world(start=now - timedelta(minutes=1), swap_needs_approval=True)
    second_team = data.team(name="古籍阅览队")
    team_services.grant_coordinator(second_team, world.boss, actor=recruiting.admin())
    other_task = data.task(second_team, title="古籍阅览值班")
    other_shift = data.shift(other_task, starts_in=timedelta(0), capacity=3, now=now)
    for n in (1, 2):
        person = data.member(second_team, name=f"古籍队员{n}")
        data.signed_up(other_shift, person)
        attendance_data.record(other_shift, person)
    _every_kind_waiting(world, second_team, now)
    db.session.commit()
    login(world.boss)
    client.get("/shifts/")

    count, response = statements(db, lambda: client.get("/"))

    text = response.text
    assert response.status_code == 200 and 'data-testid="desk"' in text
    for kind in ("verifications", "releases", "handovers", "applications", "messages"):
        assert f'data-testid="waiting-{kind}"' in text, kind
    assert 'data-testid="waiting-outside_claims"' in text
    assert count <= MOST, f"coordinator's home: {count} queries"
