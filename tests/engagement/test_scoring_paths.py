"""The nightly run writes the same rows as scoring each person one by one with
`scoring.assess`, although people without any activity in the lookback (most of a campus)
are written in SQL without being assessed one by one."""

from __future__ import annotations

from app.common.rows import fields_of
from app.engagement import scoring, services
from app.engagement import settings as engagement_settings
from app.engagement.models import EngagementScore
from app.extensions import db as _db
from tests import factories
from tests.engagement import engagement_data as data
from tests.engagement.engagement_data import TODAY
from tests.rewards import rewards_data

COLUMNS = [column.name for column in EngagementScore.__table__.columns if column.name != "id"]


def _campus(admin) -> dict[str, list[int]]:
    """A varied population, by what each is expected to be."""
    place = rewards_data.place()
    people: dict[str, list[int]] = {}

    def add(kind: str, name: str):
        person = rewards_data.member(place, name=name)
        people.setdefault(kind, []).append(person.id)
        return person

    for n in range(4):
        add("dormant", f"沉睡{n}")
    factories.person(name="未加入队伍")  # no team, no activity: dormant too
    gone = add("dormant_since", "很久以前")
    data.logins_on(gone, [120, 127, 134])
    newcomer = add("new", "新人")
    data.logins_on(newcomer, [1, 5, 10])
    pause = add("at_risk", "停了")
    data.shifts_on(place, pause, [40, 47, 54, 61, 68, 75], hours=2)
    fading = add("at_risk", "渐少")
    data.logins_on(fading, [0, *range(91, 170, 7)])
    data.logins_on(fading, [14, 28])
    keen = add("core", "常来")
    data.shifts_on(place, keen, list(range(0, 91, 7)), hours=3)
    data.logins_on(keen, list(range(0, 200, 3)))
    some = add("active", "偶尔")
    data.logins_on(some, [2, 9, 16, 40, 100, 150])
    reader = add("reader", "读者")
    data.library_rows(admin, [(reader, days, 1, 1, 60, 0) for days in range(25, 200, 7)])
    _db.session.commit()
    return people


def _assessed_one_by_one() -> dict[int, dict]:
    """Every person's row as `scoring.assess` gives it, one person at a time."""
    settings = engagement_settings.current()
    weeks = services.Weeks(TODAY, settings.lookback_weeks)
    horizon = services._reading_horizon(weeks)
    horizons = {"reading": horizon} if horizon else {}
    with _db.engine.connect() as reader:
        people = list(services._person_stats(reader, weeks, settings))
    return {
        user_id: services._row(
            TODAY,
            user_id,
            stats,
            scoring.assess(stats, today=TODAY, settings=settings, horizons=horizons),
        )
        for user_id, stats in people
    }


def test_the_nightly_rows_equal_assessing_everyone_one_by_one(db, admin, monkeypatch):
    people = _campus(admin)
    assessed = []
    assess = scoring.assess

    def counted(stats, **options):
        assessed.append(bool(stats))
        return assess(stats, **options)

    monkeypatch.setattr(scoring, "assess", counted)
    counts = services.score_day(now=data.NOW)
    db.session.commit()
    rows = {
        row.user_id: fields_of(row, *COLUMNS)
        for row in db.session.scalars(
            db.select(EngagementScore).where(EngagementScore.day == TODAY)
        )
    }
    # Only people with some activity were assessed one by one (and the blank answer once).
    assert assessed.count(False) == 1
    with_activity = [row for row in rows.values() if row["idle_days"] is not None]
    assert assessed.count(True) == len(with_activity) < len(rows) - len(people["dormant"])

    monkeypatch.setattr(scoring, "assess", assess)
    assert rows == _assessed_one_by_one()
    assert counts["people"] == len(rows)
    segments = {user_id: row["segment"] for user_id, row in rows.items()}
    for kind in ("dormant", "dormant_since", "new", "core", "active"):
        expected = "dormant" if kind == "dormant_since" else kind
        assert {segments[user_id] for user_id in people[kind]} == {expected}, kind
    assert {segments[user_id] for user_id in people["at_risk"]} == {"at_risk"}
    assert {rows[user_id]["reason"] for user_id in people["at_risk"]} == {"gap", "declining"}
    assert counts["dormant"] == sum(segment == "dormant" for segment in segments.values())
