"""The benchmarks build their own apps with rate limits off; Flask-Limiter keeps that switch on
its one shared `limiter`, so it is put back after each test for the tests that run later."""

import pytest

from app.extensions import limiter


@pytest.fixture(autouse=True)
def _rate_limits_stay_as_they_were():
    enabled = limiter.enabled
    yield
    limiter.enabled = enabled
