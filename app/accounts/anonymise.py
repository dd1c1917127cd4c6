"""Anonymising a person who has left (PIPL: delete personal information no longer needed).

Irreversible. The person's row stays, under an anonymous id, so their hours, points and
other history keep counting in statistics; what identifies them goes:

- removed: name (→ "已匿名 #<id>"), student number (→ "anon-<id>"), email, phone,
  nickname, major (small majors can single a person out), last login time, roles;
- kept: college, enrolment year and kind of person (for per-college and per-cohort
  statistics), creation time, language;
- the account is deactivated, its password made unusable and every session ended.

The audit log is append-only and is not rewritten: entries written before keep their
snapshots (which may hold the old name or contacts). It is visible to admins only. The
entry for the anonymisation itself holds no identity, only the anonymous id and the reason.

Features that keep their own copies of identifying data (an email outbox, say) name a
function that forgets them with their personal data section (`forget=` of
`personal_data.register_section`); it runs in the same transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, delete

from app import hooks
from app.accounts.models import LoginDay, SsoSession, User, new_session_token
from app.accounts.sessions import delete_sessions
from app.audit import services as audit
from app.common.text import clean_text
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db

ANONYMOUS_NAME = "已匿名"
ANONYMOUS_PREFIX = "anon-"
REASON_MAX = 500
# Not a hash any password can match: werkzeug's check refuses it.
UNUSABLE_PASSWORD = "!anonymised"


def is_anonymised(user: User) -> bool:
    return user.student_number.startswith(ANONYMOUS_PREFIX)


def not_anonymised() -> ColumnElement[bool]:
    """`is_anonymised` negated, as a condition on User for queries."""
    return ~User.student_number.startswith(ANONYMOUS_PREFIX, autoescape=True)


def can_anonymise(user: User, actor: User) -> bool:
    return user.id != actor.id and not is_anonymised(user)


def anonymise_person(
    user: User, *, actor: User, confirmation: str, reason: str, now: datetime | None = None
) -> str:
    """Remove `user`'s identity; returns the anonymous id. `confirmation` must repeat the
    person's student or staff number."""
    if user.id == actor.id:
        raise Forbidden(_("You cannot anonymise your own account."))
    if is_anonymised(user):
        raise Conflict(_("This person has already been anonymised."))
    if (confirmation or "").strip().upper() != user.student_number.upper():
        raise InvalidInput(
            _("Type the person's student or staff number exactly to confirm."),
            field="confirmation",
        )
    reason = clean_text(
        reason,
        field="reason",
        limit=REASON_MAX,
        missing=_l("Please give the reason."),
        too_long=_l("The reason is longer than %(max)d characters.", max=REASON_MAX),
    )
    anonymous_id = secrets.token_hex(6)
    before = {"active": user.active, "roles": sorted(user.role_names)}
    user.student_number = f"{ANONYMOUS_PREFIX}{anonymous_id}"
    user.name = f"{ANONYMOUS_NAME} #{anonymous_id}"
    user.nickname = None
    user.email = None
    user.phone = None
    user.major = None
    user.last_login_at = None
    user.hide_from_boards = True
    user.active = False
    user.must_change_password = False
    user.password_hash = UNUSABLE_PASSWORD
    user.session_token = new_session_token()
    delete_sessions(user.id)
    user.roles.clear()
    for model in (LoginDay, SsoSession):
        db.session.execute(delete(model).where(model.user_id == user.id))
    for hook in hooks.ANONYMISERS.providers:
        hook(user)
    audit.record(
        "accounts.anonymised",
        user,
        actor=actor,
        before=before,
        after={"anonymous_id": anonymous_id, "active": False, "roles": []},
        note=reason,
        now=now or utcnow(),
    )
    hooks.publish("person.anonymised", {"person_id": user.id}, now=now or utcnow())
    return anonymous_id
