"""The campus-scale benchmark (`python -m bench.campus`) kept from rotting: its generator
builds the skewed campus it claims, and a tiny run on SQLite prints every row of the table."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import create_engine

from app.common.time import utcnow
from app.extensions import db
from app.rewards import boards
from bench import campus, campus_data
from bench.common import bench_app

PEOPLE = 400


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('campus') / 'campus.sqlite'}"
    app = bench_app(url)
    return url, app, campus_data.build(app, PEOPLE, utcnow().replace(microsecond=0))


def test_the_campus_is_skewed_as_the_generator_claims(built):
    mix = built[2].mix

    assert len(mix.per_person) == PEOPLE
    assert 0.55 <= mix.dormant_share <= 0.75  # a dormant majority
    assert mix.percentile(0.5) <= 2 < 10 * max(1, mix.percentile(0.5)) <= mix.percentile(0.99)
    assert mix.top_share >= 0.08  # the top 1 % do far more than 1 % of everything
    assert mix.largest_college_share >= 0.25
    assert mix.smallest_college_share <= 0.03
    assert max(mix.per_team) >= 3 * min(mix.per_team)
    assert all(mix.events[kind] for kind in campus_data.KINDS) and mix.points > 0
    assert 10 <= mix.total / PEOPLE <= 30  # about twenty events each


def test_the_same_size_builds_the_same_campus(built, tmp_path):
    again = campus_data.build(
        bench_app(f"sqlite:///{tmp_path / 'again.sqlite'}"), PEOPLE, utcnow()
    ).mix

    assert again.per_person == built[2].mix.per_person
    assert again.per_college == built[2].mix.per_college


def test_the_mix_is_printed(built, capsys):
    campus_data.print_mix(built[2])

    printed = capsys.readouterr().out
    for words in ("people per college", "events per person", "p99", "dormant", "top 1 %"):
        assert words in printed


def test_the_write_probe_waits_as_long_as_another_writer_holds_the_lock(built):
    url, app, _ = built
    holder = create_engine(url, connect_args={"timeout": 30})
    with app.app_context(), holder.connect() as connection:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        with campus.WriteProbe(url, user_id=1, warm=False) as probe:
            assert probe.trying.wait(30)
            time.sleep(0.3)  # the write started before this, and cannot end before COMMIT
            connection.exec_driver_sql("COMMIT")
    holder.dispose()

    assert probe.longest >= 0.3 and not probe.errors


def test_incremental_boards_are_measured_and_compared_once_rebuild_takes_full(built, monkeypatch):
    url, app, _ = built
    calls = []
    original = boards.rebuild

    def rebuild(*, now=None, full=False):
        calls.append(full)
        return original(now=now)

    monkeypatch.setattr(boards, "rebuild", rebuild)
    run = campus.Run("sqlite", PEOPLE)
    with app.app_context():
        campus.measure_boards(run, url, utcnow())
        db.session.remove()

    shown = {row.name: row for row in run.rows}
    assert calls == [True, False, True]
    assert shown["boards: identical to a full rebuild"].met is True
    assert shown["boards: incremental after a day"].met is True


def test_a_tiny_run_prints_every_row_of_the_table(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BENCH_POSTGRES_URL", raising=False)
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    rows = campus.run_all([150, 300], str(tmp_path))
    campus.print_table(rows)

    printed = capsys.readouterr().out
    names = {row.name for row in rows}
    assert not [row for row in rows if "failed" in row.name]
    for needed in (
        "scoring: ratio to bare",
        "scoring: peak memory (ΔRSS)",
        "scoring: longest write wait",
        "boards: full rebuild",
        "boards: incremental after a day",
        "boards rebuild: longest write wait",
        "badges evaluation: longest write wait",
        "page (admin): engagement dashboard",
        "page (admin): group portrait: largest college",
        "page (volunteer): college semester hours board",
        "page (volunteer): points board",
        "page (volunteer): My achievements",
        "page (volunteer): My hours",
        "page (volunteer): home",
        "scoring: linearity (300 vs 150)",
    ):
        assert needed in names
        assert needed in printed
    pages = [row for row in rows if row.name.startswith("page")]
    assert all(row.shown.endswith(" ms") for row in pages)  # every page answered 200


def test_the_readme_table_has_a_column_per_database_and_size_and_marks_misses():
    rows = [
        campus.Row("sqlite", 10, "scoring: ratio to bare", "3.0×", "<= 2×", False),
        campus.Row("sqlite", 20, "scoring: ratio to bare", "1.5×", "<= 2×", True),
        campus.Row("postgresql", 10, "boards: full rebuild", "0.20 s"),
    ]

    lines = campus.markdown(rows).splitlines()

    assert lines[0] == "| measure | target | sqlite 10 | sqlite 20 | postgresql 10 |"
    assert lines[2] == "| scoring: ratio to bare | <= 2× | 3.0× NOT | 1.5× |  |"
    assert lines[3] == "| boards: full rebuild |  |  |  | 0.20 s |"


def test_a_missed_target_fails_the_run_only_when_strict(monkeypatch):
    missed = [campus.Row("sqlite", 10, "scoring: ratio to bare", "3.0×", "<= 2×", False)]
    monkeypatch.setattr(campus, "run_all", lambda sizes, folder: missed)

    monkeypatch.delenv("BENCH_STRICT", raising=False)
    assert campus.main() == 0
    monkeypatch.setenv("BENCH_STRICT", "1")
    assert campus.main() == 1
