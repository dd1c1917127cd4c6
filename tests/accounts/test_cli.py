"""`flask create-admin` gives a fresh installation its first administrator."""

from __future__ import annotations

from app.accounts import services as accounts


def test_create_admin_makes_an_admin_who_must_change_the_password(runner, db):
    result = runner.invoke(
        args=["create-admin", "--login", "L0001", "--name", "馆员"],
        input="first-password-1\nfirst-password-1\n",
    )

    assert result.exit_code == 0, result.output
    user = accounts.find_by_login("L0001")
    assert user.role_names == {"admin"}
    assert user.must_change_password
    assert accounts.authenticate("L0001", "first-password-1").id == user.id


def test_create_admin_refuses_a_taken_login_with_a_message(runner, db, admin):
    result = runner.invoke(
        args=["create-admin", "--login", admin.student_number, "--name", "x"],
        input="first-password-1\nfirst-password-1\n",
    )

    assert result.exit_code != 0
    assert "已" in result.output or "exists" in result.output
    assert len(accounts.people_by_ids([admin.id])) == 1
