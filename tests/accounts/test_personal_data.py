"""A person's data download, and anonymising a person who has left."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app import hooks
from app.accounts import anonymise, personal_data, services
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.checkin import attendance_corrections
from app.errors import Conflict, DomainError, Forbidden, InvalidInput
from tests import factories
from tests.checkin import attendance_data
from tests.helpers import page, text_download


def audit_actions(db, action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def leaver(db):
    college = factories.college("08", "计算机学院", majors=("软件工程",))
    person = factories.person(
        student_number="2021141077",
        name="欧阳娜娜",
        email="ouyang@example.edu.cn",
        phone="13912345678",
        nickname="娜娜",
        roles=["volunteer"],
        college_id=college.id,
        major_id=factories.major(college, "软件工程").id,
        enrolment_year=2021,
    )
    db.session.commit()
    return person


# Download ---------------------------------------------------------------------------------


def test_my_data_page_shows_my_facts_and_is_audited(client, login, db, leaver):
    login(leaver)
    profile = page(client.get("/profile"))
    assert 'href="/profile/data"' in profile
    response = client.get("/profile/data")
    html = page(response)
    assert response.status_code == 200
    for text in ("欧阳娜娜", "2021141077", "ouyang@example.edu.cn", "13912345678", "计算机学院"):
        assert text in html
    assert 'data-testid="section-audit_about_me"' in html
    [entry] = audit_actions(db, "accounts.data_exported")
    assert entry.actor_id == leaver.id and entry.after["format"] == "page"


def test_json_download_is_an_attachment_with_all_sections(client, login, db, leaver, admin):
    services.update_person(
        leaver,
        services.PersonFields(**{**vars(services.person_fields(leaver)), "phone": "13900000000"}),
        actor=admin,
    )
    db.session.commit()
    login(leaver)
    response = client.get("/profile/data.json")
    body = text_download(response, "application/json; charset=utf-8")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "gongchuang-2021141077-" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(body)
    assert data["format"] == personal_data.FORMAT and data["person_id"] == leaver.id
    account = data["sections"]["account"]
    assert account["name"] == "欧阳娜娜" and account["phone"] == "13900000000"
    assert account["created_at"].endswith("Z")
    assert [role["role"] for role in data["sections"]["roles"]] == ["volunteer"]
    changes = data["sections"]["audit_about_me"]
    updated = next(item for item in changes if item["action"] == "accounts.updated")
    assert updated["by"] == "管理员" and updated["after"] == {"phone": "13900000000"}
    db.session.expire_all()
    [entry] = audit_actions(db, "accounts.data_exported")
    assert entry.after["format"] == "json"


def test_an_admins_download_does_not_carry_other_peoples_details(client, login, db, admin):
    factories.person(name="被创建者", email="created@example.edu.cn")
    services.set_roles(db.session.get(User, admin.id), ["admin", "editor"], actor=admin)
    db.session.commit()
    login(admin)
    body = client.get("/profile/data.json").get_data(as_text=True)
    data = json.loads(body)
    assert any(
        item["action"] == "accounts.roles_changed" for item in data["sections"]["audit_by_me"]
    )
    assert "created@example.edu.cn" not in body


def test_a_coordinators_fix_of_my_attendance_is_in_my_data_by_role_not_name(db):
    start = datetime(2026, 3, 2, 6, 0)
    world = attendance_data.world(start=start)
    volunteer = world.people[0]
    record = attendance_data.record(
        world.shift, volunteer, checked_out_at=start + timedelta(minutes=60)
    )
    attendance_corrections.correct_attendance(
        record,
        actor=world.boss,
        reason="忘记签退，纸质签到表为证",
        checked_out_at=start + timedelta(hours=3),
        now=start + timedelta(days=1),
    )
    db.session.commit()

    body = personal_data.to_json(personal_data.collect(volunteer))

    changes = json.loads(body)["sections"]["audit_about_me"]
    fixed = next(item for item in changes if item["action"] == "checkin.attendance_corrected")
    assert fixed["object"] == f"attendance #{record.id}"
    assert fixed["by"] == "指导老师" and fixed["note"] == "忘记签退，纸质签到表为证"
    assert (fixed["before"]["scan_minutes"], fixed["after"]["scan_minutes"]) == (60, 180)
    assert world.boss.name not in body


def test_features_add_their_own_sections(client, login, db, leaver):
    personal_data.register_section(
        "test_hours", "Service hours", lambda user: [{"shift": "借还书", "hours": 2.5}]
    )
    try:
        login(leaver)
        data = json.loads(client.get("/profile/data.json").get_data(as_text=True))
        assert data["sections"]["test_hours"] == [{"shift": "借还书", "hours": 2.5}]
        assert "借还书" in page(client.get("/profile/data"))
    finally:
        sections = hooks.PERSONAL_DATA.providers
        sections[:] = [section for section in sections if section.key != "test_hours"]


def test_times_are_utc_in_json_and_local_on_the_page(app):
    moment = datetime(2026, 3, 1, 16, 30)
    assert json.loads(personal_data.to_json({"t": moment}))["t"] == "2026-03-01T16:30:00Z"
    with app.app_context():
        assert personal_data.for_display({"t": [moment]}) == {"t": ["2026-03-02 00:30"]}


# Anonymisation -----------------------------------------------------------------------------


def identity_is_gone(db, values) -> bool:
    for user in db.session.scalars(select(User)):
        row = " ".join(str(getattr(user, column.key)) for column in User.__table__.columns)
        if any(value in row for value in values):
            return False
    return True


def per_college(db) -> dict:
    query = select(User.college_id, func.count()).group_by(User.college_id)
    return dict(db.session.execute(query).all())


def test_anonymising_keeps_totals_and_removes_identity(db, leaver, admin):
    other = factories.person(name="留下的人", college_id=leaver.college_id)
    db.session.commit()
    totals = (db.session.scalar(select(func.count(User.id))), per_college(db))
    with force_locale("en"):
        anonymous_id = anonymise.anonymise_person(
            leaver, actor=admin, confirmation="2021141077", reason="毕业离校，本人申请删除"
        )
    db.session.commit()
    db.session.expire_all()
    assert (db.session.scalar(select(func.count(User.id))), per_college(db)) == totals
    gone = db.session.get(User, leaver.id)
    assert gone.name == f"已匿名 #{anonymous_id}" and gone.student_number == f"anon-{anonymous_id}"
    assert gone.enrolment_year == 2021 and gone.user_type == "undergraduate"
    assert gone.major_id is None and gone.role_names == set() and not gone.active
    assert identity_is_gone(
        db, ["欧阳娜娜", "2021141077", "ouyang@example.edu.cn", "13912345678", "娜娜"]
    )
    assert db.session.get(User, other.id).name == "留下的人"
    # The history stays attached to the same (now anonymous) person.
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.object_id == str(leaver.id))
        )
        >= 2
    )
    [entry] = audit_actions(db, "accounts.anonymised")
    assert entry.actor_id == admin.id and entry.note == "毕业离校，本人申请删除"
    assert entry.after == {"anonymous_id": anonymous_id, "active": False, "roles": []}
    assert entry.before == {"active": True, "roles": ["volunteer"]}


def test_an_anonymised_person_cannot_log_in_any_more(client, login, db, leaver, admin):
    login(leaver)
    assert client.get("/profile").status_code == 200
    anonymise.anonymise_person(leaver, actor=admin, confirmation="2021141077", reason="left")
    db.session.commit()
    assert client.get("/profile").status_code == 302  # the open session has ended
    assert login(leaver).status_code == 200  # back on the login form
    with pytest.raises(DomainError):
        services.authenticate("2021141077", factories.PASSWORD)
    with pytest.raises(DomainError):
        services.authenticate(db.session.get(User, leaver.id).student_number, factories.PASSWORD)


@pytest.mark.parametrize(
    "confirmation,reason,error,field",
    [
        ("2021141078", "left", InvalidInput, "confirmation"),
        ("", "left", InvalidInput, "confirmation"),
        ("2021141077", "  ", InvalidInput, "reason"),
        ("2021141077", "x" * 501, InvalidInput, "reason"),
    ],
)
def test_anonymising_needs_the_typed_number_and_a_reason(
    db, leaver, admin, confirmation, reason, error, field
):
    with pytest.raises(error) as raised:
        anonymise.anonymise_person(leaver, actor=admin, confirmation=confirmation, reason=reason)
    assert raised.value.field == field
    db.session.rollback()
    assert db.session.get(User, leaver.id).name == "欧阳娜娜"


def test_nobody_anonymises_themselves_or_anyone_twice(db, leaver, admin):
    with pytest.raises(Forbidden):
        anonymise.anonymise_person(
            admin, actor=admin, confirmation=admin.student_number, reason="x"
        )
    anonymise.anonymise_person(leaver, actor=admin, confirmation="2021141077", reason="left")
    with pytest.raises(Conflict):
        anonymise.anonymise_person(
            leaver, actor=admin, confirmation=leaver.student_number, reason="again"
        )


def test_feature_hooks_run_in_the_same_transaction(db, leaver, admin):
    seen = []
    hook = seen.append
    hooks.ANONYMISERS.connect(hook)
    try:
        anonymise.anonymise_person(leaver, actor=admin, confirmation="2021141077", reason="left")
    finally:
        hooks.ANONYMISERS.providers.remove(hook)
    assert seen == [leaver]


def test_admin_anonymises_through_the_page(client, login, db, leaver, admin):
    services.set_locale(admin, "en")
    db.session.commit()
    login(admin)
    person_page = page(client.get(f"/admin/people/{leaver.id}"))
    assert f'href="/admin/people/{leaver.id}/anonymise"' in person_page
    form = client.get(f"/admin/people/{leaver.id}/anonymise")
    assert form.status_code == 200 and "cannot be undone" in page(form)
    wrong = client.post(
        f"/admin/people/{leaver.id}/anonymise",
        data={"confirmation": "nope", "reason": "left"},
    )
    assert wrong.status_code == 400 and "exactly to confirm" in page(wrong)
    db.session.expire_all()
    assert db.session.get(User, leaver.id).name == "欧阳娜娜"
    done = client.post(
        f"/admin/people/{leaver.id}/anonymise",
        data={"confirmation": "2021141077", "reason": "graduated"},
        follow_redirects=True,
    )
    assert "has been anonymised" in page(done) and "欧阳娜娜" not in page(done)
    assert 'data-testid="anonymise-link"' not in page(done)
    assert 'data-testid="anonymise-link"' not in page(client.get(f"/admin/people/{admin.id}"))


def test_anonymising_is_for_admins_only(client, login, db, leaver):
    coordinator = factories.person(roles=["coordinator"])
    db.session.commit()
    login(coordinator)
    url = f"/admin/people/{leaver.id}/anonymise"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"confirmation": "2021141077", "reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, leaver.id).active
