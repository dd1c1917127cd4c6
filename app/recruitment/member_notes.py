"""What a team's coordinators write about a member on the member's team profile.

A note is private: only the coordinators of that team (and admins) read it, only its author
edits it, and the member never sees it on a page (though their personal data export holds
it: people may see what is kept about them). A commendation is shown to the member, tells
them by notification and may award the points of the "commendation" rule, once per
commendation (the ledger key `commendation:{id}`). Every write is audited.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit import services as audit
from app.common.db import add_from_form, get_or_not_found
from app.common.rows import fields_of
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.notifications import services as notifications
from app.notifications.kinds import COMMENDED
from app.recruitment import membership as members
from app.recruitment.access import require_team_manager
from app.recruitment.models import MEMBER_NOTE_KINDS, MemberNote, Team

BODY_MAX = 2000
MY_TEAMS_LINK = "/teams/profile"


def _body(text: str | None) -> str:
    return clean_text(
        text,
        field="body",
        limit=BODY_MAX,
        missing=_l("Please write something."),
        too_long=_l("A note can be at most %(n)d characters long.", n=BODY_MAX),
    )


def _require_member(team: Team, user_id: int) -> None:
    if members.find_membership(team.id, user_id) is None:
        raise NotFound(_("This person is not a member of this team."))


def add(
    team: Team,
    person,
    *,
    kind: str,
    body: str,
    actor,
    award_points: bool = False,
    form_token: str | None = None,
    now: datetime | None = None,
) -> MemberNote:
    """Write a note (or a commendation) about `person`, a member of `team`, as `actor`, one
    of the team's coordinators. The form's one-time `form_token` makes a form posted twice
    (a double click) write, commend and award once: the second post gets the first note."""
    require_team_manager(actor, team)
    _require_member(team, person.id)
    if kind not in MEMBER_NOTE_KINDS:
        raise InvalidInput(_("Please choose a note or a commendation."), field="kind")
    now = now or utcnow()
    note = MemberNote(
        team_id=team.id,
        user_id=person.id,
        author_id=actor.id,
        kind=kind,
        body=_body(body),
        points=0,
        created_at=now,
        form_token=form_token,
    )
    earlier = add_from_form(note)
    if earlier is not None:
        return earlier
    if kind == "commendation":
        _commend(note, person, actor, award_points=award_points, now=now)
    commended = kind == "commendation"
    audit.record(
        "recruitment.member_commended" if commended else "recruitment.member_note_added",
        note,
        actor=actor,
        after=fields_of(note, "team_id", "user_id", "kind", "body", "points"),
        now=now,
    )
    return note


def _commend(note: MemberNote, person, actor, *, award_points: bool, now: datetime) -> None:
    if award_points:
        note.points = _award(note, now=now)
    notifications.notify(
        person,
        COMMENDED.id,
        context={
            "team_name": note.team.name,
            "author_name": actor.name,
            "body": note.body,
            "points": note.points,
        },
        link=MY_TEAMS_LINK,
        now=now,
        dedupe_key=f"commendation:{note.id}",
    )


def _award(note: MemberNote, *, now: datetime) -> int:
    """The points of the active "commendation" rule, booked once for this commendation;
    0 when the rule is switched off."""
    from app.rewards import defaults, points  # rewards reads teams: imported when used

    defaults.seed_defaults()
    rule = points.rule_points(points.COMMENDATION)
    if rule is None or rule.points == 0:
        return 0
    entry = points.award(
        note.user_id,
        rule.points,
        kind=points.COMMENDATION,
        key=f"commendation:{note.id}",
        occurred_at=now,
        source_type="member_note",
        source_id=note.id,
        actor=note.author,
        now=now,
    )
    return entry.points if entry is not None else 0


def get_note(team: Team, user_id: int, note_id: int) -> MemberNote:
    note = get_or_not_found(MemberNote, note_id, _("No such note."))
    if note.team_id != team.id or note.user_id != user_id:
        raise NotFound(_("No such note."))
    return note


def require_author(note: MemberNote, actor) -> None:
    if note.author_id != actor.id:
        raise Forbidden(_("Only the coordinator who wrote this can change it."))


def edit(note: MemberNote, *, body: str, actor, now: datetime | None = None) -> MemberNote:
    """Change the text of a note or commendation; only its author may. Points already
    awarded stay as they are."""
    require_team_manager(actor, note.team_id)
    require_author(note, actor)
    before = fields_of(note, "body")
    note.body = _body(body)
    note.updated_at = now or utcnow()
    audit.record_change(
        "recruitment.member_note_edited",
        note,
        actor=actor,
        before=before,
        after=fields_of(note, "body"),
        now=now,
    )
    db.session.flush()
    return note


def about_member(team: Team, user_id: int) -> list[MemberNote]:
    """The team's notes and commendations on the member, newest first (for its coordinators)."""
    return list(
        db.session.scalars(
            select(MemberNote)
            .where(MemberNote.team_id == team.id, MemberNote.user_id == user_id)
            .order_by(MemberNote.created_at.desc(), MemberNote.id.desc())
        )
    )


def commendations_of(user_id: int) -> list[MemberNote]:
    """What the person may see: their commendations from every team, newest first."""
    return list(
        db.session.scalars(
            select(MemberNote)
            .where(MemberNote.user_id == user_id, MemberNote.kind == "commendation")
            .order_by(MemberNote.created_at.desc(), MemberNote.id.desc())
        )
    )


def forget_person(user) -> None:
    """On anonymisation the text written about the person is blanked; the rows stay (with
    their points, which the ledger keeps anyway)."""
    for note in db.session.scalars(select(MemberNote).where(MemberNote.user_id == user.id)):
        note.body = ""
    db.session.flush()
