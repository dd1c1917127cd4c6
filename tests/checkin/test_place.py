"""Where you are: a phone's kiosk check-in on a task with a place sends its position; a scan
from elsewhere or without one is accepted and flagged for the coordinator, never refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.checkin import attendance_verification, place
from app.checkin.models import Attendance
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db
from app.shifts import tasks
from app.shifts.models import Task
from tests.checkin import checkin_data as data
from tests.checkin.test_scan_views import url_of
from tests.helpers import page
from tests.shifts.test_tasks_views import desk_form, world

__all__ = ["world"]  # a fixture used here

# The library's main hall, and a point about 1.1 km north of it.
HALL = (30.630000, 104.080000)
AWAY = (30.640000, 104.080000)


@pytest.fixture
def setting(db):
    """A shift starting in ten minutes on a task with a place (radius 150 m), a volunteer
    on it, and the team's coordinator."""
    team = data.team()
    task = data.task(team, title="总服务台值班", location="江安一楼")
    task.place_latitude, task.place_longitude, task.place_radius_m = (*HALL, 150)
    shift = data.shift(task, starts_in=timedelta(minutes=10), hours=3)
    person = data.member(team, name="李雷")
    data.signed_up(shift, person)
    boss = data.coordinator(team)
    db.session.commit()
    return shift, person, boss


def record_of(shift, person) -> Attendance:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Attendance).where(
            Attendance.shift_id == shift.id, Attendance.user_id == person.id
        )
    )


def test_distance_is_in_metres():
    assert place.distance_m(*HALL, *HALL) == 0
    assert 1100 <= place.distance_m(*HALL, *AWAY) <= 1120


def test_a_scan_asks_for_the_position_and_is_flagged_until_it_comes(client, login, setting):
    shift, person, _boss = setting
    login(person)

    answer = page(client.get(url_of(shift)))

    assert 'data-outcome="checked_in"' in answer
    assert "data-place-url" in answer
    assert record_of(shift, person).place_check == "no_position"


@pytest.mark.parametrize(
    ("where", "flag"), [(HALL, "inside"), (AWAY, "outside")], ids=["inside", "outside"]
)
def test_the_position_sets_the_distance_and_the_flag(client, login, setting, where, flag):
    shift, person, _boss = setting
    login(person)
    client.get(url_of(shift))
    record = record_of(shift, person)

    response = client.post(
        f"/checkin/records/{record.id}/place", json={"latitude": where[0], "longitude": where[1]}
    )

    assert response.status_code == 200
    assert response.get_json()["place_check"] == flag
    record = record_of(shift, person)
    assert record.status == "in" and record.place_check == flag
    assert (record.place_distance_m > 150) == (flag == "outside")


def test_the_position_is_taken_once_and_only_from_the_person(client, login, setting):
    shift, person, boss = setting
    login(person)
    client.get(url_of(shift))
    record = record_of(shift, person)
    url = f"/checkin/records/{record.id}/place"

    assert client.post(url, json={"latitude": "x"}).status_code == 400
    assert client.post(url, json={"latitude": AWAY[0], "longitude": AWAY[1]}).status_code == 200
    assert client.post(url, json={"latitude": HALL[0], "longitude": HALL[1]}).status_code == 400
    client.post("/logout")
    login(boss)
    assert client.post(url, json={"latitude": HALL[0], "longitude": HALL[1]}).status_code == 404
    assert record_of(shift, person).place_check == "outside"


def test_too_late_a_position_changes_nothing(setting):
    shift, person, _boss = setting
    record = Attendance(
        shift_id=shift.id,
        user_id=person.id,
        status="in",
        checked_in_at=utcnow() - timedelta(minutes=30),
        check_in_method="kiosk",
        place_check="no_position",
    )
    db.session.add(record)
    db.session.flush()

    with pytest.raises(InvalidInput):
        place.record_position(record.id, person, *HALL)
    assert record.place_check == "no_position"


def test_the_coordinator_sees_the_flag(client, login, setting):
    shift, person, boss = setting
    login(person)
    client.get(url_of(shift))
    client.post("/logout")
    login(boss)

    sheet = page(client.get(f"/attendance/shifts/{shift.id}"))

    assert 'data-place="no_position"' in sheet
    person_page = page(client.get(f"/attendance/shifts/{shift.id}/people/{person.id}"))
    assert 'data-place="no_position"' in person_page


def test_without_a_place_nothing_is_asked(client, login, setting):
    shift, person, _boss = setting
    shift.task.place_latitude = shift.task.place_longitude = shift.task.place_radius_m = None
    db.session.commit()
    login(person)

    answer = page(client.get(url_of(shift)))

    assert 'data-outcome="checked_in"' in answer
    assert "data-place-url" not in answer
    assert record_of(shift, person).place_check is None


def test_the_place_is_all_or_nothing_and_in_range(setting):
    with pytest.raises(InvalidInput):
        tasks.clean_place("30.6", "", "100")
    with pytest.raises(InvalidInput):
        tasks.clean_place("91", "104", "100")
    with pytest.raises(InvalidInput):
        tasks.clean_place("30.6", "104", "5")
    assert tasks.clean_place("", None, "") == dict.fromkeys(tasks.PLACE_FIELDS)
    assert tasks.clean_place("30.63", "104.08", "150")["place_radius_m"] == 150


def test_a_place_is_set_and_refused_through_the_task_form(client, login, world, db):
    login(world["boss"])
    task_id = world["task"].id
    values = desk_form()
    refused = client.post(
        f"/tasks/{task_id}/edit", data={**values, "place_latitude": "30.63", "place_radius_m": "9"}
    )
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Task, task_id).place_latitude is None

    saved = client.post(
        f"/tasks/{task_id}/edit",
        data={
            **values,
            "place_latitude": "30.63",
            "place_longitude": "104.08",
            "place_radius_m": "150",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (task.place_latitude, task.place_longitude, task.place_radius_m) == (30.63, 104.08, 150)
    assert 'value="30.63"' in page(client.get(f"/tasks/{task_id}/edit"))


def test_verify_all_leaves_the_flagged_records_for_a_look(setting):
    shift, person, boss = setting
    other = data.member(shift.task.team, name="韩梅梅")
    data.signed_up(shift, other)
    records = {}
    for who, flag in ((person, "outside"), (other, "inside")):
        records[flag] = Attendance(
            shift_id=shift.id,
            user_id=who.id,
            status="out",
            checked_in_at=shift.starts_at,
            checked_out_at=shift.ends_at,
            check_in_method="kiosk",
            scan_minutes=180,
            place_check=flag,
        )
        db.session.add(records[flag])
    db.session.flush()

    verified = attendance_verification.verify_on_time(shift, actor=boss, now=shift.ends_at)

    assert verified == 1
    assert records["inside"].verified_at is not None
    assert records["outside"].verified_at is None
