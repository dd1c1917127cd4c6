"""Refreshing the engagement aggregates counts every figure with no write transaction open,
so people keep writing (logging in, signing up, checking in) while it counts; only storing
the results takes the write lock (issue 29)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy import text

from app.common.db import watch_write_locks
from app.engagement import dashboard, group_portraits
from app.extensions import db
from jobs.runner import run_job
from tests.engagement.test_views import NOW, world  # noqa: F401  (the fixture)


def another_connection_can_write() -> bool:
    """Whether a writer on another connection gets the database now, without waiting: on
    SQLite the write lock is free; on PostgreSQL this session's transaction has written
    nothing (no transaction id), so it holds no row lock either."""
    if db.engine.dialect.name == "postgresql":
        mine = db.session.execute(text("SELECT pg_current_xact_id_if_assigned()")).scalar()
        return mine is None
    # A connection of its own, not one of the pool: the pool's keep their busy timeout.
    other = sqlite3.connect(db.engine.url.database, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


@pytest.fixture
def counting(monkeypatch):
    """Each live count of a figure notes whether a writer could have written meanwhile."""
    seen: list[bool] = []
    for module in (dashboard, group_portraits):
        live = module.live_figures

        def probed(*args, _live=live, **kwargs):
            seen.append(another_connection_can_write())
            return _live(*args, **kwargs)

        monkeypatch.setattr(module, "live_figures", probed)
    return seen


def test_the_nightly_job_counts_every_figure_with_the_database_free_to_write(
    app,
    world,  # noqa: F811 (the imported fixture)
    counting,
):
    with watch_write_locks() as watch:
        run = run_job("engagement.score_everyone", trigger="manual", now=NOW)

    assert run.status == "succeeded", run.error
    assert counting and all(counting), counting
    assert watch.transactions > 1  # the scores, the figures and the run's record apart


def test_refresh_now_counts_before_it_writes(client, login, world, counting):  # noqa: F811
    db.session.execute(text("SELECT 1"))  # a read left open by the caller holds no lock
    login(world["admin"])
    page = client.get("/engagement/dashboard?scope=all").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)

    answer = client.post(
        "/engagement/dashboard/refresh", data={"csrf_token": token.group(1) if token else ""}
    )

    assert answer.status_code == 302
    assert counting and all(counting), counting
    assert 'data-testid="figures-computed"' in client.get("/engagement/dashboard").get_data(
        as_text=True
    )


def test_a_write_the_caller_left_open_is_committed_before_counting(db, world, counting):  # noqa: F811
    from app.engagement import aggregate_refresh

    world["regular"].name = "赵六六"  # the caller's own write, still open
    db.session.flush()

    aggregate_refresh.refresh(now=NOW)

    assert counting and all(counting), counting
    db.session.expire_all()
    assert world["regular"].name == "赵六六"
