"""Every GET page of the app, with ids of objects in the demo data, so that each page
renders real content; shared by the label check (Flask test client) and the axe check
(the browser)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.admin.models import DataHubSource, ImportRun
from app.announcements import editing
from app.announcements import services as announcements
from app.announcements.models import Announcement
from app.api.models import WebhookSubscription
from app.checkin import certificates
from app.checkin.models import Attendance, Certificate
from app.columns import contribution_fields, contributions
from app.columns.contributions import EDITABLE_STATUSES
from app.columns.models import ContentColumn, Contribution
from app.common.time import utcnow
from app.credits.models import CreditBatch, CreditResultUpload, CreditTemplate
from app.engagement import report_years, reports
from app.engagement.models import ReportShare
from app.extensions import db
from app.feedback import services as feedback
from app.feedback.models import FeedbackRequest
from app.messages import services as messages
from app.messages.models import MessageThread
from app.outside import services as outside
from app.outside.models import OutsideClaim
from app.recruitment.models import Application, Campaign, MemberNote, Membership, Team
from app.rewards.models import Badge, BadgeAward, LibraryUseImport
from app.shifts import release
from app.shifts.models import Shift, ShiftSignup
from jobs import history
from tests import factories

# The demo logins: None is anonymous.
ROLES = {
    "anonymous": None,
    "reader": "2024141002",
    "volunteer": "2023141001",
    "editor": "T0002",
    "coordinator": "T0001",
    "admin": "A0001",
}
# Routes that answer with a file, JSON, a feed or a redirect, never an HTML page; the JSON API
# (/api/v1/…) is one of them, all but its documentation page.
API_PAGES = {"api.docs"}
NOT_PAGES = (".csv", ".png", ".json", ".jwt", ".ics", ".svg", ".pdf", ".atom", ".xml", ".<fmt>")
NOT_PAGE_ENDPOINTS = {
    "static",
    "accounts.logout",
    "credits.download",
    "media.show",
    "badges.image",
    "badges.issuer_key",
}


def _first(statement) -> Any:
    return db.session.scalars(statement.limit(1)).first()


def _id_of(login: str) -> int:
    return _first(select(User.id).where(User.student_number == login))


def _own_signup() -> ShiftSignup:
    """The demo volunteer's next confirmed sign-up (their hand-over and can't-make-it
    pages)."""
    return _first(
        select(ShiftSignup)
        .join(Shift)
        .where(ShiftSignup.user_id == _id_of("2023141001"))
        .where(ShiftSignup.status == "confirmed", Shift.starts_at > utcnow())
        .order_by(Shift.starts_at)
    )


def _busiest_shift() -> Shift:
    """A shift with sign-ups, so its sheet, scanner and summary have people on them."""
    return _first(
        select(Shift).join(ShiftSignup).group_by(Shift.id).order_by(db.func.count().desc())
    )


def _own_contribution(*statuses: str) -> Contribution:
    statement = select(Contribution).where(Contribution.author_id == _id_of("2023141001"))
    if statuses:
        statement = statement.where(Contribution.status.in_(statuses))
    return _first(statement.order_by(Contribution.id))


def _published() -> Contribution:
    return _first(select(Contribution).where(Contribution.status == "published"))


def _in_review() -> Contribution:
    return _first(select(Contribution).where(Contribution.status != "published")) or _published()


def _member() -> Membership:
    return _first(select(Membership).where(Membership.status == "active"))


def _group() -> dict:
    college = _first(select(User.college_id).where(User.college_id.is_not(None)))
    return {"kind": "college", "key": college}


# Arguments whose value does not depend on the route.
ARGUMENTS: dict[str, Callable[[], Any]] = {
    "badge_id": lambda: _first(select(Badge.id)),
    "column_id": lambda: _first(select(ContentColumn.id)),
    "code": lambda: _first(select(ContentColumn.code)),
    "template_id": lambda: _first(select(CreditTemplate.id)),
    "source_id": lambda: _first(select(DataHubSource.id)),
    "run_id": lambda: _first(select(ImportRun.id)),
    "job_id": lambda: history.overview()[0].spec.id,
    "import_id": lambda: _first(select(LibraryUseImport.id)),
    "user_id": lambda: _id_of("2023141001"),
    "batch_id": lambda: _first(select(CreditBatch.id)),
    "shift_id": lambda: _busiest_shift().id,
    "public_id": lambda: _first(select(BadgeAward.public_id)),
    "number": lambda: _first(select(Certificate.number)),
    "upload_id": lambda: _first(select(CreditResultUpload.id)),
    "year": report_years.current_year,
    "campaign_id": lambda: _first(select(Campaign.id).order_by(Campaign.id)),
    "application_id": lambda: _first(select(Application.id).order_by(Application.id)),
    "task_id": lambda: _busiest_shift().task_id,
    "team_id": lambda: _first(select(Team.id).order_by(Team.id)),
    "signup_id": lambda: _own_signup().id,
    "token": lambda: _first(select(ReportShare.token)),
    "attendance_id": lambda: _first(
        select(FeedbackRequest.attendance_id).where(FeedbackRequest.user_id == _id_of("2023141001"))
    ),
    "announcement_id": lambda: _first(select(Announcement.id)),
    "thread_id": lambda: _first(select(MessageThread.id)),
    "system_id": lambda: _first(select(WebhookSubscription.system_id)),
    "subscription_id": lambda: _first(select(WebhookSubscription.id)),
    "claim_id": lambda: _first(select(OutsideClaim.id)),
}
# Routes whose arguments belong together, or whose page shows a particular person's object.
ROUTES: dict[str, Callable[[], dict]] = {
    "checkin.scan": lambda: {"code": "no-such-code"},
    "columns.contribution": lambda: {
        "code": _published().column.code,
        "contribution_id": _published().id,
    },
    "contribute.show": lambda: {"contribution_id": _own_contribution().id},
    "contribute.edit": lambda: {"contribution_id": _own_contribution(*EDITABLE_STATUSES).id},
    "editorial.review": lambda: {"contribution_id": _in_review().id},
    "reports.group": _group,
    "wechat_admin.edit_template": lambda: {"kind": "shifts.reminder"},
    "recruitment.lottery": lambda: {
        "campaign_id": _first(select(Campaign.id).where(Campaign.selection_mode == "lottery"))
    },
    "tasks.edit_series": lambda: {
        "shift_id": _first(select(Shift.id).where(Shift.series_id.is_not(None)))
    },
    "reliability.cant_make_it": lambda: {"token": release.release_token(_own_signup())},
    "recruitment.edit_application": lambda: {
        "application_id": _first(
            select(Application.id).where(Application.user_id == _id_of("2023141001"))
        )
    },
    "teams.member": lambda: {"team_id": _member().team_id, "user_id": _member().user_id},
    # No note in the demo data: skipped here, checked with axe by the notes' browser test.
    "teams.edit_member_note": lambda: {
        "team_id": _member().team_id,
        "user_id": _member().user_id,
        "note_id": _first(select(MemberNote.id)),
    },
    "attendance.person": lambda: {
        "shift_id": _busiest_shift().id,
        "user_id": _first(
            select(ShiftSignup.user_id).where(ShiftSignup.shift_id == _busiest_shift().id)
        ),
    },
}


def _value(rule: str, argument: str) -> Any:
    if argument not in ARGUMENTS:
        raise LookupError(f"{rule}: name a demo object for <{argument}> in {__name__}")
    return ARGUMENTS[argument]()


def _sent_announcement(team_id: int) -> None:
    coordinator = db.session.get(User, _id_of("A0001"))
    draft = announcements.Draft(audience="team", target_id=team_id, title="公告", body="**正文**")
    pdf = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="附件.pdf")
    written = announcements.write(coordinator, draft, attachment=pdf)
    announcements.claim_due(now=utcnow())
    announcements.deliver(now=utcnow())
    # Edited after sending: its pages show the edited mark and the earlier text.
    editing.edit(coordinator, written, title="公告（更新）", body="**正文**，已更新")


def add_shared_objects() -> None:
    """What the demo data leaves out: the volunteer's certificate of hours, a shared
    annual report, a draft, a data-hub source, a queued roster import, a request to rate
    a served shift, a sent announcement to the volunteer's team and the volunteer's message to
    its coordinators, and a system's failed webhook, so those pages can be checked too."""
    volunteer = db.session.get(User, _id_of("2023141001"))
    today = utcnow().date()
    with current_app.test_request_context():  # the certificate links to its own page
        certificates.issue_certificate(
            volunteer, certificates.Period(date(today.year - 2, 1, 1), today)
        )
    reports.create_share(volunteer.id, report_years.current_year())
    factories.datahub_source(db.session.get(User, _id_of("A0001")))
    with current_app.test_request_context():
        factories.queued_roster_import(db.session.get(User, _id_of("A0001")))
    served = _first(
        select(Attendance)
        .where(Attendance.user_id == volunteer.id, Attendance.verified_at.is_not(None))
        .order_by(Attendance.id)
    )
    feedback.ask(served)
    team_id = _first(select(Membership.team_id).where(Membership.user_id == volunteer.id))
    _sent_announcement(team_id)
    messages.start(volunteer, team_id, messages.Draft("我会晚到", "周六会晚到十分钟。"))
    factories.failed_webhook(db.session.get(User, _id_of("A0001")), utcnow())
    outside.claim(  # a claim of hours served elsewhere, waiting for the coordinators
        volunteer,
        outside.ClaimFields("望江社区", today - timedelta(days=2), "2"),
        upload=FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="证明.pdf"),
    )
    column = _first(select(ContentColumn).where(ContentColumn.kind == "article"))
    contributions.create_draft(
        volunteer, column.id, contribution_fields.ContributionFields(title="草稿", body="未完待续")
    )


def page_urls(app: Flask) -> list[str]:
    """One address for every GET route that answers with an HTML page."""
    urls = []
    with app.app_context():
        adapter = app.url_map.bind("localhost")
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if (
                "GET" not in rule.methods
                or rule.endpoint in NOT_PAGE_ENDPOINTS
                or rule.rule.endswith(NOT_PAGES)
                or (rule.rule.startswith("/api/") and rule.endpoint not in API_PAGES)
            ):
                continue
            if rule.endpoint in ROUTES:
                values = ROUTES[rule.endpoint]()
            else:
                values = {argument: _value(rule.rule, argument) for argument in rule.arguments}
            # An object the demo data lacks: the page answers 404 and the crawl skips it.
            values = {key: 0 if value is None else value for key, value in values.items()}
            urls.append(adapter.build(rule.endpoint, values))
        db.session.remove()
    return urls
