"""The coordinator's attendance services: the sheet, corrections, added hours, undo,
verification, and the hours on the team roster."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.checkin import (
    attendance,
    attendance_corrections,
    attendance_sheet,
    attendance_verification,
)
from app.checkin.models import Attendance, ScanLog
from app.checkin.scanlog import log_scan
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.recruitment import membership
from tests.checkin import attendance_data, checkin_data

START = datetime(2026, 3, 2, 6, 0)  # 14:00 in Shanghai; a 3-hour shift
AFTER = START + timedelta(hours=4)


@pytest.fixture
def world(db):
    built = attendance_data.world(start=START)
    db.session.commit()
    return built


def entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def out_record(world, person=None, *, minutes: int = 120, **fields) -> Attendance:
    return attendance_data.record(
        world.shift,
        person or world.people[0],
        checked_out_at=START + timedelta(minutes=minutes),
        **fields,
    )


# The sheet -----------------------------------------------------------------------------------


def test_sheet_lists_everyone_confirmed_with_their_record_and_the_walk_ins(app, world):
    first, second, third = world.people
    out_record(world, first)
    attendance_data.record(
        world.shift, second, checked_in_at=START + timedelta(minutes=20), late=True
    )
    walker = checkin_data.member(world.team, name="路人甲")
    attendance_data.record(world.shift, walker, walk_in=True)

    sheet = attendance_sheet.shift_sheet(world.shift, actor=world.boss, now=AFTER)

    assert [row.person for row in sheet.rows] == [first, second, third]
    assert [row.status for row in sheet.rows] == ["out", "in", "absent"]
    assert [row.person for row in sheet.others] == [walker]
    counts = sheet.counts
    assert (counts.expected, counts.checked_in, counts.checked_out) == (3, 2, 1)
    assert (counts.late, counts.walk_ins, counts.absent, counts.verified) == (1, 1, 1, 0)


def test_sheet_shows_refused_scans_newest_first_with_a_readable_reason(app, world):
    person = world.people[2]
    log_scan(
        method="kiosk",
        action="check_in",
        outcome="refused",
        reason="outside_window",
        shift_id=world.shift.id,
        user_id=person.id,
        now=START - timedelta(hours=2),
    )
    log_scan(
        method="personal",
        action="check_in",
        outcome="refused",
        reason="forged",
        shift_id=world.shift.id,
        now=START,
    )
    log_scan(
        method="kiosk",
        action="check_in",
        outcome="ok",
        shift_id=world.shift.id,
        user_id=world.people[0].id,
        now=START,
    )

    with app.test_request_context(), force_locale("en"):
        sheet = attendance_sheet.shift_sheet(world.shift, actor=world.boss, now=AFTER)
        refused = [(scan.person, scan.reason_label, scan.method) for scan in sheet.refused]

    assert refused == [
        (None, "The code was not genuine", "personal"),
        (person, "Outside the check-in window", "kiosk"),
    ]
    assert sheet.counts.refused == 2


def test_only_the_teams_coordinators_see_the_sheet(world):
    with pytest.raises(Forbidden):
        attendance_sheet.shift_sheet(world.shift, actor=world.other_boss)
    with pytest.raises(Forbidden):
        attendance_sheet.shift_sheet(world.shift, actor=world.people[0])


# Corrections ---------------------------------------------------------------------------------


def test_a_correction_needs_a_reason(world):
    record = out_record(world)
    with pytest.raises(InvalidInput) as error:
        attendance_corrections.correct_attendance(record, actor=world.boss, reason="  ", now=AFTER)
    assert error.value.field == "reason"


@pytest.mark.parametrize(
    ("checked_in", "checked_out", "field"),
    [
        (START + timedelta(hours=2), START + timedelta(hours=1), "checked_out_at"),
        (START - timedelta(hours=5), START + timedelta(hours=1), "checked_in_at"),
        (START, START + timedelta(hours=7), "checked_out_at"),
    ],
    ids=["out-before-in", "in-long-before-the-shift", "out-long-after-the-end"],
)
def test_corrected_times_must_make_sense(world, checked_in, checked_out, field):
    record = out_record(world)
    with pytest.raises(InvalidInput) as error:
        attendance_corrections.correct_attendance(
            record,
            actor=world.boss,
            reason="纸质签到表",
            checked_in_at=checked_in,
            checked_out_at=checked_out,
            now=START + timedelta(days=1),
        )
    assert error.value.field == field


def test_a_time_in_the_future_is_refused(world):
    record = attendance_data.record(world.shift, world.people[0])
    with pytest.raises(InvalidInput):
        attendance_corrections.correct_attendance(
            record,
            actor=world.boss,
            reason="提前签退",
            status="out",
            checked_out_at=START + timedelta(hours=2),
            now=START + timedelta(hours=1),
        )


def test_a_correction_recomputes_the_minutes_flags_the_record_and_is_audited(world):
    record = out_record(world, minutes=60, verified_at=START, verified_by_id=world.boss.id)

    attendance_corrections.correct_attendance(
        record,
        actor=world.boss,
        reason="忘记签退，纸质签到表为证",
        checked_out_at=START + timedelta(hours=3),
        now=AFTER,
    )

    assert record.scan_minutes == 180
    assert record.corrected is True
    assert record.verified_at is None
    (entry,) = entries("checkin.attendance_corrected")
    assert entry.actor_id == world.boss.id
    assert entry.note == "忘记签退，纸质签到表为证"
    assert entry.before["scan_minutes"] == 60
    assert entry.after["scan_minutes"] == 180
    assert entry.after["verified"] is False


def test_correcting_a_late_check_in_time_clears_the_late_flag(world):
    record = out_record(world, late=True, checked_in_at=START + timedelta(minutes=20))
    attendance_corrections.correct_attendance(
        record, actor=world.boss, reason="扫码枪故障", checked_in_at=START, now=AFTER
    )
    assert record.late is False


def test_setting_a_record_back_to_in_clears_the_check_out(world):
    record = out_record(world)
    attendance_corrections.correct_attendance(
        record, actor=world.boss, reason="误签退", status="in", now=AFTER
    )
    assert (record.status, record.checked_out_at, record.scan_minutes) == ("in", None, None)


def test_a_correction_that_changes_nothing_is_refused(world):
    record = out_record(world)
    with pytest.raises(InvalidInput):
        attendance_corrections.correct_attendance(
            record, actor=world.boss, reason="核对", now=AFTER
        )
    assert entries("checkin.attendance_corrected") == []


def test_another_teams_coordinator_cannot_correct(world):
    record = out_record(world)
    with pytest.raises(Forbidden):
        attendance_corrections.correct_attendance(
            record, actor=world.other_boss, reason="x", status="in", now=AFTER
        )


# Added hours ---------------------------------------------------------------------------------


def test_added_minutes_need_evidence_and_a_positive_number(world):
    record = out_record(world)
    with pytest.raises(InvalidInput) as error:
        attendance_corrections.add_minutes(record, 30, "", actor=world.boss, now=AFTER)
    assert error.value.field == "evidence"
    with pytest.raises(InvalidInput) as error:
        attendance_corrections.add_minutes(record, 0, "活动照片", actor=world.boss, now=AFTER)
    assert error.value.field == "minutes"


def test_added_minutes_are_capped_at_the_shifts_length_plus_tolerance(app, world):
    record = out_record(world, minutes=120)  # the cap is 180 + 15 minutes
    with app.test_request_context(), force_locale("en"), pytest.raises(InvalidInput) as error:
        attendance_corrections.add_minutes(record, 76, "活动照片", actor=world.boss, now=AFTER)
    assert "At most 75 more minutes" in str(error.value.message)

    attendance_corrections.add_minutes(record, 75, "活动照片", actor=world.boss, now=AFTER)
    assert record.total_minutes == 195
    with pytest.raises(InvalidInput):
        attendance_corrections.add_minutes(record, 1, "又一次", actor=world.boss, now=AFTER)


def test_added_minutes_keep_their_evidence_clear_verification_and_are_audited(world):
    record = out_record(world, verified_at=START, verified_by_id=world.boss.id)
    attendance_corrections.add_minutes(record, 20, "布展照片", actor=world.boss, now=AFTER)
    attendance_corrections.add_minutes(record, 10, "值班日志", actor=world.boss, now=AFTER)

    assert record.added_minutes == 30
    assert "布展照片" in record.added_evidence and "值班日志" in record.added_evidence
    assert record.scan_minutes == 120  # the two sources stay apart
    assert record.verified_at is None
    audited = entries("checkin.minutes_added")
    assert [entry.note for entry in audited] == ["布展照片", "值班日志"]
    assert audited[0].after["minutes"] == 20


def test_hours_for_a_confirmed_person_without_scans_make_a_record_by_hand(world):
    person = world.people[1]
    record = attendance_corrections.add_minutes_for(
        world.shift, person, 90, "纸质签到表", actor=world.boss, now=AFTER
    )
    assert (record.status, record.check_in_method, record.scan_minutes) == ("out", "manual", 0)
    assert record.added_minutes == 90
    assert record.signup_id == world.signups[1].id
    assert db.session.scalar(select(Attendance).where(Attendance.user_id == person.id)) is record


def test_hours_cannot_be_added_for_someone_not_confirmed_or_before_the_shift(world):
    stranger = checkin_data.member(world.team, name="路人乙")
    with pytest.raises(InvalidInput):
        attendance_corrections.add_minutes_for(
            world.shift, stranger, 30, "照片", actor=world.boss, now=AFTER
        )
    with pytest.raises(InvalidInput):
        attendance_corrections.add_minutes_for(
            world.shift, world.people[0], 30, "照片", actor=world.boss, now=START - timedelta(1)
        )


# Undo ----------------------------------------------------------------------------------------


def test_a_check_in_can_be_undone_within_fifteen_minutes_and_the_undo_is_logged(world):
    record = attendance_data.record(world.shift, world.people[0])
    attendance_corrections.undo_check_in(
        record, actor=world.boss, now=START + timedelta(minutes=14)
    )

    assert record.status == "undone"
    log = db.session.scalar(select(ScanLog).where(ScanLog.action == "undo"))
    assert (log.method, log.outcome, log.actor_id, log.attendance_id) == (
        "manual",
        "ok",
        world.boss.id,
        record.id,
    )
    assert len(entries("checkin.check_in_undone")) == 1
    sheet = attendance_sheet.shift_sheet(world.shift, actor=world.boss, now=START)
    assert sheet.counts.checked_in == 0 and sheet.counts.absent == 3


def test_later_the_record_must_be_corrected_instead(app, world):
    record = attendance_data.record(world.shift, world.people[0])
    with app.test_request_context(), force_locale("en"), pytest.raises(InvalidInput) as error:
        attendance_corrections.undo_check_in(
            record, actor=world.boss, now=START + timedelta(minutes=16)
        )
    assert "Correct the record instead" in str(error.value.message)
    assert record.status == "in"


def test_an_undone_check_in_cannot_be_undone_again(world):
    record = attendance_data.record(world.shift, world.people[0])
    attendance_corrections.undo_check_in(record, actor=world.boss, now=START)
    with pytest.raises(InvalidInput):
        attendance_corrections.undo_check_in(record, actor=world.boss, now=START)


# Verification --------------------------------------------------------------------------------


def test_verify_all_on_time_leaves_late_auto_closed_corrected_and_open_records(world):
    extra = [checkin_data.member(world.team, name=f"补充{n}") for n in range(3)]
    on_time = out_record(world, world.people[0])
    late = out_record(world, world.people[1], late=True)
    closed = out_record(world, world.people[2], auto_closed=True)
    corrected = out_record(world, extra[0], corrected=True)
    still_in = attendance_data.record(world.shift, extra[1])
    done = out_record(world, extra[2], verified_at=START, verified_by_id=world.boss.id)

    assert attendance_verification.verify_on_time(world.shift, actor=world.boss, now=AFTER) == 1

    assert on_time.verified_at == AFTER and on_time.verified_by_id == world.boss.id
    assert [r.verified_at for r in (late, closed, corrected, still_in)] == [None] * 4
    assert done.verified_at == START
    (entry,) = entries("checkin.shift_verified")
    assert entry.after == {"attendance_ids": [on_time.id], "count": 1}
    assert attendance_verification.verify_on_time(world.shift, actor=world.boss, now=AFTER) == 0


def test_one_record_is_verified_after_a_look_and_can_be_withdrawn_with_a_reason(world):
    late = out_record(world, late=True)
    attendance_verification.verify(late, actor=world.boss, now=AFTER)
    with pytest.raises(Conflict) as refused:
        attendance_verification.verify(late, actor=world.boss, now=AFTER + timedelta(hours=1))
    assert "A队老师" in str(refused.value.message) and "18:00" in str(refused.value.message)
    assert (late.verified_at, late.verified_by_id) == (AFTER, world.boss.id)
    assert len(entries("checkin.attendance_verified")) == 1

    with pytest.raises(InvalidInput):
        attendance_verification.unverify(late, actor=world.boss, reason="")
    attendance_verification.unverify(late, actor=world.boss, reason="时间有误", now=AFTER)
    assert late.verified_at is None
    with pytest.raises(InvalidInput):
        attendance_verification.unverify(late, actor=world.boss, reason="再次")


def test_a_record_still_in_cannot_be_verified(world):
    record = attendance_data.record(world.shift, world.people[0])
    with pytest.raises(InvalidInput):
        attendance_verification.verify(record, actor=world.boss)
    with pytest.raises(Forbidden):
        attendance_verification.verify_on_time(world.shift, actor=world.other_boss)


# Hours on the roster -------------------------------------------------------------------------


def test_the_team_roster_shows_verified_hours_only(world):
    first, second, third = world.people
    out_record(world, first, minutes=90, verified_at=AFTER)
    out_record(world, second, minutes=120)

    served = membership.hours_for(world.team.id, [first.id, second.id, third.id])

    assert served == {first.id: 1.5, second.id: 0.0, third.id: 0.0}


def test_a_code_is_read_from_a_url_or_as_it_is():
    assert attendance.extract_code(" 12.345.ABC ") == "12.345.ABC"
    assert attendance.extract_code("https://lib.example/c/12.345.ABC?x=1") == "12.345.ABC"
