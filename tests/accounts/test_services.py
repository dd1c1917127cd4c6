"""Account rules: creating, editing, roles, passwords, login."""

from __future__ import annotations

import pytest

from app.accounts import services, sessions
from app.errors import Conflict, Forbidden, InvalidInput
from tests import factories


def test_login_works_by_student_number_or_email_in_any_case(db):
    user = factories.person(student_number="2024ab01", email="Zhang.San@Example.edu.cn")
    assert services.authenticate("2024AB01", factories.PASSWORD) is user
    assert services.authenticate(" zhang.san@example.edu.cn ", factories.PASSWORD) is user
    assert user.last_login_at is not None


@pytest.mark.parametrize(
    "identifier,password", [("2024999999", "whatever1"), ("", ""), (None, None)]
)
def test_unknown_person_gets_the_same_message_as_a_wrong_password(db, identifier, password):
    user = factories.person()
    with pytest.raises(InvalidInput) as unknown:
        services.authenticate(identifier, password)
    with pytest.raises(InvalidInput) as wrong:
        services.authenticate(user.student_number, "wrong-password")
    assert unknown.value.message == wrong.value.message


def test_deactivated_account_cannot_log_in_but_keeps_its_data(db):
    admin = factories.person(roles=["admin"])
    user = factories.person(name="李四")
    services.set_active(user, False, actor=admin)
    with pytest.raises(Forbidden):
        services.authenticate(user.student_number, factories.PASSWORD)
    assert services.get_person(user.id).name == "李四"


def test_duplicate_student_number_or_email_is_refused_with_the_field_named(db):
    factories.person(student_number="2024000100", email="a@example.edu.cn")
    with pytest.raises(Conflict) as number_taken:
        factories.person(student_number="2024000100", email="b@example.edu.cn")
    assert number_taken.value.field == "student_number"
    with pytest.raises(Conflict) as email_taken:
        factories.person(student_number="2024000101", email="A@Example.edu.cn")
    assert email_taken.value.field == "email"


@pytest.mark.parametrize("number", ["12", "2024 0001", "２０２４０００１", "2024-0001", "x" * 30])
def test_student_number_must_match_the_configured_pattern(db, number):
    with pytest.raises(InvalidInput) as error:
        factories.person(student_number=number)
    assert error.value.field == "student_number"


def test_short_or_trivial_passwords_are_refused(db):
    with pytest.raises(InvalidInput):
        factories.person(password="short")
    with pytest.raises(InvalidInput):
        factories.person(password="11111111")


def test_change_password_requires_the_current_one_and_logs_out_other_devices(db):
    user = factories.person(must_change_password=True)
    sessions.start_session(user, user_agent="phone")
    with pytest.raises(InvalidInput) as error:
        services.change_password(user, "not-it-at-all", "a-new-password-1")
    assert error.value.field == "current_password"
    services.change_password(user, factories.PASSWORD, "a-new-password-1")
    assert services.authenticate(user.student_number, "a-new-password-1") is user
    assert sessions.live_sessions(user.id) == []
    assert not user.must_change_password


def test_reset_password_gives_a_temporary_one_that_must_be_changed(db):
    admin = factories.person(roles=["admin"])
    user = factories.person()
    temporary = services.reset_password(user, actor=admin)
    assert len(temporary) >= 10
    assert services.authenticate(user.student_number, temporary) is user
    assert user.must_change_password


def test_roles_can_be_combined_and_an_admin_cannot_drop_their_own_admin_role(db):
    admin = factories.person(roles=["admin"])
    user = factories.person()
    before, after = services.set_roles(user, ["volunteer", "editor"], actor=admin)
    assert before == set()
    assert after == {"volunteer", "editor"}
    services.set_roles(user, ["coordinator"], actor=admin)
    assert user.role_names == {"coordinator"}
    with pytest.raises(Forbidden):
        services.set_roles(admin, ["volunteer"], actor=admin)
    with pytest.raises(InvalidInput):
        services.set_roles(user, ["emperor"], actor=admin)


def test_an_admin_cannot_deactivate_themselves(db):
    admin = factories.person(roles=["admin"])
    with pytest.raises(Forbidden):
        services.set_active(admin, False, actor=admin)
    assert admin.active


def test_profile_major_must_belong_to_the_college(db):
    cs = factories.college("08", "计算机学院", majors=("软件工程",))
    law = factories.college("03", "法学院", majors=("法学",))
    user = factories.person()
    law_major = factories.major(law, "法学")
    with pytest.raises(InvalidInput) as error:
        services.update_profile(
            user, services.ProfileFields(college_id=cs.id, major_id=law_major.id)
        )
    assert error.value.field == "major_id"
    services.update_profile(
        user,
        services.ProfileFields(
            college_id=law.id, major_id=law_major.id, enrolment_year=2023, hide_from_boards=True
        ),
    )
    assert user.college.name == "法学院" and user.hide_from_boards


def test_profile_gaps_name_what_is_missing(db):
    user = factories.person(email="")
    assert len(services.profile_gaps(user)) == 3
    factories.college()
    services.update_profile(
        user,
        services.ProfileFields(
            email="me@example.edu.cn", phone="13800000000", college_id=services.colleges()[0].id
        ),
    )
    assert services.profile_gaps(user) == []


def test_a_created_person_is_gone_when_the_transaction_rolls_back(db):
    """One transaction per request: the unique-check savepoint must not commit on its own
    (SQLite's driver would otherwise make it the outermost transaction)."""
    from app.accounts.models import User

    factories.person(student_number="2024777777")
    db.session.rollback()
    assert services.find_by_login("2024777777") is None
    assert db.session.query(User).count() == 0
