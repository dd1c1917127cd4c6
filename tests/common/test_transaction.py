"""A sent form that is refused is shown again with its errors and status 400, on every
form page alike (some answered 200 before); `form_page`, the usual form page."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app.common.transaction import form_page, posted_change
from app.errors import InvalidInput
from tests.helpers import page

REFUSED_FORMS = [
    "/profile/password",
    "/profile/tokens",
    "/admin/people/new",
    "/teams/new",
    "/tasks/new",
]


@pytest.mark.parametrize("path", REFUSED_FORMS)
def test_an_empty_form_comes_back_with_400_and_its_errors(client, login, admin, path):
    login(admin)
    shown = client.get(path)
    assert shown.status_code == 200

    refused = client.post(path, data={})

    assert refused.status_code == 400
    assert "invalid-feedback" in page(refused)


def test_an_empty_login_form_comes_back_with_400(client):
    refused = client.post("/login", data={})

    assert refused.status_code == 400
    assert 'name="identifier"' in page(refused)


class NameForm(FlaskForm):
    name = StringField(validators=[DataRequired()])


@pytest.fixture
def shown(monkeypatch) -> list[tuple[str, dict]]:
    """The pages `form_page` renders (template and context), instead of real templates."""
    pages: list[tuple[str, dict]] = []

    def render(template: str, **context) -> str:
        pages.append((template, context))
        return template

    monkeypatch.setattr("app.common.transaction.render_template", render)
    return pages


def test_form_page_saves_a_valid_form_and_goes_to_the_address_of_the_result(app, shown):
    with app.test_request_context("/", method="POST", data={"name": "Ada"}):
        form = NameForm()
        answer = form_page(
            form,
            lambda: 7,
            lambda n: f"Saved {n}.",
            then=lambda n: f"/things/{n}",
            template="things/form.html",
        )

        assert answer.status_code == 302
        assert answer.location == "/things/7"
        assert get_flashed_messages(with_categories=True) == [("success", "Saved 7.")]
    assert shown == []


def test_form_page_shows_a_refused_change_on_its_field_with_400(app, shown):
    def refuse() -> None:
        raise InvalidInput("Taken.", field="name")

    with app.test_request_context("/", method="POST", data={"name": "Ada"}):
        form = NameForm()
        answer = form_page(form, refuse, "Saved.", then="/", template="things/form.html", thing=1)

        assert answer == ("things/form.html", 400)
        assert form.name.errors == ["Taken."]
        assert get_flashed_messages() == []
    assert shown == [("things/form.html", {"form": form, "thing": 1})]


def test_form_page_shows_an_unsent_form_with_200_and_runs_nothing(app, shown):
    with app.test_request_context("/"):
        answer = form_page(
            NameForm(), lambda: pytest.fail("ran"), "Saved.", then="/", template="things/form.html"
        )

    assert answer == ("things/form.html", 200)


def test_posted_change_runs_a_valid_form_and_goes_back(app):
    with app.test_request_context("/", method="POST", data={"name": "Ada"}):
        answer = posted_change(NameForm(), lambda: 3, lambda n: f"Done {n}.", back="/list")

        assert answer.status_code == 302
        assert answer.location == "/list"
        assert get_flashed_messages(with_categories=True) == [("success", "Done 3.")]


def test_posted_change_flashes_a_refused_form_and_goes_back_without_running(app):
    with app.test_request_context("/", method="POST", data={}):
        answer = posted_change(NameForm(), lambda: pytest.fail("ran"), "Done.", back="/list")

        assert answer.location == "/list"
        assert [category for category, _ in get_flashed_messages(with_categories=True)] == [
            "danger"
        ]
