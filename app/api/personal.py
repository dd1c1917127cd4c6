"""The person's API tokens in their personal data export: that each exists, its name,
the first characters the tokens page shows, scopes and dates; never the secret or its
hash."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts import personal_data
from app.accounts.personal_data import Rows
from app.api import summaries
from app.api.models import ApiToken, HubSummaryState
from app.common.rows import fields_of


def _token(row: ApiToken) -> dict[str, Any]:
    return {
        "name": row.name,
        "prefix": f"{row.token_prefix}…",  # shown on the tokens page to tell tokens apart
        **fields_of(row, "scopes", "created_at", "expires_at", "last_used_at", "revoked_at"),
        "note": _l("A token exists; its secret is not exported."),
    }


def _hub_state(row: HubSummaryState) -> dict[str, Any]:
    return {
        "changed_at": row.changed_at,
        "note": _l(
            "When your volunteer summary last changed for the campus data hub; "
            "the summary itself is computed from the sections above."
        ),
    }


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_rows(
        "api",
        _l("API tokens"),
        {"api_tokens": Rows(ApiToken.user_id, _token)},
        audited={"api_token": ApiToken.user_id},
        labels={
            "api_tokens": _l("API tokens"),
            "prefix": _l("Starts with"),
            "scopes": _l("Scopes"),
            "expires_at": _l("Expires"),
            "last_used_at": _l("Last used"),
        },
    )
    personal_data.register_rows(
        "hub",
        _l("Campus data hub"),
        {"hub_summary_states": Rows(HubSummaryState.user_id, _hub_state)},
        labels={
            "hub_summary_states": _l("Volunteer summary for the campus data hub"),
            "changed_at": _l("Last changed"),
        },
        forget=summaries.forget,
    )
