"""The database lock: one holder at a time, across threads, with leases that run out."""

from __future__ import annotations

import subprocess
import time
from datetime import timedelta

from app.common.time import utcnow
from jobs.lock import Lease
from tests.helpers import race


def test_a_held_lock_refuses_a_second_taker_until_released(db):
    first = Lease("job:tests.x", seconds=60)
    second = Lease("job:tests.x", seconds=60)
    assert first.acquire()
    assert not second.acquire()
    assert second.holder().owner == first.owner
    first.release()
    assert first.holder() is None
    assert second.acquire()


def test_locks_with_different_names_do_not_block_each_other(db):
    assert Lease("job:tests.a", seconds=60).acquire()
    assert Lease("job:tests.b", seconds=60).acquire()


def test_an_expired_lease_can_be_taken_and_the_old_holder_knows(db):
    now = utcnow()
    old = Lease("job:tests.x", seconds=30)
    assert old.acquire(now=now)
    newcomer = Lease("job:tests.x", seconds=30)
    assert not newcomer.acquire(now=now + timedelta(seconds=29))
    assert newcomer.acquire(now=now + timedelta(seconds=31))
    assert not old.renew()
    old.release()  # releasing a lock that is no longer ours leaves it alone
    assert newcomer.holder().owner == newcomer.owner


def test_renewing_keeps_others_out_past_the_first_lease(db):
    now = utcnow()
    lease = Lease("job:tests.x", seconds=30)
    assert lease.acquire(now=now)
    assert lease.renew(now=now + timedelta(seconds=25))
    assert not Lease("job:tests.x", seconds=30).acquire(now=now + timedelta(seconds=40))


def test_keep_alive_renews_the_lease_in_the_background(db):
    lease = Lease("job:tests.x", seconds=1)
    assert lease.acquire()
    first_expiry = lease.holder().expires_at
    with lease.keep_alive() as heartbeat:
        time.sleep(0.6)
    assert lease.holder().expires_at > first_expiry
    assert not heartbeat.lost


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_at_once(db):
    finished = subprocess.Popen(["true"])
    finished.wait()
    ghost = Lease("job:tests.x", seconds=600)
    ghost.owner = ghost.owner.rsplit(":", 2)[0] + f":{finished.pid}:dead"
    assert ghost.acquire()
    assert Lease("job:tests.x", seconds=600).acquire()


def test_many_threads_racing_for_one_lock_give_exactly_one_winner(app, db):
    engine = db.engine
    results: list[bool] = []

    def contend(_n: int) -> None:
        results.append(Lease("job:tests.race", seconds=60, engine=engine).acquire())

    assert race(app, contend, list(range(8))) == ["ok"] * 8
    assert sorted(results) == [False] * 7 + [True]
