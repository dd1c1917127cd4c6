"""What the shift list reads from the database: the person's facts (skills, trainings done,
paused teams) in one statement, how many wait on each shift as a column of the shifts'
statement, so the page costs the same few round trips however many shifts it lists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from app.recruitment import membership as members
from app.recruitment import profiles
from app.shifts import signups
from app.shifts.models import SignupPause, TrainingRecord
from tests.helpers import page
from tests.shifts import signup_data as data

CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
# The login session, memberships, filter choices, the person's facts, the shifts, the
# person's sign-ups, places offered by others, unread notifications (twelve before).
MOST = 8


@pytest.fixture
def statements(db):
    """Counts the statements of each request (transaction control is not a statement)."""
    counted: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            counted.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    yield counted
    event.remove(db.engine, "before_cursor_execute", count)


def _card(html: str, shift_id: int) -> str:
    card = html[html.index(f'data-testid="shift-{shift_id}"') :]
    end = card.find('class="list-group-item', 1)
    return card if end < 0 else card[:end]


def _list(client, db, statements) -> tuple[str, int]:
    db.session.expire_all()
    statements.clear()
    response = client.get("/shifts/")
    assert response.status_code == 200
    return page(response), len(statements)


def test_the_list_costs_the_same_few_statements_however_many_shifts(client, login, db, statements):
    team = data.team()
    person = data.member(team)
    training = data.task(team, title="新人培训", kind="training")
    task = data.task(team, title="总服务台值班", required_training_ids=[training.id])
    db.session.add(TrainingRecord(user_id=person.id, task_id=training.id))
    profiles.update_profile(person, skills=["英语"], availability={}, introduction="")
    skilled = data.task(team, title="外宾导览", required_skills=["英语"])
    full = data.shift(data.task(team), starts_in=timedelta(days=1), capacity=1)
    for _ in range(3):
        signups.sign_up(full, data.member(team))  # one holds it, two wait
    open_ones = [data.shift(each, starts_in=timedelta(days=2)) for each in (task, skilled)]
    db.session.commit()
    login(person)
    client.get("/shifts/")  # the day's first request notes the login day; not counted

    _html, few = _list(client, db, statements)
    for hours in range(20):
        data.shift(task, starts_in=timedelta(days=3, hours=hours))
    db.session.commit()
    many_html, many = _list(client, db, statements)

    assert few == many and many <= MOST, [s[:60] for s in statements]
    fill = _card(many_html, full.id)
    assert re.findall(r"\d+", fill[fill.index('data-testid="fill"') :].split("</div>")[0]) == [
        "1",
        "1",
        "2",
    ]  # 1 of 1, 2 waiting
    assert 'data-testid="join-waitlist"' in fill
    # the training done, the skill held
    assert all('data-testid="sign-up"' in _card(many_html, s.id) for s in open_ones)


def test_a_pause_in_one_team_and_a_missing_training_still_refuse(client, login, db):
    team, paused_team = data.team(), data.team()
    person = data.member(team)
    members.join_team(paused_team.id, person.id).onboarded = True
    training = data.task(team, title="新人培训", kind="training")
    needs_training = data.shift(
        data.task(team, required_training_ids=[training.id]), starts_in=timedelta(days=1)
    )
    needs_skill = data.shift(data.task(team, required_skills=["日语"]), starts_in=timedelta(days=1))
    free = data.shift(data.task(team), starts_in=timedelta(days=2))
    paused = data.shift(data.task(paused_team), starts_in=timedelta(days=2))
    db.session.add(SignupPause(user_id=person.id, team_id=paused_team.id, semester="x", no_shows=2))
    profiles.update_profile(person, skills=["英语"], availability={}, introduction="")
    db.session.commit()
    login(person)

    html = page(client.get("/shifts/"))

    assert 'data-testid="not-eligible"' in _card(html, needs_training.id)
    assert 'data-testid="not-eligible"' in _card(html, needs_skill.id)
    assert 'data-testid="not-eligible"' in _card(html, paused.id)
    assert 'data-testid="sign-up"' in _card(html, free.id)
