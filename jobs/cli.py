"""`flask jobs ...`."""

from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Scheduled jobs.")
