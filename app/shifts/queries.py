"""Read queries more than one part of the shifts feature starts from."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from app.shifts.models import Shift, ShiftSignup


def signups_of(user_id: int) -> Select[tuple[ShiftSignup]]:
    """The person's sign-ups, joined to their shifts (filter and order by `Shift`), each
    loaded with its shift and task."""
    return (
        select(ShiftSignup)
        .join(Shift, Shift.id == ShiftSignup.shift_id)
        .where(ShiftSignup.user_id == user_id)
        .options(joinedload(ShiftSignup.shift).joinedload(Shift.task))
    )
