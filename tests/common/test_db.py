import pytest

from app.accounts.models import College
from app.common.db import get_or_not_found, sql_in
from app.errors import NotFound
from tests import factories


def test_sql_in_lists_the_values_for_a_check_constraint():
    assert sql_in("status", ("in", "out")) == "status IN ('in', 'out')"


def test_get_or_not_found_returns_the_row(db):
    college = factories.college()

    assert get_or_not_found(College, college.id, "No such college.") is college


def test_get_or_not_found_raises_with_the_message(db):
    with pytest.raises(NotFound) as raised:
        get_or_not_found(College, 999_999, "No such college.")

    assert str(raised.value.message) == "No such college."
