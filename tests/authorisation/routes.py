"""How the matrix turns a route of the URL map into an address: which record of the world
each URL argument names, per endpoint where the argument's name is not enough."""

from __future__ import annotations

import re

from werkzeug.routing import Rule

# Endpoint → {URL argument: key in World.own / World.foreign, or a literal value}.
ARGUMENTS: dict[str, dict[str, object]] = {
    "recruitment.lottery": {"campaign_id": "lottery_campaign_id"},
    "recruitment.draw": {"campaign_id": "lottery_campaign_id"},
    "tasks.edit_series": {"shift_id": "series_shift_id"},
    "columns.column": {"code": "published_code"},
    "columns.feed": {"code": "published_code"},
    "columns.contribution": {"code": "published_code", "contribution_id": "published_id"},
    "columns.contribution_poster": {"code": "published_code", "contribution_id": "published_id"},
    "columns.like": {"code": "published_code", "contribution_id": "published_id"},
    "columns.unlike": {"code": "published_code", "contribution_id": "published_id"},
    "columns.comment": {"code": "published_code", "contribution_id": "published_id"},
    "columns.hide_comment": {"code": "published_code", "contribution_id": "published_id"},
    "columns.close_comments": {"code": "published_code", "contribution_id": "published_id"},
    "columns.open_comments": {"code": "published_code", "contribution_id": "published_id"},
    "editorial.review": {"contribution_id": "submitted_id"},
    "editorial.publish": {"contribution_id": "submitted_id"},
    "editorial.reject": {"contribution_id": "submitted_id"},
    "editorial.request_changes": {"contribution_id": "submitted_id"},
    "editorial.schedule": {"contribution_id": "submitted_id"},
    "editorial.feature": {"contribution_id": "published_id"},
    "editorial.unfeature": {"contribution_id": "published_id"},
    "editorial.unpublish": {"contribution_id": "published_id"},
    "shifts.feed": {"token": "feed_token"},
    "reliability.cant_make_it": {"token": "release_token"},
    "credit_admin.edit_rule": {"rule_id": "credit_rule_id"},
    "checkin.scan": {"code": "not-a-code"},
    "engagement.dashboard_csv": {"chart_id": "weekly-activity"},
    "engagement.my_csv": {"chart_id": "score-trend"},
    "reports.my_csv": {"chart_id": "hours-by-month"},
    "reports.public_csv": {"chart_id": "hours-by-month"},
    "reports.group": {"kind": "college", "key": "college_id"},
    "reports.group_csv": {"kind": "college", "key": "college_id", "chart_id": "hours-by-month"},
    "admin.job": {"job_id": "engagement.score_everyone"},
    "roster.run": {"run_id": "import_run_id"},
    "admin.run_job": {"job_id": "engagement.score_everyone"},
    "teams.export_roster": {"fmt": "csv"},
    "reliability.excuse": {"signup_id": "no_show_signup_id"},
    "shifts.cancel_entry": {"entry_id": "draw_entry_id"},
    "tasks.release_signup": {"shift_id": "signup_shift_id"},
    "tasks.remove": {"shift_id": "signup_shift_id"},
    "media.upload": {"?": "column=audio&purpose=media"},
    "wechat_admin.edit_template": {"kind": "shifts.reminder"},
    "feedback.answer": {"attendance_id": "rated_attendance_id"},
    "api.get_announcement": {"announcement_id": 2**31 - 1},
    "api.leaderboard": {"metric": "points", "period": "week"},
    "api.column_posts": {"column_id": 1},
    "api.get_post": {"post_id": "published_id"},
}


def address(rule: Rule, records: dict[str, object]) -> str:
    """The rule's path with each argument replaced by the record it names in `records`."""
    chosen = ARGUMENTS.get(rule.endpoint, {})
    url = rule.rule
    for argument in rule.arguments:
        key = chosen.get(argument, argument)
        value = records.get(key, key) if isinstance(key, str) else key
        url = re.sub(rf"<(?:\w+:)?{argument}>", str(value), url)
    query = chosen.get("?")
    return f"{url}?{query}" if query else url


def names_someones_record(rule: Rule, own: dict, foreign: dict) -> bool:
    """True when the address differs between the subject's records and someone else's."""
    return address(rule, own) != address(rule, foreign)
