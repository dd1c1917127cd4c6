"""The check-in rules, on a frozen clock: the window, late, walk-ins, refusals with their
reason in the scan log, check-out hours, replayed retries and the forgotten check-out job."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.checkin import attendance_corrections, services, tokens, windows
from app.checkin.models import Attendance, ScanLog
from app.errors import Forbidden
from app.shifts.models import ShiftSignup
from tests.checkin import checkin_data as data

START = datetime(2025, 3, 10, 6, 0)  # 14:00 in Chengdu
MINUTE = timedelta(minutes=1)


@pytest.fixture
def desk(db):
    """A 3-hour shift starting at START with two places, and a team to draw people from."""
    team = data.team()
    task = data.task(team)
    shift = data.shift(task, starts_in=timedelta(0), hours=3, capacity=2, now=START)
    return team, task, shift


def volunteer(team, shift, *, name: str = "王五"):
    person = data.member(team, name=name)
    data.signed_up(shift, person)
    return person


def scan(shift, person, at: datetime, **kwargs):
    return services.scan_kiosk_code(tokens.kiosk_code(shift.id, now=at), person, now=at, **kwargs)


def logs(shift_id: int | None = None) -> list[ScanLog]:
    query = select(ScanLog).order_by(ScanLog.id)
    if shift_id is not None:
        query = query.where(ScanLog.shift_id == shift_id)
    return list(services.db.session.scalars(query))


def signup_of(shift, person) -> ShiftSignup:
    return services.db.session.scalar(
        select(ShiftSignup).where(
            ShiftSignup.shift_id == shift.id, ShiftSignup.user_id == person.id
        )
    )


def records(shift) -> list[Attendance]:
    return list(
        services.db.session.scalars(select(Attendance).where(Attendance.shift_id == shift.id))
    )


def test_a_signed_up_volunteer_checks_in_and_the_scan_is_logged(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)

    result = scan(shift, person, START - 10 * MINUTE, device="iPhone", ip="10.0.0.7")

    assert (result.outcome, result.reason, result.replayed) == ("checked_in", None, False)
    assert result.person is person and result.shift is shift
    record = result.attendance
    assert (record.status, record.late, record.walk_in) == ("in", False, False)
    assert record.checked_in_at == START - 10 * MINUTE and record.check_in_method == "kiosk"
    assert "13:50" in result.message  # the local time, as on the phone
    [entry] = logs(shift.id)
    assert (entry.method, entry.action, entry.outcome, entry.reason) == (
        "kiosk",
        "check_in",
        "ok",
        None,
    )
    assert (entry.user_id, entry.attendance_id, entry.device, entry.ip) == (
        person.id,
        record.id,
        "iPhone",
        "10.0.0.7",
    )


@pytest.mark.parametrize(
    ("offset", "outcome", "reason"),
    [
        (-31 * MINUTE, "refused", "outside_window"),
        (-30 * MINUTE, "checked_in", None),
        (5 * MINUTE, "checked_in", None),
        (6 * MINUTE, "checked_in", "late"),
        (3 * 60 * MINUTE - timedelta(seconds=1), "checked_in", "late"),
        (3 * 60 * MINUTE, "refused", "outside_window"),
    ],
)
def test_the_window_opens_30_minutes_before_and_closes_at_the_end(desk, offset, outcome, reason):
    team, _task, shift = desk
    result = scan(shift, volunteer(team, shift), START + offset)
    assert (result.outcome, result.reason) == (outcome, reason)
    assert len(records(shift)) == (1 if outcome == "checked_in" else 0)
    assert [entry.reason for entry in logs(shift.id)] == [reason]


def test_the_window_and_late_follow_the_task_settings(desk):
    team, task, shift = desk
    task.checkin_opens_minutes, task.late_after_minutes = 60, 0
    first, second = volunteer(team, shift, name="甲"), volunteer(team, shift, name="乙")
    assert scan(shift, first, START - 59 * MINUTE).outcome == "checked_in"
    assert scan(shift, second, START + MINUTE).reason == "late"


def test_a_second_scan_answers_already_in_with_the_time_and_keeps_one_record(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    scan(shift, person, START - 2 * MINUTE)

    again = scan(shift, person, START + 40 * MINUTE)

    assert (again.outcome, again.reason) == ("already_in", None)
    assert "13:58" in again.message
    assert len(records(shift)) == 1
    assert [(e.outcome, e.reason) for e in logs(shift.id)] == [
        ("ok", None),
        ("refused", "already_in"),
    ]


def test_people_not_signed_up_are_refused_unless_the_task_takes_walk_ins(desk):
    team, task, shift = desk
    outsider = data.member(team, name="路人")
    refused = scan(shift, outsider, START)
    assert (refused.outcome, refused.reason) == ("refused", "not_signed_up")

    task.walk_ins_allowed = True
    walked_in = scan(shift, outsider, START + MINUTE)
    assert (walked_in.outcome, walked_in.reason) == ("checked_in", "walk_in")
    assert walked_in.attendance.walk_in
    # The walk-in holds a place like anyone confirmed, through a sign-up of their own.
    assert signup_of(shift, outsider).status == "confirmed"
    assert walked_in.attendance.signup_id == signup_of(shift, outsider).id
    assert shift.confirmed_count == 1


def test_a_walk_in_undone_and_scanned_again_holds_one_place(desk):
    team, task, shift = desk
    task.walk_ins_allowed = True
    outsider = data.member(team, name="路人")
    walked_in = scan(shift, outsider, START)
    attendance_corrections.undo_check_in(
        walked_in.attendance, actor=data.coordinator(team), now=START + MINUTE
    )

    again = scan(shift, outsider, START + 2 * MINUTE)

    assert again.outcome == "checked_in"
    assert shift.confirmed_count == 1
    assert len(records(shift)) == 1


def test_a_walk_in_needs_room_and_a_waitlisted_person_counts_as_not_signed_up(desk):
    team, task, shift = desk
    volunteer(team, shift, name="甲")
    volunteer(team, shift, name="乙")
    waiting = volunteer(team, shift, name="丙")
    assert signup_of(shift, waiting).status == "waitlisted"

    assert scan(shift, waiting, START).reason == "not_signed_up"
    task.walk_ins_allowed = True
    full = scan(shift, waiting, START + MINUTE)
    assert (full.outcome, full.reason) == ("refused", "full")
    assert records(shift) == [] and shift.confirmed_count == 2


def test_a_walk_in_must_be_eligible_for_the_task(desk):
    _team, task, shift = desk
    task.walk_ins_allowed = True
    stranger = data.member(data.team(), name="别队的人")
    result = scan(shift, stranger, START)
    assert (result.outcome, result.reason) == ("refused", "not_eligible")
    assert shift.confirmed_count == 0


def test_a_cancelled_shift_and_an_inactive_account_are_refused(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    person.active = False
    assert scan(shift, person, START).reason == "not_eligible"
    person.active = True
    shift.status = "cancelled"
    assert scan(shift, person, START + MINUTE).reason == "cancelled"
    assert records(shift) == []
    assert [e.reason for e in logs(shift.id)] == ["not_eligible", "cancelled"]


def test_bad_codes_are_refused_with_their_reason(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    code = tokens.kiosk_code(shift.id, now=START)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    answers = [
        services.scan_kiosk_code(text, person, now=START)
        for text in (tokens.kiosk_code(shift.id, now=START - 2 * MINUTE), forged, "hello")
    ]
    assert [(a.outcome, a.reason) for a in answers] == [
        ("refused", "expired"),
        ("refused", "forged"),
        ("refused", "malformed"),
    ]
    assert records(shift) == []
    reasons = [(e.reason, e.shift_id, e.user_id) for e in logs()]
    assert reasons == [
        ("expired", shift.id, person.id),
        ("forged", shift.id, person.id),
        ("malformed", None, person.id),
    ]


def test_a_forged_code_naming_no_shift_is_logged_without_one(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    result = services.scan_kiosk_code("999999.123.AAAAAAAAAAAAAAAA", person, now=START)
    assert result.reason == "forged" and result.shift is None
    assert [(e.reason, e.shift_id) for e in logs()] == [("forged", None)]


def test_a_code_read_before_logging_in_is_judged_when_it_was_read(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    code = tokens.kiosk_code(shift.id, now=START)
    later = START + 3 * MINUTE
    assert services.scan_kiosk_code(code, person, now=later).reason == "expired"
    result = services.scan_kiosk_code(code, person, now=later, read_at=START)
    assert result.outcome == "checked_in"
    stale = services.scan_kiosk_code(code, person, now=START + 20 * MINUTE, read_at=START)
    assert stale.reason == "expired"


def test_check_out_credits_the_stay_capped_and_rounded(desk):
    team, _task, shift = desk
    early, usual = volunteer(team, shift, name="甲"), volunteer(team, shift, name="乙")

    scan(shift, early, START - 20 * MINUTE)
    scan(shift, usual, START)
    out_early = scan(shift, early, START + 97 * MINUTE, action="out")
    out_usual = scan(shift, usual, START + 3 * 60 * MINUTE + 100 * MINUTE, action="out")

    # Early arrivals count from the start; 97 minutes round to 90 (step 15).
    assert (out_early.outcome, out_early.attendance.scan_minutes) == ("checked_out", 90)
    assert out_early.attendance.check_out_method == "kiosk"
    # Capped at the 3 scheduled hours plus 15 minutes' tolerance.
    assert out_usual.attendance.scan_minutes == 195
    assert "3.25" in out_usual.message


def test_check_out_needs_a_check_in_and_closes_two_hours_after_the_end(desk):
    team, _task, shift = desk
    person, other = volunteer(team, shift, name="甲"), volunteer(team, shift, name="乙")
    assert scan(shift, person, START, action="out").reason == "not_checked_in"

    scan(shift, person, START)
    scan(shift, other, START)
    late = scan(shift, person, START + 5 * 60 * MINUTE + MINUTE, action="out")
    assert (late.outcome, late.reason) == ("refused", "outside_window")
    assert scan(shift, other, START + 5 * 60 * MINUTE, action="out").outcome == "checked_out"
    again = scan(shift, other, START + 5 * 60 * MINUTE, action="out")
    assert again.reason == "already_out"
    # A kiosk scan after checking out does not check in again.
    assert scan(shift, other, START + 60 * MINUTE).reason == "already_out"


def test_an_undone_check_in_counts_as_none_and_the_record_is_reused(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    first = scan(shift, person, START - 5 * MINUTE).attendance
    first.status = "undone"
    services.db.session.flush()

    assert scan(shift, person, START, action="out").reason == "not_checked_in"
    again = scan(shift, person, START + 20 * MINUTE)
    assert again.outcome == "checked_in" and again.attendance.id == first.id
    assert again.attendance.checked_in_at == START + 20 * MINUTE and again.attendance.late


def test_a_retry_with_the_same_nonce_replays_the_first_answer(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    first = scan(shift, person, START, nonce="n-1")
    # Even once the code has expired, the retry gets the first answer.
    retry = scan(shift, person, START + 10 * MINUTE, nonce="n-1")
    retry_code = services.scan_kiosk_code("junk", person, now=START + 10 * MINUTE, nonce="n-1")

    assert (first.outcome, first.replayed) == ("checked_in", False)
    assert (retry.outcome, retry.replayed, retry.attendance.id) == (
        "checked_in",
        True,
        first.attendance.id,
    )
    assert retry_code.replayed and retry_code.outcome == "checked_in"
    assert len(logs(shift.id)) == 1

    outsider = data.member(team, name="路人")
    refused = scan(shift, outsider, START, nonce="n-1")  # nonces are per person
    assert (refused.outcome, refused.reason, refused.replayed) == (
        "refused",
        "not_signed_up",
        False,
    )
    again = scan(shift, outsider, START, nonce="n-1")
    assert (again.reason, again.replayed) == ("not_signed_up", True)
    assert len(logs(shift.id)) == 2


def test_a_coordinator_scans_a_personal_code_in_and_out(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    coordinator = data.coordinator(team)

    def personal(at: datetime, **kwargs):
        code = tokens.personal_code(person.id, now=at)
        return services.scan_personal_code(shift, code, actor=coordinator, now=at, **kwargs)

    assert personal(START).outcome == "checked_in"
    # The scanner reading the same code twice does not check the person straight out.
    assert personal(START + MINUTE).outcome == "already_in"
    out = personal(START + 2 * 60 * MINUTE)
    assert (out.outcome, out.attendance.scan_minutes, out.attendance.check_out_method) == (
        "checked_out",
        120,
        "personal",
    )
    entries = logs(shift.id)
    assert [(e.method, e.actor_id, e.user_id) for e in entries] == [
        ("personal", coordinator.id, person.id)
    ] * 3


def test_personal_code_refusals(desk):
    team, task, shift = desk
    person = volunteer(team, shift)
    coordinator = data.coordinator(team)
    other_shift = data.shift(task, starts_in=timedelta(0), now=START)

    def personal(code: str):
        return services.scan_personal_code(shift, code, actor=coordinator, now=START)

    expired = personal(tokens.personal_code(person.id, now=START - 5 * MINUTE))
    assert (expired.reason, expired.person) == ("expired", person)
    assert personal(tokens.kiosk_code(other_shift.id, now=START)).reason == "wrong_shift"
    assert personal(tokens.kiosk_code(shift.id, now=START)).reason == "malformed"
    assert personal("1.2.3").reason == "forged"
    assert [e.user_id for e in logs(shift.id)] == [person.id, None, None, None]
    with pytest.raises(Forbidden):
        services.scan_personal_code(
            shift, tokens.personal_code(person.id, now=START), actor=person, now=START
        )


def test_a_check_in_by_hand_is_audited_and_needs_the_teams_coordinator(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    coordinator = data.coordinator(team)
    with pytest.raises(Forbidden):
        services.check_in_by_hand(shift, person, actor=person, now=START)

    result = services.check_in_by_hand(shift, person, actor=coordinator, now=START)

    assert result.outcome == "checked_in" and result.attendance.check_in_method == "manual"
    [entry] = logs(shift.id)
    assert (entry.method, entry.actor_id) == ("manual", coordinator.id)
    audit = services.db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "checkin.checked_in_by_hand")
    ).all()
    assert [(a.actor_id, a.object_id) for a in audit] == [
        (coordinator.id, str(result.attendance.id))
    ]


def test_forgotten_check_outs_close_at_the_scheduled_end_once(desk):
    team, _task, shift = desk
    forgetful, careful = volunteer(team, shift, name="甲"), volunteer(team, shift, name="乙")
    scan(shift, forgetful, START + 10 * MINUTE)
    scan(shift, careful, START)
    end = START + 3 * 60 * MINUTE
    scan(shift, careful, end + 30 * MINUTE, action="out")

    # Check-out is still open for two hours after the end.
    assert windows.close_forgotten_checkouts(now=end + 119 * MINUTE) == 0
    assert windows.close_forgotten_checkouts(now=end + 2 * 60 * MINUTE) == 1
    assert windows.close_forgotten_checkouts(now=end + 3 * 60 * MINUTE) == 0

    record = windows.attendance_of(shift.id, forgetful.id)
    assert (record.status, record.checked_out_at, record.auto_closed) == ("out", end, True)
    assert record.scan_minutes == 165  # 170 minutes, rounded to the step of 15
    untouched = windows.attendance_of(shift.id, careful.id)
    assert not untouched.auto_closed and untouched.checked_out_at == end + 30 * MINUTE


def test_check_out_happens_once_with_the_credited_minutes(desk):
    team, _task, shift = desk
    person = volunteer(team, shift)
    scan(shift, person, START)
    record = windows.attendance_of(shift.id, person.id)
    end = START + 3 * 60 * MINUTE

    assert windows.check_out(record, shift, end, check_out_method="manual") == 180
    assert (record.status, record.checked_out_at, record.scan_minutes) == ("out", end, 180)
    assert record.check_out_method == "manual"
    assert windows.check_out(record, shift, end + MINUTE) is None
    assert record.checked_out_at == end
