"""Load the demo data once, through the accounts services."""

from __future__ import annotations

import random
from contextlib import suppress
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.common.time import from_local_date, local_day, to_local, utcnow
from app.demo.data import COLLEGES, DEMO_ACCOUNTS, DEMO_PASSWORD, GIVEN_CHARS, SURNAMES
from app.errors import InvalidInput
from app.extensions import db
from app.recruitment.models import Team
from app.recruitment.teams import services as team_services

PEOPLE_COUNT = 200
TEAM = "图书馆志愿者队"


def demo_loaded() -> bool:
    return bool(db.session.scalar(select(func.count(User.id))))


def load_demo_data(*, seed: int = 2026, people: int = PEOPLE_COUNT) -> int:
    """Create colleges, majors and people; returns how many people were created.

    Does nothing when people exist already, so `make run` can call it every time.
    """
    if demo_loaded():
        return 0
    rng = random.Random(seed)
    majors = []
    for code, name, major_names in COLLEGES:
        college = accounts.get_or_create_college(code, name)
        majors += [accounts.get_or_create_major(college, m) for m in major_names]
    created = 0
    for number, name, roles, user_type, email, _label in DEMO_ACCOUNTS:
        major = rng.choice(majors)
        fields = accounts.PersonFields(
            student_number=number,
            name=name,
            email=email,
            user_type=user_type,
            college_id=major.college_id,
            major_id=major.id if user_type != "staff" else None,
            enrolment_year=int(number[:4]) if number[:4].isdigit() else None,
            phone=f"138{rng.randrange(10**8):08d}",
        )
        accounts.create_person(
            fields, password=DEMO_PASSWORD, roles=roles, must_change_password=False
        )
        created += 1
    shared_hash = accounts.hash_password(DEMO_PASSWORD)
    names_seen = set()
    while created < people:
        year = rng.choice([2022, 2023, 2024, 2025])
        major = rng.choice(majors)
        name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN_CHARS, rng.choice([1, 2])))
        number = f"{year}14{created:04d}"
        if name in names_seen and rng.random() < 0.7:
            continue
        names_seen.add(name)
        roles = ["volunteer"] if rng.random() < 0.55 else []
        fields = accounts.PersonFields(
            student_number=number,
            name=name,
            email=f"{number}@stu.demo.gongchuang.cn",
            user_type="postgraduate" if rng.random() < 0.15 else "undergraduate",
            college_id=major.college_id,
            major_id=major.id,
            enrolment_year=year,
            phone=f"13{rng.randrange(10**9):09d}",
        )
        accounts.create_person(
            fields,
            password=DEMO_PASSWORD,
            password_hash=shared_hash,
            roles=roles,
            must_change_password=False,
        )
        created += 1
    load_recruitment_demo(rng)
    load_shifts_demo()
    load_checkin_demo()
    load_service_history_demo()
    load_rewards_demo(rng)
    load_columns_demo()
    load_credits_demo()
    load_engagement_demo(rng)
    return created


def demo_logins() -> list[tuple[str, str, str]]:
    """(login, password, what it shows) for the README and `make run`."""
    return [
        (number, DEMO_PASSWORD, f"{name} · {label}") for number, name, *_, label in DEMO_ACCOUNTS
    ]


def _coordinator_and_team() -> tuple[User, Team]:
    """The demo coordinator and the volunteer team they run (made by the recruitment demo)."""
    coordinator = accounts.find_by_login("T0001")
    return coordinator, next(t for t in team_services.teams_for(coordinator) if t.name == TEAM)


def load_recruitment_demo(rng: random.Random, *, now: datetime | None = None) -> None:
    """Two teams run by the demo coordinator, an open campaign in review mode with some
    applications, an open first-come campaign, and a closed lottery campaign, drawn."""
    from app.recruitment import applying, campaigns, review
    from app.recruitment.campaigns import CampaignFields, QuestionFields

    now = (now or utcnow()).replace(second=0, microsecond=0)
    admin = accounts.find_by_login("A0001")
    coordinator = accounts.find_by_login("T0001")
    volunteers = team_services.create_team(
        name=TEAM,
        kind="volunteer_team",
        description="在总馆和分馆服务台、书库和活动中协助读者。每学期至少服务 16 小时。",
        requires_onboarding=True,
        actor=admin,
        now=now,
    )
    assistants = team_services.create_team(
        name="勤工俭学学生助理",
        kind="student_assistants",
        description="每周固定时段在图书馆岗位工作，按小时计酬。",
        actor=admin,
        now=now,
    )
    for team in (volunteers, assistants):
        team_services.grant_coordinator(team, coordinator, actor=admin)
    questions = [
        QuestionFields(kind="long_text", label="你为什么想加入图书馆志愿者队？"),
        QuestionFields(kind="single_choice", label="常去的校区", options=["江安", "望江", "华西"]),
        QuestionFields(
            kind="multiple_choice",
            label="你的特长",
            options=["摄影", "写作", "外语", "设计", "活动组织"],
            required=False,
        ),
        QuestionFields(kind="availability", label="每周可服务的时段"),
    ]
    description = (
        "### 我们在找什么样的你\n\n- 热爱阅读，乐于帮助读者\n- 每周能服务 2 小时以上\n\n"
        "录用后需参加一次岗前培训。"
    )
    consent = "我同意图书馆为志愿服务管理之目的使用我的姓名、学号、联系方式和服务记录。"
    spring = campaigns.create_campaign(
        CampaignFields(
            team_id=volunteers.id,
            title="2026 春季图书馆志愿者招募",
            quota=30,
            opens_at=now - timedelta(days=3),
            closes_at=now + timedelta(days=14),
            description=description,
            consent_text=consent,
            published=True,
        ),
        questions,
        actor=coordinator,
        now=now,
    )
    quick = campaigns.create_campaign(
        CampaignFields(
            team_id=assistants.id,
            title="图书馆勤工俭学助理（先到先得）",
            quota=10,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7),
            description="书库整架岗位，先到先得，满额即止。",
            selection_mode="first_come",
            eligible_user_types=["undergraduate", "postgraduate"],
            published=True,
        ),
        [QuestionFields(kind="short_text", label="联系电话")],
        actor=coordinator,
        now=now,
    )
    lottery = campaigns.create_campaign(
        CampaignFields(
            team_id=volunteers.id,
            title="读书节活动志愿者（抽签）",
            quota=5,
            opens_at=now - timedelta(days=20),
            closes_at=now - timedelta(days=2),
            description="读书节当天的引导与签到工作。报名人数超过名额时抽签决定。",
            selection_mode="lottery",
            published=True,
        ),
        [],
        actor=coordinator,
        now=now,
    )
    students = list(
        db.session.scalars(
            select(User)
            .where(User.user_type.in_(["undergraduate", "postgraduate"]))
            .where(User.student_number.not_in(["2024141002"]))  # the reader tries it out
            .order_by(User.student_number)
        )
    )
    volunteer = accounts.find_by_login("2023141001")
    reasons = [
        "想为同学们服务",
        "我每天都在图书馆，想帮上忙",
        "喜欢书，也想认识新朋友",
        "积累志愿服务经历",
    ]
    others = [student for student in students if student.id != volunteer.id]
    applicants = [volunteer, *rng.sample(others, min(26, len(others)))]
    for index, person in enumerate(applicants[:15]):
        skills = rng.sample(["摄影", "写作", "外语", "设计", "活动组织"], rng.randrange(0, 3))
        days = rng.sample(["mon", "tue", "wed", "thu", "fri", "sat", "sun"], 2)
        answers = {
            str(spring.questions[0].id): rng.choice(reasons),
            str(spring.questions[1].id): rng.choice(["江安", "望江", "华西"]),
            str(spring.questions[2].id): skills,
            str(spring.questions[3].id): {
                day: [rng.choice(["morning", "afternoon"])] for day in days
            },
        }
        applied = now - timedelta(days=2, minutes=index * 37)
        application = applying.apply(spring, person, answers, consent=True, now=applied)
        if index <= 3:  # the demo volunteer (index 0) among the accepted
            review.decide(application, "accepted", actor=coordinator, now=now)
        elif 4 <= index <= 6:
            review.decide(application, "shortlisted", actor=coordinator, now=now)
        elif index == 7:
            review.decide(application, "waitlisted", actor=coordinator, now=now)
    for index, person in enumerate(applicants[15:18]):
        phone = f"13{rng.randrange(10**9):09d}"
        applying.apply(
            quick, person, {str(quick.questions[0].id): phone}, now=now - timedelta(hours=index)
        )
    for person in applicants[18:]:
        applying.apply(lottery, person, {}, now=now - timedelta(days=10))
    review.draw_lottery(lottery, now=now)


def load_shifts_demo(*, now: datetime | None = None) -> None:
    """The volunteer team's onboarding training, a desk service three afternoons a week for
    the next four weeks, and the accepted members onboarded and signed up for some shifts."""
    from app.recruitment import membership
    from app.shifts import shift_edits, signups, task_series, tasks
    from app.shifts.task_series import SeriesFields
    from app.shifts.tasks import TaskFields

    now = now or utcnow()
    coordinator, team = _coordinator_and_team()
    today = local_day(now)
    training = tasks.create_task(
        team.id,
        TaskFields(
            title="志愿者岗前培训",
            kind="training",
            location="总馆三楼培训室",
            is_onboarding=True,
            default_capacity=30,
        ),
        actor=coordinator,
    )
    shift_edits.create_shift(
        training,
        day=today + timedelta(days=6),
        start=time(19),
        end=time(20, 30),
        actor=coordinator,
    )
    desk = tasks.create_task(
        team.id,
        TaskFields(
            title="总馆服务台",
            location="总馆一楼大厅",
            description="解答读者咨询，协助办理借还和座位预约。",
            default_capacity=3,
        ),
        actor=coordinator,
    )
    _series, desk_shifts = task_series.create_series(
        desk,
        SeriesFields(
            weekdays=[0, 2, 4],
            start=time(14),
            end=time(17),
            first_date=today + timedelta(days=1),
            last_date=today + timedelta(days=28),
        ),
        actor=coordinator,
    )
    members = [m for m in membership.roster(team) if m.status == "active"]
    for row in members:
        found = membership.find_membership(team.id, row.user_id)
        membership.mark_onboarded(found, now=now)
    for index, row in enumerate(members):
        person = accounts.get_person(row.user_id)
        for shift in desk_shifts[index : index + 6 : 2]:
            signups.sign_up(shift, person, now=now)


def _attend(shift, person, *, early_minutes: int = 8) -> None:
    """Scan in at the kiosk a little before the start, and out just after the end."""
    from app.checkin import services as checkin
    from app.checkin import tokens

    arrived = shift.starts_at - timedelta(minutes=early_minutes)
    left = shift.ends_at + timedelta(minutes=4)
    for moment, action in ((arrived, "auto"), (left, "out")):
        code = tokens.kiosk_code(shift.id, now=moment)
        checkin.scan_kiosk_code(code, person, action=action, now=moment)


def load_checkin_demo(*, now: datetime | None = None) -> None:
    """Three past desk afternoons that the demo volunteer attended (scanned in and out at
    the kiosk, verified by the coordinator), so "My hours" and the certificate have data;
    and a reading-festival event running now, so the kiosk shows a live code."""
    from app.checkin import attendance_verification
    from app.shifts import shift_edits, signups, tasks
    from app.shifts.tasks import TaskFields

    now = now or utcnow()
    coordinator, team = _coordinator_and_team()
    volunteer = accounts.find_by_login("2023141001")
    desk = next(task for task in tasks.tasks_for(coordinator) if task.title == "总馆服务台")
    today = local_day(now)
    for days_ago in (15, 8, 3):
        day = today - timedelta(days=days_ago)
        before = now - timedelta(days=days_ago + 2)
        shift = shift_edits.create_shift(
            desk, day=day, start=time(14), end=time(17), actor=coordinator, now=before
        )
        signups.sign_up(shift, volunteer, now=before)
        _attend(shift, volunteer)
        attendance_verification.verify_on_time(
            shift, actor=coordinator, now=shift.ends_at + timedelta(hours=1)
        )
    festival = tasks.create_task(
        team.id,
        TaskFields(
            title="读书节开幕式引导",
            kind="event",
            location="总馆报告厅",
            default_capacity=40,
            walk_ins_allowed=True,
        ),
        actor=coordinator,
    )
    local_now = to_local(now).replace(second=0, microsecond=0, tzinfo=None)
    hours = under_way_today(local_now)
    if hours is not None:
        event = shift_edits.create_shift(
            festival, day=local_now.date(), start=hours[0], end=hours[1], actor=coordinator, now=now
        )
        signups.assign(event, volunteer, actor=coordinator, now=now)


def under_way_today(local_now: datetime) -> tuple[time, time] | None:
    """Start and end of an event running at `local_now` (from 20 minutes before to three
    hours after) kept within its day, so the demo has a live kiosk at any hour; None in
    the last minute of the day."""
    midnight = datetime.combine(local_now.date(), time(0))
    start = max(local_now - timedelta(minutes=20), midnight).time()
    end = min(local_now + timedelta(hours=3), midnight + timedelta(hours=23, minutes=59)).time()
    return (start, end) if end > local_now.time() else None


# Who of the volunteer team came to the weekly shelving afternoons of the last 20 weeks, by
# their place on the roster: regulars, one who stopped five weeks ago, one every other week.
SHELVING_WEEKS = 20


def _shelving_attends(index: int, weeks_ago: int) -> bool:
    habit = index % 4
    if habit == 2:
        return weeks_ago >= 5
    if habit == 3:
        return weeks_ago % 2 == 0
    return True


def load_service_history_demo(*, now: datetime | None = None) -> None:
    """Twenty weeks of Tuesday shelving shifts of the volunteer team, attended by habit and
    verified, with one no-show: the history the engagement dashboard and reports draw."""
    from app.checkin import attendance_verification
    from app.recruitment import membership
    from app.shifts import reliability, shift_edits, signups, tasks
    from app.shifts.tasks import TaskFields

    now = now or utcnow()
    coordinator, team = _coordinator_and_team()
    shelving = tasks.create_task(
        team.id,
        TaskFields(title="阅览室整架", location="总馆二楼阅览室", default_capacity=12),
        actor=coordinator,
        now=now - timedelta(weeks=SHELVING_WEEKS + 1),
    )
    members = [
        accounts.get_person(row.user_id)
        for row in membership.roster(team)
        if row.status == "active"
    ]
    today = local_day(now)
    tuesday = today - timedelta(days=today.weekday()) + timedelta(days=1)
    for weeks_ago in range(SHELVING_WEEKS, 0, -1):
        day = tuesday - timedelta(weeks=weeks_ago)
        before = from_local_date(day) - timedelta(days=3)
        shift = shift_edits.create_shift(
            shelving, day=day, start=time(15), end=time(17), actor=coordinator, now=before
        )
        for index, person in enumerate(members):
            if _shelving_attends(index, weeks_ago):
                signups.sign_up(shift, person, now=before)
                if not (index == 1 and weeks_ago == 2):  # the one no-show
                    _attend(shift, person)
        after = shift.ends_at + timedelta(hours=1)
        attendance_verification.verify_on_time(shift, actor=coordinator, now=after)
        reliability.mark_no_shows(now=after)  # as the job would have, an hour after the end


def load_rewards_demo(rng: random.Random, *, now: datetime | None = None) -> None:
    """Last month's library use for every demo person (imported like the library's CSV),
    then what the jobs would do: points for verified hours, badges, the month's stars and
    the leaderboards."""
    import csv
    import io

    from app.rewards import badge_awarding, boards, defaults, points
    from app.rewards.library_use import imports

    now = now or utcnow()
    admin = accounts.find_by_login("A0001")
    defaults.seed_defaults()
    month_start = local_day(now).replace(day=1) - timedelta(days=1)
    month = month_start.strftime("%Y-%m")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["学号", "月份", "借阅次数", "入馆次数", "在馆分钟", "电子资源次数"])
    numbers = db.session.scalars(select(User.student_number).order_by(User.id)).all()
    for number in numbers:
        visits = rng.randint(0, 25)
        writer.writerow(
            [
                number,
                month,
                rng.randint(0, 12),
                visits,
                visits * rng.randint(30, 180),
                rng.randint(0, 30),
            ]
        )
    imports.import_library_use(
        out.getvalue().encode(), "demo-library-use.csv", actor=admin, now=now
    )
    points.award_pending(now=now)
    badge_awarding.evaluate_all(now=now)
    badge_awarding.award_monthly_stars(now=now)
    boards.rebuild(now=now)


def load_credits_demo(*, now: datetime | None = None) -> None:
    """Credit records for the verified demo hours, and a draft batch of this semester that
    the coordinator built and an admin can approve and export."""
    from app.common.semesters import current_semester
    from app.credits import batch_building, batches, defaults, records

    now = now or utcnow()
    coordinator, team = _coordinator_and_team()
    defaults.seed_defaults()
    records.sync_records(now=now)
    semester = current_semester(now)
    scope = batches.BatchScope(
        period_start=semester.start,
        period_end=semester.end,
        semester=semester.code,
        team_id=team.id,
    )
    # Early in a semester the demo hours fall in the previous one: no batch then.
    with suppress(InvalidInput):
        batch_building.build_batch(
            coordinator, title=f"{semester.code} 图书馆志愿者队", scope=scope, now=now
        )


def _demo_tone() -> bytes:
    """One second of a soft 440 Hz tone as a WAV file, so the audio column plays something."""
    import io
    import math
    import struct
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as tone:
        tone.setnchannels(1)
        tone.setsampwidth(2)
        tone.setframerate(8000)
        samples = (int(6000 * math.sin(2 * math.pi * 440 * n / 8000)) for n in range(8000))
        tone.writeframes(b"".join(struct.pack("<h", sample) for sample in samples))
    return out.getvalue()


def load_columns_demo(*, now: datetime | None = None) -> None:
    """The four seeded columns with the editor T0002 on each, published contributions from
    the demo volunteer (a resource pick with links, an idea, a short audio reading) and one
    submission waiting in the editor's queue."""
    import io

    from werkzeug.datastructures import FileStorage

    from app.columns import catalogue, contributions, editorial, media
    from app.columns.contribution_fields import ContributionFields, LinkFields
    from app.rewards import defaults

    now = now or utcnow()
    admin = accounts.find_by_login("A0001")
    editor = accounts.find_by_login("T0002")
    author = accounts.find_by_login("2023141001")
    defaults.seed_defaults()
    catalogue.seed_columns()
    columns = {column.code: column for column in catalogue.all_columns()}
    for column in columns.values():
        catalogue.set_editors(admin, column.id, ["T0002"], now=now)
    picks = contributions.create_draft(
        author,
        columns["picks"].id,
        ContributionFields(
            title="本周推荐：《乡土中国》与费孝通的田野",
            body="费孝通先生的《乡土中国》篇幅不长，却是理解中国基层社会的入门书。\n\n"
            "推荐先读《差序格局》一章，再对照身边的人情往来想一想。",
            show_full_name=True,
            links=[
                LinkFields("乡土中国", call_number="C912.82/12"),
                LinkFields("费孝通全集（电子版）", url="https://example.org/fei"),
            ],
        ),
        now=now,
    )
    idea = contributions.create_draft(
        author,
        columns["ideas"].id,
        ContributionFields(
            title="建议：考试周延长自习区开放时间",
            body="考试周自习区 22:00 就满座，希望能开放到 23:30，并增加插座。",
        ),
        now=now,
    )
    upload = FileStorage(io.BytesIO(_demo_tone()), filename="tone.wav")
    tone = media.store_upload(author, upload, kinds=("audio",), max_bytes=1024 * 1024, now=now)
    reading = contributions.create_draft(
        author,
        columns["audio"].id,
        ContributionFields(title="朗读：《背影》选段（试音）", body="一段试音。", media_id=tone.id),
        now=now,
    )
    for contribution in (picks, idea, reading):
        contributions.submit(author, contribution.id, now=now)
        editorial.approve(editor, contribution.id, now=now)
    waiting = contributions.create_draft(
        author,
        columns["ideas"].id,
        ContributionFields(title="建议：在三楼增设还书箱", body="三楼离总服务台较远，还书不便。"),
        now=now,
    )
    contributions.submit(author, waiting.id, now=now)


# How often demo people used the site over the last 26 weeks: (weight, days between visits
# in the weeks before the last `pause` days, or None for not at all).
LOGIN_HABITS = (
    (3, 7, 0),  # weekly, still coming
    (2, 3, 0),  # every few days
    (2, 7, 35),  # weekly until five weeks ago: at risk
    (1, 4, 0),  # new: only in the last weeks (see below)
    (3, None, 0),  # never
)


def load_engagement_demo(rng: random.Random, *, now: datetime | None = None) -> None:
    """Days on the site for the demo people, then the nightly scoring of each of the last
    12 Mondays and of today, so the engagement trends have points to draw."""
    from app.engagement import services as engagement

    now = now or utcnow()
    weights = [habit[0] for habit in LOGIN_HABITS]
    for user_id in db.session.scalars(select(User.id).order_by(User.id)):
        _weight, every, pause = rng.choices(LOGIN_HABITS, weights=weights)[0]
        if every is None:
            continue
        first = 20 if every == 4 else 7 * 26
        for days_ago in range(pause + rng.randrange(every), first, every):
            accounts.record_login_day(user_id, now=now - timedelta(days=days_ago))
    today = local_day(now)
    monday = today - timedelta(days=today.weekday())
    for weeks_back in range(12, 0, -1):
        day = monday - timedelta(weeks=weeks_back)
        engagement.score_day(now=from_local_date(day) + timedelta(hours=12))
    engagement.score_day(now=now)
