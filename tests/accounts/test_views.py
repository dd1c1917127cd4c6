"""Login, language, profile and the people admin, through HTTP."""

from __future__ import annotations

import pytest

from app.accounts import services
from app.accounts.models import User
from app.extensions import limiter
from tests import factories
from tests.helpers import page


def test_login_by_student_number_lands_on_the_home_page(client, login, student):
    response = login(student)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "张三" in page(home)


def test_remember_me_sets_a_long_lived_cookie_only_when_asked(client, login, student):
    login(student, remember=True)
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    client.delete_cookie("remember_token")
    login(student, remember=False)
    assert client.get_cookie("remember_token") is None


def test_remembered_login_survives_a_lost_session_cookie(client, login, student):
    login(student, remember=True)
    client.delete_cookie("session")
    assert client.get("/profile").status_code == 200


def test_wrong_password_shows_a_chinese_message_and_no_session(client, student):
    response = client.post(
        "/login", data={"identifier": student.student_number, "password": "nope-nope"}
    )
    assert response.status_code == 200
    assert "学号、邮箱或密码不正确" in page(response)
    assert client.get("/profile").status_code == 302


def test_wrong_password_message_in_english_after_switching_language(client, student):
    client.post("/locale", data={"locale": "en", "next": "/login"})
    response = client.post(
        "/login", data={"identifier": student.student_number, "password": "nope-nope"}
    )
    assert "Student number, email or password is not correct." in page(response)


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_unsafe_next_urls_are_ignored(client, student, unsafe):
    response = client.post(
        "/login",
        data={"identifier": student.student_number, "password": factories.PASSWORD, "next": unsafe},
    )
    assert response.headers["Location"] == "/"


def test_safe_next_url_is_followed_after_login(client, student):
    first = client.get("/profile")
    assert first.headers["Location"].startswith("/login?next=")
    response = client.post(
        "/login",
        data={
            "identifier": student.student_number,
            "password": factories.PASSWORD,
            "next": "/profile",
        },
    )
    assert response.headers["Location"] == "/profile"


def test_deactivated_person_is_told_so_and_their_open_session_ends(
    client, login, admin, student, db
):
    login(student)
    services.set_active(student, False, actor=admin)
    db.session.commit()
    assert client.get("/profile").status_code == 302
    response = login(student)
    assert "停用" in page(response)


def test_login_rate_limit_gives_a_clear_message(client, student, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    for _ in range(3):
        client.post("/login", data={"identifier": student.student_number, "password": "bad-bad-1"})
    blocked = client.post(
        "/login", data={"identifier": student.student_number, "password": factories.PASSWORD}
    )
    assert blocked.status_code == 429
    assert "尝试次数过多" in page(blocked)
    other = factories.person()
    from app.extensions import db

    db.session.commit()
    allowed = client.post(
        "/login", data={"identifier": other.student_number, "password": factories.PASSWORD}
    )
    assert allowed.status_code == 302
    limiter.reset()


def test_the_login_limit_counts_an_account_whichever_identifier_is_typed(client, app, monkeypatch):
    person = factories.person(student_number="2023abc77", email="wang.li@example.edu.cn")
    factories.person(student_number="2023000088")
    from app.extensions import db

    db.session.commit()
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    for typed in ("2023ABC77", " Wang.Li@Example.edu.cn ", "2023abc77"):
        client.post("/login", data={"identifier": typed, "password": "bad-bad-1"})
    blocked = client.post(
        "/login", data={"identifier": person.email, "password": factories.PASSWORD}
    )
    assert blocked.status_code == 429
    other = client.post("/login", data={"identifier": "2023000088", "password": "bad-bad-1"})
    assert other.status_code == 200
    limiter.reset()


def test_a_form_without_csrf_token_is_refused_with_a_message(client, student, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(
        "/login", data={"identifier": student.student_number, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "表单已过期" in page(response)
    assert client.get("/profile").status_code == 302


def test_reset_password_forces_a_change_before_anything_else(client, login, admin, student, db):
    temporary = services.reset_password(student, actor=admin)
    db.session.commit()
    response = login(student, password=temporary)
    assert client.get("/").headers["Location"] == "/profile/password"
    assert client.get("/profile").headers["Location"] == "/profile/password"
    response = client.post(
        "/profile/password",
        data={
            "current_password": temporary,
            "password": "brand-new-pass",
            "confirm": "brand-new-pass",
        },
    )
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_first_login_from_a_link_changes_the_password_then_goes_on_to_the_link(
    client, admin, student, db
):
    temporary = services.reset_password(student, actor=admin)
    db.session.commit()
    response = client.post(
        "/login",
        data={
            "identifier": student.student_number,
            "password": temporary,
            "next": "/recruitment/campaigns/7",
        },
    )
    assert response.headers["Location"] == "/profile/password?next=/recruitment/campaigns/7"
    new = {"current_password": temporary, "password": "brand-new-pass", "confirm": "brand-new-pass"}
    response = client.post(response.headers["Location"], data=new)
    assert response.headers["Location"] == "/recruitment/campaigns/7"


def test_a_password_change_never_goes_on_to_another_site(client, login, student):
    login(student)
    data = {
        "current_password": factories.PASSWORD,
        "password": "brand-new-pass",
        "confirm": "brand-new-pass",
    }
    response = client.post("/profile/password?next=//evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_password_change_errors_are_shown_on_the_form(client, login, student):
    login(student)
    mismatch = client.post(
        "/profile/password",
        data={"current_password": factories.PASSWORD, "password": "abcdefgh1", "confirm": "x"},
    )
    assert "两次输入的密码不一致" in page(mismatch)
    short = client.post(
        "/profile/password",
        data={"current_password": factories.PASSWORD, "password": "abc", "confirm": "abc"},
    )
    assert "8" in page(short) and short.status_code == 400
    assert services.authenticate(student.student_number, factories.PASSWORD) == student


def test_language_switch_is_remembered_for_the_person(client, login, student, db):
    login(student)
    assert "个人资料" in page(client.get("/profile"))
    client.post("/locale", data={"locale": "en", "next": "/profile"})
    assert "My profile" in page(client.get("/profile"))
    db.session.expire_all()
    assert db.session.get(User, student.id).locale == "en"
    client.post("/logout")
    fresh = client.application.test_client()
    fresh.post(
        "/login", data={"identifier": student.student_number, "password": factories.PASSWORD}
    )
    assert "My profile" in page(fresh.get("/profile"))


def test_unknown_language_is_ignored(client):
    response = client.post("/locale", data={"locale": "xx", "next": "/"})
    assert response.status_code == 302
    assert "登录" in page(client.get("/login"))


def test_profile_edit_saves_and_a_duplicate_email_changes_nothing(client, login, student, db):
    other = factories.person(email="taken@example.edu.cn")
    college = factories.college()
    db.session.commit()
    login(student)
    saved = client.post(
        "/profile",
        data={
            "nickname": "小张",
            "phone": "13800001111",
            "email": "zhang@example.edu.cn",
            "college_id": str(college.id),
            "major_id": "",
            "enrolment_year": "2023",
            "hide_from_boards": "y",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    refreshed = db.session.get(User, student.id)
    assert refreshed.nickname == "小张" and refreshed.hide_from_boards
    duplicate = client.post("/profile", data={"nickname": "改了", "email": other.email})
    assert duplicate.status_code == 400
    assert "已被使用" in page(duplicate)
    db.session.expire_all()
    assert db.session.get(User, student.id).nickname == "小张"


def test_bad_email_and_year_on_profile_get_field_messages(client, login, student):
    login(student)
    response = client.post("/profile", data={"email": "not-an-email", "enrolment_year": "1800"})
    assert response.status_code == 400
    assert "有效的电子邮箱" in page(response)
    assert "入学年份不合理" in page(response)


def test_admin_searches_and_filters_people(client, login, admin, db):
    factories.person(name="王小明", roles=["volunteer"])
    factories.person(name="王大锤")
    factories.person(name="刘备", roles=["volunteer"])
    db.session.commit()
    login(admin)
    assert "王小明" in page(client.get("/admin/people?q=王"))
    only_volunteers = page(client.get("/admin/people?q=王&role=volunteer"))
    assert "王小明" in only_volunteers and "王大锤" not in only_volunteers
    assert "刘备" not in page(client.get("/admin/people?q=%25"))


def test_admin_creates_a_person_who_must_change_the_password(client, login, admin, db):
    login(admin)
    response = client.post(
        "/admin/people/new",
        data={
            "student_number": "2025000001",
            "name": "新同学",
            "email": "new@example.edu.cn",
            "user_type": "undergraduate",
            "roles": ["volunteer", "editor"],
            "password": "initial-pass-1",
        },
    )
    assert response.status_code == 302
    created = services.find_by_login("2025000001")
    assert created.role_names == {"volunteer", "editor"} and created.must_change_password


def test_admin_create_with_duplicate_number_shows_error_and_writes_nothing(
    client, login, admin, student, db
):
    login(admin)
    response = client.post(
        "/admin/people/new",
        data={
            "student_number": student.student_number,
            "name": "重复",
            "user_type": "undergraduate",
            "password": "initial-pass-1",
        },
    )
    assert response.status_code == 400
    assert "已被注册" in page(response)
    assert db.session.scalar(db.select(db.func.count(User.id))) == 2


def test_admin_edits_roles_deactivates_and_resets(client, login, admin, student, db):
    login(admin)
    client.post(
        f"/admin/people/{student.id}",
        data={
            "student_number": student.student_number,
            "name": "张三丰",
            "user_type": "undergraduate",
            "roles": ["coordinator"],
        },
    )
    db.session.expire_all()
    assert student.name == "张三丰" and student.role_names == {"coordinator"}
    client.post(f"/admin/people/{student.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert not student.active
    reset = client.post(f"/admin/people/{student.id}/reset-password")
    temporary = page(reset).split('data-testid="temporary-password">')[1].split("<")[0]
    db.session.expire_all()
    assert student.must_change_password
    assert services.find_by_login(student.student_number).active is False
    assert len(temporary) == 10


def test_admin_cannot_deactivate_themselves_through_the_page(client, login, admin, db):
    login(admin)
    response = client.post(
        f"/admin/people/{admin.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "不能停用自己的账号" in page(response)
    db.session.expire_all()
    assert admin.active


def test_unknown_person_is_404(client, login, admin):
    login(admin)
    assert client.get("/admin/people/999999").status_code == 404


def test_language_chosen_on_the_login_page_becomes_the_persons_choice(client, student, db):
    client.post("/locale", data={"locale": "en", "next": "/login"})
    client.post(
        "/login", data={"identifier": student.student_number, "password": factories.PASSWORD}
    )
    assert "My profile" in page(client.get("/profile"))
    db.session.expire_all()
    assert db.session.get(User, student.id).locale == "en"


def test_static_files_do_not_resend_the_session_cookie(client, login, student):
    login(student)
    response = client.get("/static/css/app.css")
    assert "session=" not in response.headers.get("Set-Cookie", "")
