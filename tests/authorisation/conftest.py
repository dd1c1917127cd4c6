"""One world for the whole matrix: building it takes seconds, and the matrix's tests
change nothing in it (they assert so) except the last, which takes actions on it."""

from __future__ import annotations

import pytest

from app.extensions import db as _db
from tests.authorisation.world import World, build_world
from tests.helpers import empty_tables


@pytest.fixture(scope="module")
def world(app) -> World:
    with app.app_context():
        with app.test_request_context():
            built = build_world()
        _db.session.remove()
    yield built
    with app.app_context():
        _db.session.remove()
        empty_tables()


@pytest.fixture(autouse=True)
def db(app, world):
    """The top-level fixture empties the database after every test; here the module's
    world fixture does it once at the end."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
