"""A sent form that is refused is shown again with its errors and status 400, on every
form page alike (some answered 200 before)."""

from __future__ import annotations

import pytest

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
