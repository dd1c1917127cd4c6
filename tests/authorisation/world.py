"""The world the authorisation matrix runs in: the demo data plus what it lacks, so that
every route has a real object to point at, owned by someone known.

The subject is the demo volunteer (2023141001), whose records are in the coordinator
T0001's team. `other` is another volunteer of that team with records of the same kinds; a
coordinator T0009 runs a team of their own and nothing else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts import services as accounts
from app.accounts.models import User
from app.admin.models import DataHubSource, ImportRun
from app.announcements import services as announcements
from app.announcements.models import Announcement
from app.announcements.services import Draft
from app.api import services as api_tokens
from app.checkin import certificates, offline
from app.checkin.models import Attendance
from app.columns import catalogue, comments, contributions, media
from app.columns.contribution_fields import ContributionFields
from app.columns.models import Contribution
from app.common.semesters import current_semester
from app.common.time import utcnow
from app.credits import batch_building, batch_export
from app.credits import batches as credit_batches
from app.credits import results as credit_results
from app.credits.models import (
    CreditBatch,
    CreditBatchItem,
    CreditResultUpload,
    CreditRule,
    CreditTemplate,
)
from app.demo import services as demo
from app.engagement import reports
from app.extensions import db
from app.feedback import services as feedback
from app.messages import services as messages
from app.notifications import services as notifications
from app.outside import services as outside
from app.recruitment import member_notes
from app.recruitment.models import Application, Campaign, Membership, Team
from app.recruitment.teams import services as team_services
from app.rewards import badge_images, badge_signing
from app.rewards.models import Badge, BadgeAward, LibraryUseImport, PointEntry, PointRule
from app.shifts import calendar, handovers, release
from app.shifts.models import Shift, ShiftDrawEntry, ShiftSignup, SignupPause, Task
from tests import factories
from tests.shifts import series_data

ROLES = ("anonymous", "volunteer", "editor", "other_coordinator", "coordinator", "admin")
LOGINS = {
    "anonymous": None,
    "volunteer": "2023141001",
    "editor": "T0002",
    "other_coordinator": "T0009",
    "coordinator": "T0001",
    "admin": "A0001",
}


@dataclass
class World:
    """Ids of the subject's records (`own`) and of someone else's of the same kind
    (`foreign`), by URL argument name."""

    own: dict[str, object] = field(default_factory=dict)
    foreign: dict[str, object] = field(default_factory=dict)
    volunteer_id: int = 0
    other_id: int = 0


def _first(query):
    found = db.session.scalars(query.limit(1)).first()
    assert found is not None, f"the matrix world lacks {query}"
    return found


def _records_for(person: User, column_id: int, now) -> dict[str, object]:
    """A certificate, an API token, a draft contribution with its audio, a shared annual
    report, a notification, an offered shift place and a request to rate a served shift, all
    of `person`."""
    today = now.date()
    period = certificates.period_from(None, today - timedelta(days=365), today, now=now)
    certificate, _pdf = certificates.issue_certificate(person, period, now=now)
    token = api_tokens.create_token(
        person, name="matrix", scopes=["profile:read"], days=30, now=now
    )
    upload = FileStorage(io.BytesIO(demo._demo_tone()), filename="tone.wav")
    audio = media.store_upload(person, upload, kinds=("audio",), max_bytes=1 << 20, now=now)
    draft = contributions.create_draft(
        person, column_id, ContributionFields(title="草稿", body="正文", media_id=audio.id), now=now
    )
    share = reports.create_share(person.id, now.year, now=now)
    notice = notifications.notify(person, "badges.awarded", context={"badge": "阅读之星"}, now=now)
    future = _first(
        select(ShiftSignup)
        .join(Shift)
        .where(ShiftSignup.user_id == person.id, ShiftSignup.status == "confirmed")
        .where(Shift.starts_at > now + timedelta(days=2))
        .order_by(Shift.starts_at)
    )
    offer = handovers.offer_place(future, actor=person, now=now)
    served = _first(
        select(Attendance)
        .where(Attendance.user_id == person.id, Attendance.verified_at.is_not(None))
        .order_by(Attendance.id)
    )
    rating = feedback.ask(served, now=now)
    # A waiting entry in a shift's sign-up draw (entering needs an open draw window).
    draw_entry = ShiftDrawEntry(shift_id=future.shift_id, user_id=person.id, entered_at=now)
    db.session.add(draw_entry)
    db.session.flush()
    # A claim of hours served elsewhere, waiting, with its evidence file.
    evidence = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="证明.pdf")
    claim = outside.claim(
        person,
        outside.ClaimFields("望江社区", now.date() - timedelta(days=3), "2"),
        upload=evidence,
        now=now,
    )
    return {
        "claim_id": claim.id,
        "draw_entry_id": draw_entry.id,
        "certificate_id": certificate.id,
        "number": certificate.number,
        "token_id": token.token.id,
        "contribution_id": draft.id,
        "media_id": audio.id,
        "token": share.token,
        "notification_id": notice.id,
        "handover_id": offer.id,
        "rated_attendance_id": rating.attendance_id,
        "signup_id": _first(
            select(ShiftSignup.id)
            .join(Shift)
            .where(ShiftSignup.user_id == person.id, ShiftSignup.status == "confirmed")
            .where(Shift.starts_at > now + timedelta(days=2), ShiftSignup.id != future.id)
        ),
        "attendance_id": _first(
            select(Attendance.id).where(Attendance.user_id == person.id).order_by(Attendance.id)
        ),
        "application_id": _first(select(Application.id).where(Application.user_id == person.id)),
        "membership_id": _first(select(Membership.id).where(Membership.user_id == person.id)),
        "public_id": _first(select(BadgeAward.public_id).where(BadgeAward.user_id == person.id)),
        "entry_id": _first(select(PointEntry.id).where(PointEntry.user_id == person.id)),
        "user_id": person.id,
    }


def build_world() -> World:
    demo.load_demo_data()
    now = utcnow()
    admin = accounts.find_by_login("A0001")
    volunteer = accounts.find_by_login("2023141001")
    team = _first(select(Team).where(Team.name == "图书馆志愿者队"))
    other = _first(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Attendance, Attendance.user_id == User.id)
        .where(Membership.team_id == team.id, Membership.status == "active")
        .where(User.id != volunteer.id)
        .order_by(User.id)
    )
    other_coordinator = factories.person(
        roles=["coordinator"], name="周老师", student_number="T0009", password="gongchuang2026"
    )
    other_team = team_services.create_team(
        name="古籍修复志愿队", kind="volunteer_team", actor=admin, now=now
    )
    team_services.grant_coordinator(other_team, other_coordinator, actor=admin)
    ideas = next(c for c in catalogue.all_columns() if c.code == "audio")
    factories.datahub_source(admin)
    factories.queued_roster_import(admin)
    world = World(volunteer_id=volunteer.id, other_id=other.id)
    world.own = _records_for(volunteer, ideas.id, now)
    world.foreign = _records_for(other, ideas.id, now)
    for records, person in ((world.own, volunteer), (world.foreign, other)):
        draft = messages.Draft("迟到", "我会晚到十分钟")
        records["thread_id"] = messages.start(person, team.id, draft, now=now).id
    db.session.flush()
    _add_team_objects(world, team, now)
    db.session.commit()
    return world


def _exported_batch(team: Team, now) -> CreditBatch:
    """The coordinator's credit batch, approved by the admin, exported, and answered by a
    result file that accepts its first line."""
    coordinator = accounts.find_by_login("T0001")
    admin = accounts.find_by_login("A0001")
    batch = db.session.scalars(select(CreditBatch).order_by(CreditBatch.id)).first()
    if batch is None:  # early in a semester the demo builds none
        today = now.date()
        scope = credit_batches.BatchScope(
            period_start=today - timedelta(days=400), period_end=today, team_id=team.id
        )
        batch = batch_building.build_batch(coordinator, title="矩阵", scope=scope, now=now)
    credit_batches.approve_batch(admin, batch.id, now=now)
    template = _first(select(CreditTemplate).order_by(CreditTemplate.id))
    batch_export.export_batch(coordinator, batch.id, template.id, now=now)
    item = _first(select(CreditBatchItem).where(CreditBatchItem.batch_id == batch.id))
    answer = f"记录编号,结果,原因\n{item.line_number},通过,\n".encode()
    credit_results.import_results(coordinator, filename="结果.csv", data=answer, now=now)
    return batch


def _pause(person: User, team: Team, now) -> SignupPause:
    """A pause of self sign-up, as three no-shows in a semester would leave it."""
    pause = SignupPause(
        user_id=person.id, team_id=team.id, semester=current_semester(now).code, no_shows=3
    )
    db.session.add(pause)
    db.session.flush()
    return pause


def _coordinator_note(team: Team, volunteer: User, now):
    """A private note the team's coordinator (T0001) wrote about the subject."""
    author = accounts.find_by_numbers(["T0001"])["T0001"]
    return member_notes.add(team, volunteer, kind="note", body="准时", actor=author, now=now)


def _badge_image() -> str:
    """An uploaded badge image (a tiny PNG): its public address exists."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, format="PNG")
    buffer.seek(0)
    return badge_images.store(FileStorage(buffer, filename="badge.png"))


def _announcement(team: Team, now) -> Announcement:
    """The coordinator's announcement to the team with a PDF, sent: the volunteer has it."""
    coordinator = accounts.find_by_login("T0001")
    draft = Draft(audience="team", target_id=team.id, title="矩阵公告", body="正文")
    pdf = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="排班表.pdf")
    written = announcements.write(coordinator, draft, attachment=pdf, now=now)
    announcements.claim_due(now=now)
    announcements.deliver(now=now)
    return written


def _series(team: Team) -> int:
    task = db.session.scalar(select(Task).where(Task.team_id == team.id).order_by(Task.id))
    series, _shifts = series_data.series(task, weeks=2)
    return series.id


def _add_team_objects(world: World, team: Team, now) -> None:
    """Objects of the coordinator's team (the same in `own` and `foreign`), and the values
    of URL arguments that are not ids of someone's records."""
    volunteer = db.session.get(User, world.volunteer_id)
    batch = _exported_batch(team, now)
    published = _first(select(Contribution).where(Contribution.status == "published"))
    own_signup = db.session.get(ShiftSignup, world.own["signup_id"])
    shared = {
        "team_id": team.id,
        "campaign_id": _first(select(Campaign.id).where(Campaign.team_id == team.id)),
        "lottery_campaign_id": _first(
            select(Campaign.id).where(Campaign.selection_mode == "lottery")
        ),
        "task_id": _first(select(Task.id).where(Task.team_id == team.id).order_by(Task.id)),
        "shift_id": db.session.scalar(
            select(Attendance.shift_id).where(Attendance.id == world.own["attendance_id"])
        ),
        "series_shift_id": _first(select(Shift.id).where(Shift.series_id.is_not(None))),
        # A series of its own: cancelling the rest of it must not take away the sign-up
        # "I can't make it" names from the roles after the volunteer.
        "series_id": _series(team),
        "batch_id": batch.id,
        "item_id": _first(select(CreditBatchItem.id).where(CreditBatchItem.batch_id == batch.id)),
        "upload_id": _first(select(CreditResultUpload.id)),
        "import_id": _first(select(LibraryUseImport.id)),
        "published_id": published.id,
        "published_code": published.column.code,
        "comment_id": comments.add_comment(volunteer, published.id, "写得好", now=now).id,
        "submitted_id": _first(select(Contribution.id).where(Contribution.status == "submitted")),
        "college_id": volunteer.college_id,
        "year": now.year,
        "feed_token": calendar.issue_feed(volunteer, now=now),
        "release_token": release.release_token(own_signup),
        "badge_id": _first(select(Badge.id)),
        "column_id": published.column_id,
        "rule_id": _first(select(PointRule.id)),
        "credit_rule_id": _first(select(CreditRule.id)),
        "template_id": _first(select(CreditTemplate.id)),
        "source_id": _first(select(DataHubSource.id)),
        "import_run_id": _first(select(ImportRun.id)),
        "pause_id": _pause(db.session.get(User, world.other_id), team, now).id,
        "no_show_signup_id": _first(
            select(ShiftSignup.id).where(ShiftSignup.no_show_at.is_not(None))
        ),
        "signup_shift_id": own_signup.shift_id,
        "note_id": _coordinator_note(team, volunteer, now).id,
        "announcement_id": _announcement(team, now).id,
        "name": _badge_image(),
        "thumbprint": badge_signing.signing_key().thumbprint(),
    }
    shared["device_id"] = offline.issue_device(
        db.session.get(Shift, shared["shift_id"]), actor=accounts.find_by_login("T0001"), now=now
    ).id
    admin = db.session.scalar(select(User).where(User.roles.any(role="admin")))
    delivery = factories.failed_webhook(admin, now)
    shared["delivery_id"] = delivery.id
    shared["subscription_id"] = delivery.subscription_id
    shared["system_id"] = delivery.subscription.system_id
    world.own.update(shared)
    world.foreign.update(shared)
