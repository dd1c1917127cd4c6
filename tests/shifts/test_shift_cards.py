"""The shift list's cards (app/shifts/shift_cards.py): the page's work does not grow with
its shifts the way it did (a translation and an address per card), and the cards show what
they showed. Counted, not timed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from flask_babel import Domain
from werkzeug.routing import MapAdapter

from app.common.urls import id_url
from app.shifts import signups
from tests.helpers import page
from tests.shifts import series_data
from tests.shifts import signup_data as data


def test_id_url_gives_what_url_for_gives(app):
    with app.test_request_context():
        sign_up = id_url("shifts.sign_up", "shift_id")
        cancel = id_url("shifts.cancel", "signup_id")
        for value in (1, 7, 918273, 10**9):
            assert sign_up(value) == url_for("shifts.sign_up", shift_id=value)
            assert cancel(value) == url_for("shifts.cancel", signup_id=value)


@pytest.fixture
def counted(monkeypatch):
    """Counts of translation look-ups and url_for calls while a page renders."""
    counts = {"translations": 0, "url_for": 0}
    translations, build = Domain.get_translations, MapAdapter.build

    def get_translations(self):
        counts["translations"] += 1
        return translations(self)

    def build_counted(self, *args, **kwargs):
        counts["url_for"] += 1
        return build(self, *args, **kwargs)

    monkeypatch.setattr(Domain, "get_translations", get_translations)
    monkeypatch.setattr(MapAdapter, "build", build_counted)
    return counts


def _costs(client, counted) -> dict[str, int]:
    counted.update(translations=0, url_for=0)
    assert client.get("/shifts/").status_code == 200
    return dict(counted)


def test_more_shifts_cost_no_more_translations_or_addresses(client, login, db, counted):
    team = data.team()
    task = data.task(team, title="总服务台值班", description="**带上校园卡**")
    person = data.member(team)
    for hours in range(3):
        data.shift(task, starts_in=timedelta(days=2, hours=hours))
    db.session.commit()
    login(person)
    few = _costs(client, counted)
    for hours in range(3, 30):
        shift = data.shift(task, starts_in=timedelta(days=2, hours=hours))
        if hours % 3 == 0:
            signups.sign_up(shift, person)
    db.session.commit()
    many = _costs(client, counted)
    assert page(client.get("/shifts/")).count('data-testid="cancel"') == 9
    assert many == few
    assert few["translations"] and few["url_for"]


def test_the_cards_show_fill_times_description_and_the_series_button_once(client, login, db):
    team = data.team()
    task = data.task(team, title="书库整架", location="三楼", description="*整理* 书架")
    person = data.member(team)
    series, (first, *_rest) = series_data.series(task, weeks=3, capacity=1)
    signups.sign_up(first, data.member(team))
    signups.sign_up(first, data.member(team))  # waits
    db.session.commit()
    login(person)
    listing = client.get("/shifts/").get_data(as_text=True)
    card = listing[listing.index(f'data-testid="shift-{first.id}"') :]
    card = card[: card.index('class="list-group-item')]
    fill = card[card.index('data-testid="fill"') :]
    assert re.findall(r"\d+", fill[: fill.index("</div>")]) == ["1", "1", "1"]  # of, waiting
    assert 'data-testid="join-waitlist"' in card and f"/shifts/{first.id}/signup" in card
    assert "三楼" in card and "<em>整理</em>" in card
    assert re.search(r"\d\d:\d\d–\d\d:\d\d", card)
    assert listing.count("<em>整理</em>") == 3  # each card folds its task's description
    assert listing.count(f'data-testid="series-signup-{series.id}"') == 1


def test_my_shifts_names_the_tab_and_shows_the_reliability_card_once(client, login, db):
    team = data.team()
    person = data.member(team)
    db.session.commit()
    login(person)
    body = client.get("/shifts/mine").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1)
    assert "<section" not in title and "data-testid" not in title
    assert body.count('data-testid="reliability"') == 1
