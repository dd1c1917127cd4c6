"""The shared database helpers: a counter with a limit, adding a row only once,
fetching a row by id or saying it is not there, and updating a row only while it is as read."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import College
from app.common.db import (
    add_once,
    add_seeded,
    get_or_not_found,
    give_one_back,
    sql_in,
    take_one,
    update_if,
)
from app.errors import NotFound
from app.notifications.models import Notification
from app.shifts.models import Shift
from tests import factories
from tests.shifts import signup_data


def _shift(capacity: int) -> Shift:
    return signup_data.shift(signup_data.task(signup_data.team()), capacity=capacity)


def test_take_one_counts_up_to_the_limit_and_no_further(db):
    shift = _shift(capacity=1)

    assert take_one(shift, "confirmed_count", "capacity") is True
    assert shift.confirmed_count == 1
    assert take_one(shift, "confirmed_count", "capacity") is False
    assert shift.confirmed_count == 1


def test_take_one_also_needs_the_extra_conditions(db):
    shift = _shift(capacity=3)

    assert take_one(shift, "confirmed_count", "capacity", Shift.status == "cancelled") is False
    assert shift.confirmed_count == 0


def test_give_one_back_never_goes_below_zero(db):
    shift = _shift(capacity=2)
    take_one(shift, "confirmed_count", "capacity")

    give_one_back(shift, "confirmed_count")
    give_one_back(shift, "confirmed_count")

    assert shift.confirmed_count == 0


def _notification(user_id: int, key: str | None) -> Notification:
    return Notification(user_id=user_id, kind="test", title="t", dedupe_key=key)


def test_add_once_adds_and_answers_none(db):
    user = factories.person()
    row = _notification(user.id, "k")

    assert add_once(row, existing=lambda: None) is None
    assert db.session.scalar(select(Notification.id).where(Notification.dedupe_key == "k"))


def test_add_once_answers_what_is_there_when_the_key_is_taken(db):
    user = factories.person()
    first = _notification(user.id, "k")
    add_once(first, existing=lambda: None)

    found = add_once(_notification(user.id, "k"), existing=lambda: first)

    assert found is first
    assert db.session.scalars(select(Notification)).all() == [first]


def test_add_once_raises_when_nothing_explains_the_clash(db):
    user = factories.person()
    add_once(_notification(user.id, "k"), existing=lambda: None)

    with pytest.raises(IntegrityError):
        add_once(_notification(user.id, "k"), existing=lambda: None)


def test_add_seeded_answers_whether_the_rows_went_in(db):
    user = factories.person()

    assert add_seeded(_notification(user.id, "k"), _notification(user.id, "l")) is True
    assert add_seeded(_notification(user.id, "k")) is False
    assert len(db.session.scalars(select(Notification)).all()) == 2


def test_get_or_not_found_answers_the_row_or_not_found_with_the_message(db):
    shift = _shift(capacity=1)

    assert get_or_not_found(Shift, shift.id, "gone") is shift
    with pytest.raises(NotFound) as refused:
        get_or_not_found(Shift, shift.id + 1000, "gone")
    assert refused.value.message == "gone"


def test_update_if_updates_only_while_the_conditions_hold(db):
    shift = _shift(capacity=1)

    assert update_if(shift, Shift.status == "scheduled", status="cancelled", note="x") is True
    assert (shift.status, shift.note) == ("cancelled", "x")
    assert update_if(shift, Shift.status == "scheduled", status="scheduled") is False
    assert shift.status == "cancelled"


def test_sql_in_lists_the_values_for_a_check_constraint():
    assert sql_in("status", ("in", "out")) == "status IN ('in', 'out')"


def test_get_or_not_found_returns_the_row(db):
    college = factories.college()

    assert get_or_not_found(College, college.id, "No such college.") is college


def test_get_or_not_found_raises_with_the_message(db):
    with pytest.raises(NotFound) as raised:
        get_or_not_found(College, 999_999, "No such college.")

    assert str(raised.value.message) == "No such college."
