"""The attendance sheet and the record pages through HTTP: access per role, corrections,
added hours, undo, verification, the live summary and the CSV export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.checkin.models import Attendance
from app.checkin.scanlog import log_scan
from app.common.time import to_local, utcnow
from app.extensions import db
from tests.checkin import attendance_data
from tests.helpers import choose_english, page, text_download


def local_input(moment) -> str:
    return f"{to_local(moment):%Y-%m-%dT%H:%M}"


@pytest.fixture
def world(db):
    """A shift that started an hour ago: the first person came and left, the second is in."""
    start = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)
    built = attendance_data.world(start=start)
    built.done = attendance_data.record(
        built.shift, built.people[0], checked_out_at=start + timedelta(minutes=30)
    )
    built.here = attendance_data.record(built.shift, built.people[1], checked_in_at=start)
    log_scan(
        method="kiosk",
        action="check_in",
        outcome="refused",
        reason="not_signed_up",
        shift_id=built.shift.id,
        user_id=built.other_boss.id,
    )
    db.session.commit()
    return built


def fresh(record: Attendance) -> Attendance:
    db.session.expire_all()
    return db.session.get(Attendance, record.id)


GET_PAGES = [
    "/attendance/shifts/{shift}",
    "/attendance/shifts/{shift}/summary",
    "/attendance/shifts/{shift}/export.csv",
    "/attendance/shifts/{shift}/people/{person}",
    "/attendance/shifts/{shift}/scanner",
]
POSTS = [
    "/attendance/shifts/{shift}/verify",
    "/attendance/shifts/{shift}/people/{person}/check-in",
    "/attendance/shifts/{shift}/people/{person}/add",
    "/attendance/records/{record}/correct",
    "/attendance/records/{record}/undo",
    "/attendance/records/{record}/verify",
    "/attendance/records/{record}/unverify",
    "/attendance/shifts/{shift}/scanner/scan",
]


def url(world, template: str) -> str:
    return template.format(shift=world.shift.id, person=world.people[0].id, record=world.done.id)


@pytest.mark.parametrize("template", GET_PAGES + POSTS)
def test_another_teams_coordinator_gets_404_and_changes_nothing(client, login, world, template):
    login(world.other_boss)
    method = client.post if template in POSTS else client.get
    response = method(url(world, template), data={"reason": "x", "minutes": "5", "evidence": "x"})
    assert response.status_code == 404
    assert world.people[0].name not in page(response)
    assert fresh(world.done).verified_at is None


def test_unknown_ids_give_404(client, login, world):
    login(world.boss)
    assert client.get("/attendance/shifts/999999").status_code == 404
    stranger = attendance_data.checkin_data.member(world.team, name="路人丙")
    db.session.commit()
    assert (
        client.get(f"/attendance/shifts/{world.shift.id}/people/{stranger.id}").status_code == 404
    )


def test_the_sheet_shows_people_their_state_and_refused_scans(client, login, world):
    login(world.boss)
    choose_english(client)
    text = page(client.get(url(world, "/attendance/shifts/{shift}")))
    for person in world.people:
        assert person.name in text
    assert "Checked out" in text and "Checked in" in text and "Not checked in" in text
    assert "Not signed up for this shift" in text  # the refused scan, with its reason
    assert "B队老师" in text
    assert "attendance-sheet.js" in text
    assert f"/attendance/shifts/{world.shift.id}/scanner" in text


def test_the_summary_gives_the_live_counts(client, login, world):
    login(world.boss)
    body = client.get(url(world, "/attendance/shifts/{shift}/summary")).get_json()
    assert body["counts"]["expected"] == 3
    assert body["counts"]["checked_in"] == 1
    assert body["counts"]["checked_out"] == 1
    assert body["counts"]["refused"] == 1
    assert body["version"] > 0


def test_a_correction_with_a_reason_is_saved(client, login, world):
    login(world.boss)
    start = world.shift.starts_at
    response = client.post(
        url(world, "/attendance/records/{record}/correct"),
        data={
            "status": "out",
            "checked_in_at": local_input(start),
            "checked_out_at": local_input(start + timedelta(minutes=45)),
            "reason": "纸质签到表",
        },
    )
    assert response.status_code == 302
    record = fresh(world.done)
    assert record.corrected is True
    assert record.checked_out_at == start + timedelta(minutes=45)
    assert record.scan_minutes == 45


def test_a_correction_without_a_reason_shows_the_form_again(client, login, world):
    login(world.boss)
    start = world.shift.starts_at
    response = client.post(
        url(world, "/attendance/records/{record}/correct"),
        data={
            "status": "out",
            "checked_in_at": local_input(start),
            "checked_out_at": local_input(start + timedelta(minutes=45)),
            "reason": "",
        },
    )
    assert response.status_code == 400
    assert 'data-testid="correct-form"' in page(response)
    assert fresh(world.done).corrected is False


def test_a_check_out_before_the_check_in_is_refused_on_the_field(client, login, world):
    login(world.boss)
    choose_english(client)
    start = world.shift.starts_at
    response = client.post(
        url(world, "/attendance/records/{record}/correct"),
        data={
            "status": "out",
            "checked_in_at": local_input(start + timedelta(minutes=30)),
            "checked_out_at": local_input(start + timedelta(minutes=10)),
            "reason": "核对",
        },
    )
    assert response.status_code == 400
    assert "must be after the check-in time" in page(response)


def test_hours_are_added_with_evidence_and_too_many_are_refused(client, login, world):
    login(world.boss)
    choose_english(client)
    target = url(world, "/attendance/shifts/{shift}/people/{person}/add")
    response = client.post(target, data={"minutes": "500", "evidence": "照片"})
    assert response.status_code == 400
    assert "more minutes can be added" in page(response)
    assert client.post(target, data={"minutes": "20", "evidence": "照片"}).status_code == 302
    assert fresh(world.done).added_minutes == 20


def test_hours_can_be_added_for_a_confirmed_person_who_never_scanned(client, login, world):
    login(world.boss)
    absent = world.people[2]
    response = client.post(
        f"/attendance/shifts/{world.shift.id}/people/{absent.id}/add",
        data={"minutes": "30", "evidence": "签到表"},
    )
    assert response.status_code == 302
    record = db.session.scalar(select(Attendance).where(Attendance.user_id == absent.id))
    assert (record.added_minutes, record.check_in_method) == (30, "manual")


def test_undo_a_fresh_check_in_from_the_sheet(client, login, world):
    world.here.checked_in_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    login(world.boss)
    response = client.post(f"/attendance/records/{world.here.id}/undo")
    assert response.status_code == 302
    assert fresh(world.here).status == "undone"


def test_an_old_check_in_is_not_undone(client, login, world):
    login(world.boss)
    client.post(f"/attendance/records/{world.here.id}/undo")
    assert fresh(world.here).status == "in"


def test_verify_all_and_one_and_withdraw(client, login, world):
    login(world.boss)
    assert client.post(url(world, "/attendance/shifts/{shift}/verify")).status_code == 302
    assert fresh(world.done).verified_at is not None

    response = client.post(url(world, "/attendance/records/{record}/unverify"), data={"reason": ""})
    assert response.status_code == 400
    client.post(url(world, "/attendance/records/{record}/unverify"), data={"reason": "时间有误"})
    assert fresh(world.done).verified_at is None

    client.post(url(world, "/attendance/records/{record}/verify"))
    assert fresh(world.done).verified_at is not None


def test_a_second_press_changes_nothing_and_says_so(client, login, world):
    login(world.boss)
    choose_english(client)
    client.post(url(world, "/attendance/shifts/{shift}/verify"))
    first = fresh(world.done).verified_at

    again = client.post(url(world, "/attendance/shifts/{shift}/verify"), follow_redirects=True)
    assert "Nothing left to verify" in page(again)
    one = client.post(url(world, "/attendance/records/{record}/verify"), follow_redirects=True)
    assert "already verified by A队老师" in page(one)
    assert fresh(world.done).verified_at == first


def test_the_export_is_a_csv_with_everyone(client, login, world):
    login(world.boss)
    response = client.get(url(world, "/attendance/shifts/{shift}/export.csv"))
    assert response.data.startswith("\ufeff".encode())
    text = text_download(response, "text/csv; charset=utf-8")
    assert all(person.student_number in text for person in world.people)


def test_a_person_is_checked_in_by_hand(client, login, world):
    login(world.boss)
    absent = world.people[2]
    response = client.post(f"/attendance/shifts/{world.shift.id}/people/{absent.id}/check-in")
    assert response.status_code == 302
    record = db.session.scalar(select(Attendance).where(Attendance.user_id == absent.id))
    assert record is not None and record.status == "in"
    assert record.check_in_method == "manual"


def test_the_sheets_check_out_button_checks_out_a_person_checked_in_a_moment_ago(
    client, login, world
):
    login(world.boss)
    person = world.people[2]
    url = f"/attendance/shifts/{world.shift.id}/people/{person.id}/check-in"
    client.post(url, data={"action": "in"})
    sheet = page(client.get(f"/attendance/shifts/{world.shift.id}"))
    assert 'name="action" value="out"' in sheet

    client.post(url, data={"action": "out"})

    record = db.session.scalar(select(Attendance).where(Attendance.user_id == person.id))
    assert record.status == "out" and record.check_out_method == "manual"


def test_an_unknown_by_hand_action_is_refused_with_a_message(client, login, world):
    login(world.boss)
    person = world.people[2]
    url = f"/attendance/shifts/{world.shift.id}/people/{person.id}/check-in"
    response = client.post(url, data={"action": "sideways"}, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.scalar(select(Attendance).where(Attendance.user_id == person.id)) is None
