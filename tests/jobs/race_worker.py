"""One of two processes racing to run the same job: `python -m tests.jobs.race_worker URL GO`.

It builds the app on the database URL, prints "ready", waits until the file GO exists,
runs the test job "tests.sleepy" and prints the run's status.
"""

from __future__ import annotations

import os
import sys
import time

from app import create_app
from config import TestConfig
from jobs.runner import run_job
from tests.jobs.sample_jobs import registered


def main(url: str, go_file: str) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with registered("tests.sleepy", "sleepy"), app.app_context():
        print("ready", flush=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(go_file) and time.monotonic() < deadline:
            time.sleep(0.005)
        run = run_job("tests.sleepy", trigger="cli")
        print(run.status, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
