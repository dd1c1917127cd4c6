"""A campus of generated people with skewed, realistic activity, for the benchmarks at scale
(`bench.campus`, `bench.engagement`).

`build(app, people, now)` empties the database and fills it with that many people and
about 20 events each over the past year (100,000 people in about half a minute on SQLite):
the rows are drawn as plain tuples from one seeded `random.Random` and written in bulk,
table by table, on a connection of the generator's own (`bench.bulk`: COPY on PostgreSQL,
executemany on SQLite), not through the services or the ORM; they fill the columns the
services fill (tests/bench/test_campus_data.py checks that they agree with each other).
The data is skewed the way a campus is, not the way a benchmark would like it:
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
import time
from bisect import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import College, LoginDay, User, UserRole
from app.checkin.models import Attendance
from app.columns.models import ContentColumn, Contribution
from app.common.time import from_local_date, to_local
from app.extensions import db
from app.recruitment.models import Membership, Team
from app.rewards.models import LibraryUse, LibraryUseImport, PointEntry
from app.shifts.models import Shift, Task
from bench.bulk import Loader, insert_rows, own_connection

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
SERVICE_MINUTES = (60, 90, 120, 120)
MORNING, AFTERNOON, THREE_HOURS = timedelta(hours=9), timedelta(hours=14), timedelta(hours=3)


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
    loader.bulk(Team, ("name", "created_at"), ((f"压测志愿者队{n}", now) for n in range(teams)))
    team_ids = [team_id for (team_id,) in loader.ids(select(Team.id).order_by(Team.id))]
    loader.bulk(Task, ("team_id", "title"), ((team_id, "总服务台值班") for team_id in team_ids))
    task_of = dict(loader.ids(select(Task.team_id, Task.id)))
    midnights = {ago: from_local_date(today - timedelta(days=ago)) for ago in range(YEAR)}
    loader.bulk(
        Shift,
        ("task_id", "starts_at", "ends_at", "capacity"),
        (
            (
                task_of[team_id],
                midnights[ago] + timedelta(hours=hour),
                midnights[ago] + timedelta(hours=hour + 2),
                20,
            )
            for team_id in team_ids
            for ago in range(YEAR)
            for hour in (9, 14)
        ),
    )
    shift_of = {
        (task_id, _naive(starts_at)): shift_id
        for shift_id, task_id, starts_at in loader.ids(
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


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


def _fixtures(loader: Loader, people: int, now: datetime, today: date) -> dict:
    """Colleges, teams, shifts, columns, one library-use import per month."""
    loader.bulk(
        College,
        ("code", "name"),
        ((f"E{n:02d}", f"压测学院{n}") for n in range(len(COLLEGE_SHARES))),
    )
    fixtures = _teams(loader, people, now, today)
    loader.bulk(
        ContentColumn,
        ("code", "name", "kind", "created_at"),
        ((f"bench{n}", f"压测专栏{n}", "article", now) for n in range(COLUMNS)),
    )
    months = sorted({f"{today - timedelta(days=ago):%Y-%m}" for ago in range(YEAR)})
    loader.bulk(
        LibraryUseImport,
        ("filename", "sha256"),
        ((f"{month}.csv", f"{n:064x}") for n, month in enumerate(months)),
    )
    imports = [
        row[0] for row in loader.ids(select(LibraryUseImport.id).order_by(LibraryUseImport.id))
    ]
    fixtures["columns"] = [
        row[0] for row in loader.ids(select(ContentColumn.id).order_by(ContentColumn.id))
    ]
    fixtures["imports"] = dict(zip(months, imports, strict=True))
    return fixtures


def _people(loader: Loader, people: int, now: datetime, rng: random.Random, mix: Mix):
    """The people, each in a college drawn by COLLEGE_SHARES; (user ids, college ids)."""
    colleges = loader.ids(select(College.id, College.name).order_by(College.id))
    college_ids = [college_id for college_id, _ in colleges]
    drawn = rng.choices(college_ids, weights=COLLEGE_SHARES, k=people)
    names = dict(colleges)
    counted = Counter(drawn)
    mix.per_college = {names[college_id]: counted[college_id] for college_id in college_ids}
    shared = accounts.hash_password(PASSWORD)  # hashed once, used by everyone
    random_ = rng.random
    loader.bulk(
        User,
        (
            "student_number",
            "name",
            "college_id",
            "enrolment_year",
            "password_hash",
            "session_token",
            "created_at",
        ),
        (
            (
                f"2050{n:06d}",
                f"压测{n}",
                drawn[n],
                2019 + int(random_() * 7),
                shared,
                f"{rng.getrandbits(128):032x}",  # seeded, unlike the app's own tokens
                now - timedelta(days=int(random_() * (4 * YEAR + 1))),
            )
            for n in range(people)
        ),
    )
    user_ids = [row[0] for row in loader.ids(select(User.id).order_by(User.id))]
    loader.bulk(UserRole, ("user_id", "role"), [(user_ids[0], "admin")])
    return user_ids, dict(zip(user_ids, drawn, strict=True))


class Activity:
    """Appends one person's events of each kind (and their points) as rows to the loader."""

    def __init__(
        self, loader: Loader, fixtures: dict, today: date, rng: random.Random, key: str = "bench"
    ) -> None:
        self.fixtures, self.today, self.rng = fixtures, today, rng
        self.key = key  # point entries' idempotency keys are key:n
        self.entries = 0
        self.memberships = loader.rows(
            Membership, ("team_id", "user_id", "status", "joined_at", "status_changed_at")
        )
        self.logins = loader.rows(LoginDay, ("user_id", "day"))
        self.uses = loader.rows(
            LibraryUse,
            ("user_id", "month", "day", "loans", "visits", "minutes", "e_sessions", "import_id"),
        )
        self.attendances = loader.rows(
            Attendance,
            (
                "shift_id",
                "user_id",
                "walk_in",
                "status",
                "checked_in_at",
                "checked_out_at",
                "check_in_method",
                "check_out_method",
                "scan_minutes",
                "added_minutes",
                "verified_at",
                "created_at",
            ),
        )
        self.contributions = loader.rows(
            Contribution,
            (
                "column_id",
                "author_id",
                "title",
                "body",
                "status",
                "published_at",
                "submitted_at",
                "created_at",
                "updated_at",
            ),
        )
        self.points = loader.rows(
            PointEntry,
            ("user_id", "points", "kind", "idempotency_key", "note", "occurred_at", "created_at"),
        )
        self.days = {ago: today - timedelta(days=ago) for ago in range(YEAR)}

    def join(self, user_id: int) -> int:
        """Memberships of a volunteer (one team, sometimes two); their main team's id."""
        fixtures, rng = self.fixtures, self.rng
        team_id = rng.choices(fixtures["teams"], weights=fixtures["team_weights"])[0]
        joined = {team_id}
        if rng.random() < 0.05:
            joined.add(rng.choice(fixtures["teams"]))
        start = fixtures["midnights"][YEAR - 1]
        for other in sorted(joined):
            status = "active" if other == team_id else rng.choice(("active", "paused", "alumni"))
            self.memberships.append((other, user_id, status, start, start))
        return team_id

    def login(self, user_id: int, day: date) -> None:
        self.logins.append((user_id, day))

    def reading(self, user_id: int, day: date) -> None:
        random_ = self.rng.random  # random() alone: randint and choices cost more than the row
        month = f"{day:%Y-%m}"
        self.uses.append(
            (
                user_id,
                month,
                day,
                LOANS[int(random_() * len(LOANS))],
                int(random_() * 3),
                int(random_() * 241),
                int(random_() * 6),
                self.fixtures["imports"][month],
            )
        )

    def service(self, user_id: int, team_id: int, starts_at: datetime, verified: datetime):
        minutes = SERVICE_MINUTES[int(self.rng.random() * len(SERVICE_MINUTES))]
        shift_id = self.fixtures["shifts"][(self.fixtures["tasks"][team_id], starts_at)]
        self.attendances.append(
            (
                shift_id,
                user_id,
                True,
                "out",
                starts_at,
                starts_at + timedelta(minutes=minutes),
                "kiosk",
                "kiosk",
                minutes,
                0,
                verified,
                starts_at,
            )
        )
        self.points_for(user_id, POINTS_PER_HOUR * minutes // 60, "hours", verified)

    def contribution(self, user_id: int, published: datetime) -> None:
        columns = self.fixtures["columns"]
        self.contributions.append(
            (
                columns[int(self.rng.random() * len(columns))],
                user_id,
                "压测投稿",
                "",
                "published",
                published,
                published - timedelta(days=1),
                published - timedelta(days=2),
                published,
            )
        )
        self.points_for(user_id, POINTS_PER_CONTRIBUTION, "contribution", published)

    def points_for(self, user_id: int, points: int, kind: str, at: datetime) -> None:
        self.entries += 1
        self.points.append((user_id, points, kind, f"{self.key}:{self.entries}", "", at, at))

    def on_day(self, user_id: int, kind: str, ago: int, team_id: int | None) -> None:
        """One event of `kind` on the day `ago` days back."""
        if kind == "login":
            self.logins.append((user_id, self.days[ago]))
        elif kind == "reading":
            self.reading(user_id, self.days[ago])
        else:
            midnight = self.fixtures["midnights"][ago]
            if kind == "service":
                starts_at = midnight + (MORNING if self.rng.random() < 0.5 else AFTERNOON)
                self.service(user_id, team_id, starts_at, starts_at + THREE_HOURS)
            else:
                minutes = 480 + int(self.rng.random() * 841)
                self.contribution(user_id, midnight + timedelta(minutes=minutes))


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
    loader.write()
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
        db.session.remove()
        started = time.perf_counter()
        with own_connection(db.engine) as connection:
            loader = Loader(connection)
            fixtures = _fixtures(loader, people, now, today)
            user_ids, college_of = _people(loader, people, now, rng, mix)
            _activity(loader, user_ids, fixtures, today, rng, mix)
        admin = db.session.get(User, user_ids[0]).student_number
        volunteer = _volunteer()
        largest = Counter(college_of.values()).most_common(1)[0][0]
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
    yesterday = from_local_date(today - timedelta(days=1)) + AFTERNOON
    people = list(db.session.scalars(select(User.id).order_by(User.id)))
    chosen = rng.sample(people, max(1, int(len(people) * share)))
    members = dict(
        db.session.execute(
            select(Membership.user_id, Membership.team_id).where(
                Membership.user_id.in_(chosen), Membership.status == "active"
            )
        ).all()
    )
    loader = Loader(db.session.connection())
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
    for user_id in sorted(set(chosen) - logged_in):
        activity.login(user_id, today)
    for model, (columns, rows) in loader.tables.items():
        if rows:
            insert_rows(loader.connection, model.__table__, columns, rows)
    db.session.commit()
    return activity.entries
