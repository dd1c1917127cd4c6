"""Fixtures for the job tests: test-only jobs, registered and removed again."""

from __future__ import annotations

import contextlib

import pytest

from tests.jobs import sample_jobs


@pytest.fixture
def register_job():
    """`register_job("tests.name", "function")` adds a job from sample_jobs until the test ends."""
    sample_jobs.CALLS.clear()
    with contextlib.ExitStack() as stack:

        def register(job_id: str, function: str, schedule=None):
            return stack.enter_context(sample_jobs.registered(job_id, function, schedule))

        yield register
