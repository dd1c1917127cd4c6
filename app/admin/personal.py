"""An admin's work in their personal data export: jobs they started by hand and data-hub
pulls and large imports they ran (when and how it went; the rows are other people's)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.admin.models import DataHubPull, ImportRun
from jobs.models import JobRun


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "admin_work",
        _l("Administration"),
        {
            "jobs_started": Rows(
                JobRun.started_by_id,
                lambda row: {"job": row.job_id, "time": row.started_at, "status": row.status},
                staff=True,
            ),
            "datahub_pulls": Rows(
                DataHubPull.actor_id,
                lambda row: {"time": row.started_at, "status": row.status},
                staff=True,
            ),
            "imports_run": Rows(
                ImportRun.created_by_id,
                lambda row: {"time": row.created_at, "status": row.state, "rows": row.rows_total},
                staff=True,
            ),
        },
        labels={
            "jobs_started": _l("Jobs I started by hand"),
            "datahub_pulls": _l("Data-hub pulls I ran"),
            "imports_run": _l("Large imports I confirmed"),
            "rows": _l("Rows"),
            "job": _l("Job"),
        },
    )
