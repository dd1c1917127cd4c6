"""The leaderboard opens on a period that has entries, and says when this week's fills."""

from __future__ import annotations

from datetime import timedelta

from app.common.time import utcnow
from app.rewards import boards
from tests import factories
from tests.helpers import choose_english, page
from tests.rewards.test_boards import earned


def _earned_long_ago(db):
    now = utcnow()
    crowd = [factories.person(name=name) for name in ("王小明", "李小红")]
    for points, person in zip((30, 20), crowd, strict=True):
        earned(person, points, now - timedelta(days=45))
    boards.rebuild(now=now)
    db.session.commit()
    return crowd


def test_an_empty_week_opens_the_next_period_with_entries_and_says_why(client, login, db):
    crowd = _earned_long_ago(db)
    login(crowd[0])
    choose_english(client)

    html = page(client.get("/leaderboards/"))

    assert 'data-testid="board-skipped" data-period="week"' in html
    assert "This week's board appears once the week's first service is verified" in html
    assert 'data-testid="board-row"' in html and "李*红" in html
    assert 'data-testid="empty-board"' not in html


def test_the_week_tab_still_shows_the_empty_week(client, login, db):
    crowd = _earned_long_ago(db)
    login(crowd[0])

    html = page(client.get("/leaderboards/?metric=points&period=week"))

    assert 'data-testid="empty-board"' in html
    assert 'data-testid="board-skipped"' not in html


def test_with_no_entries_anywhere_the_page_stays_on_this_week(client, login, db):
    person = factories.person(name="孙小雨")
    db.session.commit()
    login(person)

    html = page(client.get("/leaderboards/"))

    assert 'data-testid="empty-board"' in html
    assert 'data-testid="board-skipped"' not in html
