"""Display labels for recruitment's stored codes: team kinds, selection modes, question
kinds, applicant groups, application statuses and decisions, days and day parts."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

TEAM_KIND_LABELS = {
    "volunteer_team": _l("Volunteer team"),
    "student_assistants": _l("Student assistants"),
    "special_role": _l("Special role"),
}
SELECTION_MODE_LABELS = {
    "review": _l("Review by the coordinators"),
    "first_come": _l("First come, first served"),
    "lottery": _l("Lottery at closing time"),
}
QUESTION_KIND_LABELS = {
    "short_text": _l("Short text"),
    "long_text": _l("Long text"),
    "single_choice": _l("Single choice"),
    "multiple_choice": _l("Multiple choice"),
    "availability": _l("Weekly availability"),
}
# As eligibility reasons name them: "This campaign is for postgraduates only."
USER_TYPE_GROUPS = {
    "undergraduate": _l("undergraduates"),
    "postgraduate": _l("postgraduates"),
    "staff": _l("staff"),
    "other": _l("other people"),
}
STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "shortlisted": _l("Shortlisted"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "waitlisted": _l("Waitlisted"),
    "withdrawn": _l("Withdrawn"),
}
# On the buttons that move an application to a status.
DECISION_LABELS = {
    "shortlisted": _l("Shortlist"),
    "accepted": _l("Accept"),
    "rejected": _l("Reject"),
    "waitlisted": _l("Waitlist"),
}
WEEKDAY_LABELS = {
    "mon": _l("Mon"),
    "tue": _l("Tue"),
    "wed": _l("Wed"),
    "thu": _l("Thu"),
    "fri": _l("Fri"),
    "sat": _l("Sat"),
    "sun": _l("Sun"),
}
DAY_PART_LABELS = {
    "morning": _l("Morning"),
    "afternoon": _l("Afternoon"),
    "evening": _l("Evening"),
}
