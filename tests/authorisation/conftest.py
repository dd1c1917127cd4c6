"""One world for the whole matrix: building it takes seconds, and the matrix's tests
change nothing in it (they assert so) except the last, which takes actions on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.authorisation.world import World, build_world
from tests.helpers import built_once, kept_session


@pytest.fixture(scope="module")
def world(app) -> Iterator[World]:
    yield from built_once(app, lambda: _in_a_request(app))


def _in_a_request(app) -> World:
    with app.test_request_context():
        return build_world()


@pytest.fixture(autouse=True)
def db(app, world):
    """The top-level fixture empties the database after every test; here the module's
    world fixture does it once at the end."""
    yield from kept_session(app)
