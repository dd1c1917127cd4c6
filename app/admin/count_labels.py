"""What a job's counts mean, in words: the job pages and the data hub show these labels
instead of the keys the job functions return (`{"reminded": 3}` reads "已提醒: 3")."""

from __future__ import annotations

from flask_babel import lazy_pgettext

from app.engagement.labels import SEGMENT_LABELS

COUNT_LABELS = {
    "people_changed": lazy_pgettext("job count", "People whose points changed"),
    "written": lazy_pgettext("job count", "Entries written"),
    "summed": lazy_pgettext("job count", "Boards summed again"),
    "aggregates": lazy_pgettext("job count", "Figures stored"),
    "accepted": lazy_pgettext("job count", "Accepted"),
    "applied": lazy_pgettext("job count", "Applied"),
    "asked": lazy_pgettext("job count", "Feedback asked"),
    "levels": lazy_pgettext("job count", "Star levels reached"),
    "attendance": lazy_pgettext("job count", "Points for service"),
    "awarded": lazy_pgettext("job count", "Awarded"),
    "backfilled": lazy_pgettext("job count", "Badges backfilled"),
    "boards": lazy_pgettext("job count", "Boards"),
    "claimed": lazy_pgettext("job count", "Claimed"),
    "closed": lazy_pgettext("job count", "Closed"),
    "created": lazy_pgettext("job count", "Created"),
    "deleted": lazy_pgettext("job count", "Deleted"),
    "delivered": lazy_pgettext("job count", "Delivered"),
    "drawn": lazy_pgettext("job count", "Drawn"),
    "dropped": lazy_pgettext("job count", "Old entries removed"),
    "due": lazy_pgettext("job count", "Due"),
    "entries": lazy_pgettext("job count", "Entries"),
    "failed": lazy_pgettext("job count", "Failed"),
    "handovers_expired": lazy_pgettext("job count", "Handovers expired"),
    "no_show": lazy_pgettext("job count", "Points for no-shows"),
    "no_shows": lazy_pgettext("job count", "No-shows marked"),
    "notified": lazy_pgettext("job count", "Notified"),
    "offers_expired": lazy_pgettext("job count", "Offers expired"),
    "people": lazy_pgettext("job count", "People scored"),
    "published": lazy_pgettext("job count", "Published"),
    "reading_star": lazy_pgettext("job count", "Reading stars"),
    "reinstated": lazy_pgettext("job count", "Reinstated"),
    "reminded": lazy_pgettext("job count", "Reminded"),
    "retrying": lazy_pgettext("job count", "To retry"),
    "reversed": lazy_pgettext("job count", "Reversed"),
    "revoked": lazy_pgettext("job count", "Revoked"),
    "sent": lazy_pgettext("job count", "Sent"),
    "service_star": lazy_pgettext("job count", "Service stars"),
    "skipped": lazy_pgettext("job count", "Skipped"),
    "succeeded": lazy_pgettext("job count", "Succeeded"),
    "thinned": lazy_pgettext("job count", "Old snapshots thinned"),
    "training": lazy_pgettext("job count", "Points for training"),
    "unchanged": lazy_pgettext("job count", "Unchanged"),
    "updated": lazy_pgettext("job count", "Updated"),
    "voided": lazy_pgettext("job count", "Voided"),
    "waitlisted": lazy_pgettext("job count", "Waitlisted"),
    "create": lazy_pgettext("job count", "To create"),
    "update": lazy_pgettext("job count", "To update"),
    "reject": lazy_pgettext("job count", "Rejected"),
    "rejected": lazy_pgettext("job count", "Rejected"),
    "not_records": lazy_pgettext("job count", "Not JSON objects"),
    **SEGMENT_LABELS,
}


def count_label(key: str) -> str:
    """The label of a count key; a key without one (a job added later) shows as it is."""
    label = COUNT_LABELS.get(key)
    return str(label) if label is not None else key
