"""The reader's side of home: their contributions and where each stands, their library use
in the latest month imported, their points and badges; and the page showing it."""

from __future__ import annotations

from datetime import date, datetime

from app.columns import editorial
from app.home import reader
from app.rewards import points
from app.rewards.models import BadgeAward
from tests.columns import columns_data
from tests.helpers import page
from tests.rewards import badge_data

NOW = datetime(2026, 11, 10, 8, 0)


def test_a_new_reader_has_nothing_yet(db, student):
    home = reader.reader_home(student)

    assert home.empty
    assert (home.contributions, home.library, home.points, home.badges) == ([], None, 0, 0)


def test_contributions_show_where_each_stands(db):
    columns = columns_data.seeded()
    author = columns_data.author(name="王读者")
    boss = columns_data.editor(columns["picks"])
    columns_data.draft(author, columns["picks"], title="草稿一篇")
    sent_back = columns_data.submitted(author, columns["picks"], title="要修改的")
    editorial.request_changes(boss, sent_back.id, "请补充书目信息")
    columns_data.published(boss, columns_data.submitted(author, columns["picks"], title="已发表"))
    columns_data.submitted(author, columns["picks"], title="审核中")
    db.session.commit()

    home = reader.reader_home(author)

    assert {c.title: c.status for c in home.contributions} == {
        "草稿一篇": "draft",
        "要修改的": "changes_requested",
        "已发表": "published",
        "审核中": "submitted",
    }
    assert home.contribution_counts == [
        ("changes_requested", 1),
        ("draft", 1),
        ("submitted", 1),
        ("published", 1),
    ]
    assert home.points == 15  # a published contribution's points


def test_library_use_of_the_latest_month_added_up(db, student):
    badge_data.reading(student, "2026-09", visits=9)
    badge_data.reading(student, "2026-10", visits=2, loans=1, day=date(2026, 10, 3))
    badge_data.reading(student, "2026-10", visits=3, minutes=90, day=date(2026, 10, 4))
    db.session.commit()

    library = reader.reader_home(student).library

    assert (library.month, library.visits, library.loans, library.minutes) == ("2026-10", 5, 1, 90)


def test_home_page_shows_a_readers_contribution_status_and_library_use(db, client, login, student):
    columns = columns_data.seeded()
    columns_data.submitted(student, columns["picks"], title="《红楼梦》读后")
    badge_data.reading(student, "2026-10", visits=4, loans=2)
    points.award(student.id, 7, kind="adjustment", key="test:1", occurred_at=NOW)
    db.session.commit()
    login(student)

    text = page(client.get("/"))

    assert "《红楼梦》读后" in text and "待审核" in text
    assert "2026-10" in text and 'data-testid="home-points"' in text
    assert 'data-testid="desk"' not in text  # a reader has no coordinator's desk


def test_an_empty_readers_home_says_what_fills_it(client, login, student):
    login(student)

    text = page(client.get("/"))

    assert 'data-testid="home-reader"' in text and 'data-testid="home-points"' not in text


def test_badges_count_the_awards_held_not_the_revoked_ones(db, student):
    badge = next(iter(badge_data.seed().values()))
    db.session.add(BadgeAward(badge=badge, user_id=student.id, period="a", public_id="a" * 32))
    db.session.add(
        BadgeAward(badge=badge, user_id=student.id, period="b", public_id="b" * 32, revoked_at=NOW)
    )
    db.session.commit()

    home = reader.reader_home(student)

    assert home.badges == 1 and home.points == 0
