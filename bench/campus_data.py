"""A campus of generated people with skewed, realistic activity, for the benchmarks at scale
(`bench.campus`, `bench.engagement`).

`build(app, people, now)` empties the database and fills it with that many people and
about 20 events each over the past year, through SQLAlchemy Core inserts in committed
chunks (not the services, for speed). The data is skewed the way a campus is, not the way
a benchmark would like it:
- a dormant majority (DORMANT_SHARE, about 65 %) with 0, 1 or 2 events in the year;
- the others active with a Pareto-distributed number of event days (a long tail of very
  active people: the top 1 % do a large share of everything), in a rhythm (steady, lapsed,
  fading, newly arrived) so that every engagement segment occurs;
- colleges of very different sizes (one with 30 % of the people, two with 1 %);
- volunteer teams of Zipf-distributed sizes, with active, paused and alumni members;
- daily library use, login days, shifts with verified attendance, published
  contributions, and a points ledger for the hours and contributions.
It is seeded by the size, so the same size gives the same data. `Mix` is what was built;
`print_mix` prints it. `add_a_day` adds one more day's activity (for incremental work).
"""

from __future__ import annotations

import random
import secrets
import time
from bisect import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, text

from app.accounts import services as accounts
from app.accounts.models import College, LoginDay, User, UserRole
from app.checkin.models import Attendance
from app.columns.models import ContentColumn, Contribution
from app.common.time import from_local_date, to_local
from app.extensions import db
from app.recruitment.models import Membership, Team
from app.rewards.models import LibraryUse, LibraryUseImport, PointEntry
from app.shifts.models import Shift, Task

CHUNK = 50_000
YEAR = 365  # events fall on the last YEAR local days, today included
PASSWORD = "bench-password"
# One college with 30 % of the people, a few middling, two with 1 % each.
COLLEGE_SHARES = (0.30, 0.18, 0.12, 0.09, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.02, 0.01, 0.01)
PEOPLE_PER_TEAM = 2000  # one team per this many people (50 teams at 100,000)
TEAM_SKEW = 1.0  # team n (from 1) draws volunteers in proportion to 1 / n**TEAM_SKEW
COLUMNS = 3
DORMANT_SHARE = 0.65
DORMANT_EVENTS = ((0, 1, 2), (0.4, 0.35, 0.25))
# The active: their rhythm in time, and how many event days (Pareto: minimum × tail).
PATTERNS = ("steady", "lapsed", "fading", "new")
PATTERN_SHARES = (0.55, 0.2, 0.15, 0.1)
PARETO_MINIMUM = 23
PARETO_ALPHA = 1.3
ROLES = ("reader", "volunteer", "contributor", "visitor")
ROLE_SHARES = (0.68, 0.20, 0.05, 0.07)
MIX = {
    "reader": (("reading", "login"), (0.55, 1.0)),
    "volunteer": (("service", "login", "reading"), (0.5, 0.8, 1.0)),
    "contributor": (("contribution", "reading", "login"), (0.3, 0.65, 1.0)),
    "visitor": (("login",), (1.0,)),
}
KINDS = ("service", "contribution", "reading", "login")
LOANS = (0, 0, 0, 0, 0, 1, 1, 1, 2, 3)  # loans on a day of library use
POINTS_PER_HOUR = 10
POINTS_PER_CONTRIBUTION = 20


class Loader:
    """Buffers rows per table and inserts each table's rows in committed chunks of CHUNK
    (one huge transaction would grow SQLite's WAL to gigabytes)."""

    def __init__(self) -> None:
        self.buffers: dict[type, list[dict]] = {}

    def add(self, model: type, row: dict) -> None:
        buffer = self.buffers.setdefault(model, [])
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self._write(model)

    def _write(self, model: type) -> None:
        rows = self.buffers.get(model)
        if rows:
            db.session.execute(insert(model.__table__), rows)
            db.session.commit()
            self.buffers[model] = []

    def bulk(self, model: type, rows: Iterator[dict]) -> None:
        for row in rows:
            self.add(model, row)
        self._write(model)

    def flush(self) -> None:
        # Parents before children: the buffers were created in that order.
        for model in list(self.buffers):
            self._write(model)


@dataclass
class Mix:
    """What was built: people per college, events per person, by kind."""

    per_college: dict[str, int] = field(default_factory=dict)
    per_team: list[int] = field(default_factory=list)
    per_person: list[int] = field(default_factory=list)
    events: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    points: int = 0

    @property
    def total(self) -> int:
        return sum(self.events.values())

    def percentile(self, share: float) -> int:
        ordered = sorted(self.per_person)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0

    @property
    def dormant_share(self) -> float:
        """The share of people with at most two events in the year."""
        return sum(n <= 2 for n in self.per_person) / max(1, len(self.per_person))

    @property
    def top_share(self) -> float:
        """The share of all events done by the most active 1 % of people."""
        ordered = sorted(self.per_person, reverse=True)
        top = ordered[: max(1, len(ordered) // 100)]
        return sum(top) / max(1, sum(ordered))

    @property
    def largest_college_share(self) -> float:
        return max(self.per_college.values()) / max(1, len(self.per_person))

    @property
    def smallest_college_share(self) -> float:
        return min(self.per_college.values()) / max(1, len(self.per_person))


@dataclass
class Built:
    people: int
    mix: Mix
    seconds: float
    admin_number: str
    volunteer_number: str  # the active team member with the most hours
    volunteer_college_id: int
    largest_college_id: int

    @property
    def events(self) -> dict[str, int]:
        return self.mix.events

    @property
    def total(self) -> int:
        return self.mix.total


def print_mix(built: Built) -> None:
    mix = built.mix
    print(
        f"  mix: {built.people:,} people, {mix.total:,} events ("
        + ", ".join(f"{kind} {count:,}" for kind, count in mix.events.items())
        + f"), {mix.points:,} point entries; built in {built.seconds:.1f} s"
    )
    print(
        "  people per college: "
        + ", ".join(f"{name} {count:,}" for name, count in mix.per_college.items())
    )
    print(f"  volunteers per team (largest first): {sorted(mix.per_team, reverse=True)}")
    print(
        "  events per person: "
        + ", ".join(
            f"p{round(share * 100)} {mix.percentile(share)}"
            for share in (0.25, 0.5, 0.75, 0.9, 0.99)
        )
        + f", max {max(mix.per_person, default=0)}, mean {mix.total / max(1, built.people):.1f}"
    )
    print(
        f"  dormant (0-2 events): {mix.dormant_share:.0%}; "
        f"top 1 % of people: {mix.top_share:.0%} of events",
        flush=True,
    )


def _event_days(pattern: str, count: int, rng: random.Random) -> list[int]:
    """`count` different days ago (0 = today), or fewer, on which one person did something."""
    if pattern == "dormant":
        return rng.sample(range(YEAR), count)
    if pattern == "new":
        start = rng.randint(3, 29)
        return rng.sample(range(start), min(start, count, rng.randint(3, 12)))
    if pattern == "steady":
        end, regular = rng.randint(0, 6), rng.random() < 0.5
    elif pattern == "lapsed":
        end, regular = rng.randint(95, 250), rng.random() < 0.3
    else:  # fading: a regular habit that stopped a month or two ago
        end, regular = rng.randint(30, 80), True
    span = YEAR - end
    n = min(count, span)
    if not regular:
        return rng.sample(range(end, YEAR), n)
    step = span / n
    jitter = min(step, 3.0)
    return sorted(
        {min(YEAR - 1, end + int(index * step + rng.random() * jitter)) for index in range(n)}
    )


def _teams(loader: Loader, people: int, now: datetime, today: date) -> dict:
    """Teams with one task each and two shifts a day for a year."""
    teams = max(4, people // PEOPLE_PER_TEAM)
    loader.bulk(Team, ({"name": f"压测志愿者队{n}", "created_at": now} for n in range(teams)))
    team_ids = list(db.session.scalars(select(Team.id).order_by(Team.id)))
    loader.bulk(Task, ({"team_id": team_id, "title": "总服务台值班"} for team_id in team_ids))
    task_of = dict(db.session.execute(select(Task.team_id, Task.id)).all())
    midnights = {ago: from_local_date(today - timedelta(days=ago)) for ago in range(YEAR)}
    loader.bulk(
        Shift,
        (
            {
                "task_id": task_of[team_id],
                "starts_at": midnights[ago] + timedelta(hours=hour),
                "ends_at": midnights[ago] + timedelta(hours=hour + 2),
                "capacity": 20,
            }
            for team_id in team_ids
            for ago in range(YEAR)
            for hour in (9, 14)
        ),
    )
    shift_of = {
        (task_id, starts_at): shift_id
        for shift_id, task_id, starts_at in db.session.execute(
            select(Shift.id, Shift.task_id, Shift.starts_at)
        )
    }
    weights = [1 / (n + 1) ** TEAM_SKEW for n in range(teams)]
    return {
        "teams": team_ids,
        "team_weights": weights,
        "tasks": task_of,
        "shifts": shift_of,
        "midnights": midnights,
    }


def _fixtures(loader: Loader, people: int, now: datetime, today: date) -> dict:
    """Colleges, teams, shifts, columns, one library-use import per month."""
    loader.bulk(
        College,
        ({"code": f"E{n:02d}", "name": f"压测学院{n}"} for n in range(len(COLLEGE_SHARES))),
    )
    fixtures = _teams(loader, people, now, today)
    loader.bulk(
        ContentColumn,
        (
            {"code": f"bench{n}", "name": f"压测专栏{n}", "kind": "article", "created_at": now}
            for n in range(COLUMNS)
        ),
    )
    months = sorted({f"{today - timedelta(days=ago):%Y-%m}" for ago in range(YEAR)})
    loader.bulk(
        LibraryUseImport,
        ({"filename": f"{month}.csv", "sha256": f"{n:064x}"} for n, month in enumerate(months)),
    )
    imports = db.session.scalars(select(LibraryUseImport.id).order_by(LibraryUseImport.id))
    fixtures["columns"] = list(db.session.scalars(select(ContentColumn.id)))
    fixtures["imports"] = dict(zip(months, imports, strict=True))
    return fixtures


def _people(loader: Loader, people: int, now: datetime, rng: random.Random, mix: Mix):
    """The people, each in a college drawn by COLLEGE_SHARES; (user ids, college ids)."""
    colleges = list(db.session.execute(select(College.id, College.name).order_by(College.id)))
    college_ids = [college_id for college_id, _ in colleges]
    drawn = rng.choices(college_ids, weights=COLLEGE_SHARES, k=people)
    names = dict(colleges)
    mix.per_college = {names[college_id]: drawn.count(college_id) for college_id in college_ids}
    shared = accounts.hash_password(PASSWORD)  # hashed once, used by everyone
    loader.bulk(
        User,
        (
            {
                "student_number": f"2050{n:06d}",
                "name": f"压测{n}",
                "college_id": drawn[n],
                "enrolment_year": 2019 + rng.randrange(7),
                "password_hash": shared,
                "session_token": secrets.token_hex(16),
                "created_at": now - timedelta(days=rng.randint(0, 4 * YEAR)),
            }
            for n in range(people)
        ),
    )
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    db.session.execute(insert(UserRole), [{"user_id": user_ids[0], "role": "admin"}])
    db.session.commit()
    return user_ids, dict(zip(user_ids, drawn, strict=True))


class Activity:
    """Writes one person's events of each kind (and their points) through the loader."""

    def __init__(
        self, loader: Loader, fixtures: dict, today: date, rng: random.Random, key: str = "bench"
    ) -> None:
        self.loader, self.fixtures, self.today, self.rng = loader, fixtures, today, rng
        self.key = key  # point entries' idempotency keys are key:n
        self.entries = 0

    def join(self, user_id: int) -> int:
        """Memberships of a volunteer (one team, sometimes two); their main team's id."""
        fixtures, rng = self.fixtures, self.rng
        team_id = rng.choices(fixtures["teams"], weights=fixtures["team_weights"])[0]
        joined = {team_id}
        if rng.random() < 0.05:
            joined.add(rng.choice(fixtures["teams"]))
        start = fixtures["midnights"][YEAR - 1]
        for other in joined:
            status = "active" if other == team_id else rng.choice(("active", "paused", "alumni"))
            self.loader.add(
                Membership,
                {
                    "team_id": other,
                    "user_id": user_id,
                    "status": status,
                    "joined_at": start,
                    "status_changed_at": start,
                },
            )
        return team_id

    def login(self, user_id: int, day: date) -> None:
        self.loader.add(LoginDay, {"user_id": user_id, "day": day})

    def reading(self, user_id: int, day: date) -> None:
        rng = self.rng
        month = f"{day:%Y-%m}"
        self.loader.add(
            LibraryUse,
            {
                "user_id": user_id,
                "month": month,
                "day": day,
                # random() alone: randint and weighted choices cost more than the insert
                "loans": LOANS[int(rng.random() * len(LOANS))],
                "visits": int(rng.random() * 3),
                "minutes": int(rng.random() * 241),
                "e_sessions": int(rng.random() * 6),
                "import_id": self.fixtures["imports"][month],
            },
        )

    def service(self, user_id: int, team_id: int, starts_at: datetime, verified: datetime):
        minutes = self.rng.choice((60, 90, 120, 120))
        shift_id = self.fixtures["shifts"][(self.fixtures["tasks"][team_id], starts_at)]
        self.loader.add(
            Attendance,
            {
                "shift_id": shift_id,
                "user_id": user_id,
                "walk_in": True,
                "status": "out",
                "checked_in_at": starts_at,
                "checked_out_at": starts_at + timedelta(minutes=minutes),
                "check_in_method": "kiosk",
                "check_out_method": "kiosk",
                "scan_minutes": minutes,
                "added_minutes": 0,
                "verified_at": verified,
                "created_at": starts_at,
            },
        )
        points = POINTS_PER_HOUR * minutes // 60
        self.points_for(user_id, points, "hours", verified)

    def contribution(self, user_id: int, published: datetime) -> None:
        self.loader.add(
            Contribution,
            {
                "column_id": self.rng.choice(self.fixtures["columns"]),
                "author_id": user_id,
                "title": "压测投稿",
                "body": "",
                "status": "published",
                "published_at": published,
                "submitted_at": published - timedelta(days=1),
                "created_at": published - timedelta(days=2),
                "updated_at": published,
            },
        )
        self.points_for(user_id, POINTS_PER_CONTRIBUTION, "contribution", published)

    def points_for(self, user_id: int, points: int, kind: str, at: datetime) -> None:
        self.entries += 1
        self.loader.add(
            PointEntry,
            {
                "user_id": user_id,
                "points": points,
                "kind": kind,
                "idempotency_key": f"{self.key}:{self.entries}",
                "note": "",
                "occurred_at": at,
                "created_at": at,
            },
        )

    def on_day(self, user_id: int, kind: str, ago: int, team_id: int | None) -> None:
        """One event of `kind` on the day `ago` days back."""
        rng, midnight = self.rng, self.fixtures["midnights"][ago]
        day = self.today - timedelta(days=ago)
        if kind == "login":
            self.login(user_id, day)
        elif kind == "reading":
            self.reading(user_id, day)
        elif kind == "service":
            starts_at = midnight + timedelta(hours=rng.choice((9, 14)))
            self.service(user_id, team_id, starts_at, starts_at + timedelta(hours=3))
        else:
            self.contribution(user_id, midnight + timedelta(minutes=rng.randint(480, 1320)))


def _how_active(rng: random.Random) -> tuple[str, int]:
    """A person's rhythm and how many event days they aim for in the year."""
    if rng.random() < DORMANT_SHARE:
        return "dormant", rng.choices(*DORMANT_EVENTS)[0]
    pattern = rng.choices(PATTERNS, weights=PATTERN_SHARES)[0]
    return pattern, min(YEAR, int(PARETO_MINIMUM * rng.paretovariate(PARETO_ALPHA)))


def _activity(loader: Loader, user_ids: list[int], fixtures: dict, today: date, rng, mix: Mix):
    """Each person's events, by rhythm and role."""
    activity = Activity(loader, fixtures, today, rng)
    per_team: dict[int, int] = dict.fromkeys(fixtures["teams"], 0)
    for user_id in user_ids:
        pattern, count = _how_active(rng)
        role = rng.choices(ROLES, weights=ROLE_SHARES)[0]
        if pattern == "dormant" and role in ("volunteer", "contributor"):
            role = "reader"  # the dormant borrowed a book or logged in, nothing more
        kinds, cumulative = MIX[role]
        team_id = activity.join(user_id) if role == "volunteer" else None
        if team_id is not None:
            per_team[team_id] += 1
        days = _event_days(pattern, count, rng) if count else []
        for ago in days:
            kind = kinds[bisect(cumulative, rng.random())] if ago else "login"
            activity.on_day(user_id, kind, ago, team_id)
            mix.events[kind] += 1
        mix.per_person.append(len(days))
    loader.flush()
    mix.per_team = list(per_team.values())
    mix.points = activity.entries


def _volunteer() -> User:
    """The active team member with the most verified attendance."""
    top = db.session.execute(
        select(Attendance.user_id)
        .join(Membership, Membership.user_id == Attendance.user_id)
        .where(Membership.status == "active")
        .group_by(Attendance.user_id)
        .order_by(func.count().desc(), Attendance.user_id)
        .limit(1)
    ).scalar_one()
    return db.session.get(User, top)


def build(app, people: int, now: datetime) -> Built:
    """Empty the app's database and fill it with `people` people's year (see the module)."""
    rng = random.Random(people)
    mix = Mix()
    with app.app_context():
        today = to_local(now).date()
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        loader = Loader()
        fixtures = _fixtures(loader, people, now, today)
        user_ids, college_of = _people(loader, people, now, rng, mix)
        _activity(loader, user_ids, fixtures, today, rng, mix)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))  # what autovacuum does after a bulk load
        db.session.commit()
        admin = db.session.get(User, user_ids[0]).student_number
        volunteer = _volunteer()
        largest = max(set(college_of.values()), key=list(college_of.values()).count)
        seconds = time.perf_counter() - started
        return Built(
            people, mix, seconds, admin, volunteer.student_number, volunteer.college_id, largest
        )


def add_a_day(now: datetime, *, share: float = 0.02, seed: int = 1) -> int:
    """One more day's activity of about `share` of the people, recorded in the quarter hour
    before `now` (after a rebuild of the boards 15 minutes earlier; in an app context,
    committed): points for some, verified hours of yesterday's afternoon shift for active
    team members among them, and a login each. Returns the point entries added."""
    rng = random.Random(seed)
    today = to_local(now).date()
    yesterday = from_local_date(today - timedelta(days=1)) + timedelta(hours=14)
    people = list(db.session.scalars(select(User.id)))
    chosen = rng.sample(people, max(1, int(len(people) * share)))
    members = dict(
        db.session.execute(
            select(Membership.user_id, Membership.team_id).where(
                Membership.user_id.in_(chosen), Membership.status == "active"
            )
        ).all()
    )
    loader = Loader()
    fixtures = {
        "tasks": dict(db.session.execute(select(Task.team_id, Task.id)).all()),
        "shifts": {
            (task_id, yesterday): shift_id
            for shift_id, task_id in db.session.execute(
                select(Shift.id, Shift.task_id).where(Shift.starts_at == yesterday)
            )
        },
    }
    served = set(
        db.session.scalars(
            select(Attendance.user_id)
            .join(Shift, Shift.id == Attendance.shift_id)
            .where(Shift.starts_at == yesterday, Attendance.user_id.in_(chosen))
        )
    )
    activity = Activity(loader, fixtures, today, rng, key=f"bench-day:{now.isoformat()}")
    for user_id in chosen:
        at = now - timedelta(minutes=rng.randint(1, 14))  # after a rebuild 15 minutes ago
        if user_id in members and user_id not in served:
            activity.service(user_id, members[user_id], yesterday, at)
        else:
            activity.points_for(user_id, rng.randint(1, 30), "bench_day", at)
    logged_in = set(
        db.session.scalars(
            select(LoginDay.user_id).where(LoginDay.day == today, LoginDay.user_id.in_(chosen))
        )
    )
    for user_id in set(chosen) - logged_in:
        activity.login(user_id, today)
    loader.flush()
    db.session.commit()
    return activity.entries
