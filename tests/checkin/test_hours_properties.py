"""Properties of credited hours (app.checkin.hours), for any shift, task rules and stay:
minutes run from the later of check-in and the start to the check-out, are capped at the
scheduled length plus the task's tolerance and rounded to the task's step (halves up); never
negative, never past the cap, more for a longer stay, and added minutes never take a record
past the cap either. The shifts and tasks are plain objects, never saved."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.checkin import hours
from app.checkin.models import Attendance
from app.shifts.models import Shift, Task
from app.shifts.tasks import HOURS_ROUNDING_RANGE, HOURS_TOLERANCE_RANGE

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
START = datetime(2026, 10, 12, 2, 0)


def a_shift(length: int, tolerance: int, step: int) -> Shift:
    task = Task(hours_tolerance_minutes=tolerance, hours_rounding_minutes=step)
    return Shift(starts_at=START, ends_at=START + timedelta(minutes=length), task=task)


SHIFTS = st.builds(
    a_shift,
    length=st.integers(1, 12 * 60),
    tolerance=st.integers(*HOURS_TOLERANCE_RANGE),
    step=st.integers(*HOURS_ROUNDING_RANGE),
)
# Seconds from the shift's start: from an early arrival to a late check-out.
MOMENTS = st.integers(-4 * 3600, 16 * 3600).map(lambda seconds: START + timedelta(seconds=seconds))
STEPS = st.integers(*HOURS_ROUNDING_RANGE)


def served_minutes(shift: Shift, checked_in_at: datetime, checked_out_at: datetime) -> int:
    """Whole minutes from the later of check-in and start to the check-out (0 if none)."""
    start = max(checked_in_at, shift.starts_at)
    return max(0, int((checked_out_at - start).total_seconds()) // 60)


@PROPERTY
@given(minutes=st.integers(0, 24 * 60), step=STEPS)
def test_rounding_goes_to_the_nearest_step_and_halves_go_up(minutes, step):
    rounded = hours.round_to_step(minutes, step)

    assert rounded % step == 0
    assert abs(rounded - minutes) * 2 <= step
    if abs(rounded - minutes) * 2 == step:
        assert rounded > minutes
    assert hours.round_to_step(minutes + 1, step) >= rounded


@PROPERTY
@given(shift=SHIFTS, checked_in_at=MOMENTS, checked_out_at=MOMENTS)
def test_credited_minutes_are_never_negative_nor_past_the_cap(shift, checked_in_at, checked_out_at):
    credited = hours.credited_minutes(shift, checked_in_at, checked_out_at)
    cap = hours.scheduled_minutes(shift) + shift.task.hours_tolerance_minutes

    assert 0 <= credited <= cap
    assert hours.cap_minutes(shift) == cap
    if checked_out_at <= max(checked_in_at, shift.starts_at):
        assert credited == 0


@PROPERTY
@given(shift=SHIFTS, checked_in_at=MOMENTS, checked_out_at=MOMENTS)
def test_credited_minutes_are_the_stay_capped_then_rounded(shift, checked_in_at, checked_out_at):
    credited = hours.credited_minutes(shift, checked_in_at, checked_out_at)
    cap = hours.cap_minutes(shift)
    step = shift.task.hours_rounding_minutes
    stayed = min(served_minutes(shift, checked_in_at, checked_out_at), cap)

    # Within half a step of the (capped) stay, on a step, unless the cap itself cut it.
    assert abs(credited - stayed) * 2 <= step
    assert credited % step == 0 or credited == cap


@PROPERTY
@given(shift=SHIFTS, checked_in_at=MOMENTS, out=MOMENTS, later=st.integers(0, 5 * 3600))
def test_a_later_check_out_never_credits_less(shift, checked_in_at, out, later):
    sooner = hours.credited_minutes(shift, checked_in_at, out)
    longer = hours.credited_minutes(shift, checked_in_at, out + timedelta(seconds=later))
    assert longer >= sooner


@PROPERTY
@given(shift=SHIFTS, checked_in_at=MOMENTS, out=MOMENTS, later=st.integers(0, 5 * 3600))
def test_a_later_check_in_never_credits_more(shift, checked_in_at, out, later):
    earlier = hours.credited_minutes(shift, checked_in_at, out)
    late = hours.credited_minutes(shift, checked_in_at + timedelta(seconds=later), out)
    assert late <= earlier


@PROPERTY
@given(shift=SHIFTS, early=st.integers(0, 4 * 3600), checked_out_at=MOMENTS)
def test_an_early_arrival_counts_from_the_start(shift, early, checked_out_at):
    arrived = shift.starts_at - timedelta(seconds=early)
    assert hours.credited_minutes(shift, arrived, checked_out_at) == hours.credited_minutes(
        shift, shift.starts_at, checked_out_at
    )


@PROPERTY
@given(shift=SHIFTS, checked_in_at=MOMENTS, checked_out_at=MOMENTS)
def test_added_minutes_fill_a_record_up_to_the_cap_and_no_further(
    shift, checked_in_at, checked_out_at
):
    scanned = hours.credited_minutes(shift, checked_in_at, checked_out_at)
    record = Attendance(shift=shift, scan_minutes=scanned, added_minutes=0)

    room = hours.max_added_minutes(record)

    assert room >= 0
    assert scanned + room == hours.cap_minutes(shift)
