"""A person's notifications and announcements through the API: the bell's list (newest
first, unread ones only on request), marking one or all read, and the announcements told
to them. Every rule is the pages' own service (app/notifications, app/announcements).
"""

from __future__ import annotations

from typing import Any

from app.announcements import services as announcements
from app.announcements.models import Announcement
from app.api import cursors, envelope, openapi, writes
from app.api.auth import current_person, token_required
from app.api.blueprint import bp
from app.api.envelope import iso
from app.api.openapi import TIME, TIME_OR_NULL
from app.common.time import utcnow
from app.notifications import services
from app.notifications.models import Notification

READ = ("notifications:read",)
WRITE = ("notifications:write",)
FILTERS = {
    "window": cursors.CURSOR,
    "period": cursors.PERIOD,
    "unread": envelope.BoolArg(description="true: only unread ones; false: only read ones."),
}
NOTIFICATION_ORDER = (Notification.created_at, Notification.id)


def notification_json(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "link": notification.link,
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
    }


@bp.get("/me/notifications")
@token_required(*READ)
@envelope.query_args(**FILTERS)
def my_notifications(window: cursors.Window, period: cursors.Period, unread: bool | None):
    query = services.notifications_query(current_person().id).order_by(None)
    query = query.where(*period.within(Notification.created_at))
    if unread is not None:
        query = query.where(
            Notification.read_at.is_(None) if unread else Notification.read_at.is_not(None)
        )
    return cursors.page(query, NOTIFICATION_ORDER, notification_json, window, descending=True)


@bp.post("/me/notifications/<int:notification_id>/read")
@token_required(*WRITE)
@writes.accepts()
def read_notification(notification_id: int):
    notification = services.get_notification(current_person().id, notification_id)
    services.mark_read(notification, now=utcnow())
    return envelope.ok(notification_json(notification))


@bp.post("/me/notifications/read-all")
@token_required(*WRITE)
@writes.accepts()
def read_all_notifications():
    marked = services.mark_all_read(current_person().id, now=utcnow())
    return envelope.ok({"marked": marked})


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    return {
        "id": announcement.id,
        "title": announcement.title,
        "body": announcement.body,
        "team_id": announcement.team_id,
        "pinned": announcement.pinned,
        "sent_at": iso(announcement.sent_at or announcement.send_at),
        "edited_at": iso(announcement.edited_at),
        "has_attachment": announcement.attachment_file is not None,
    }


@bp.get("/announcements")
@token_required(*READ)
@envelope.query_args(window=cursors.CURSOR, period=cursors.PERIOD)
def list_announcements(window: cursors.Window, period: cursors.Period):
    query = announcements.received_query(current_person())
    query = query.where(*period.within(Announcement.send_at))
    order = (Announcement.send_at, Announcement.id)
    return cursors.page(query, order, announcement_json, window, descending=True)


@bp.get("/announcements/<int:announcement_id>")
@token_required(*READ)
def get_announcement(announcement_id: int):
    """Reading through the API does not mark it read: a GET changes nothing."""
    return envelope.ok(
        announcement_json(announcements.visible_to(current_person(), announcement_id))
    )


NOTIFICATION_ID = openapi.path_id("notification_id", "The notification's id, from the list.")
ANNOUNCEMENT_ID = openapi.path_id("announcement_id", "The announcement's id, from the list.")


openapi.add_paths(
    {
        "/me/notifications": {
            "get": openapi.operation(
                operation_id="listMyNotifications",
                summary="Your notifications",
                description="As the bell's page: newest first; `unread=true` for the unread.",
                tag="notifications",
                scopes=READ,
                data=openapi.ref("Notification"),
                parameters=openapi.query_parameters(FILTERS),
                cursor=True,
            )
        },
        "/me/notifications/{notification_id}/read": {
            "post": openapi.operation(
                operation_id="readNotification",
                summary="Mark a notification read",
                description="Already read: unchanged. Someone else's: 404.",
                tag="notifications",
                scopes=WRITE,
                data=openapi.ref("Notification"),
                body=writes.EMPTY,
                errors=(401, 403, 404, 409, 429, 500),
                path=(NOTIFICATION_ID,),
            )
        },
        "/me/notifications/read-all": {
            "post": openapi.operation(
                operation_id="readAllNotifications",
                summary="Mark every notification read",
                description="As the page's Mark all read; `marked` says how many were unread.",
                tag="notifications",
                scopes=WRITE,
                data={
                    "type": "object",
                    "required": ["marked"],
                    "properties": {"marked": {"type": "integer"}},
                },
                body=writes.EMPTY,
                errors=(401, 403, 409, 429, 500),
            )
        },
        "/announcements": {
            "get": openapi.operation(
                operation_id="listAnnouncements",
                summary="Announcements told to you",
                description="Newest first; withdrawn ones are gone.",
                tag="notifications",
                scopes=READ,
                data=openapi.ref("Announcement"),
                parameters=openapi.query_parameters(
                    {"window": cursors.CURSOR, "period": cursors.PERIOD}
                ),
                cursor=True,
            )
        },
        "/announcements/{announcement_id}": {
            "get": openapi.operation(
                operation_id="getAnnouncement",
                summary="One announcement",
                description="One told to you or written by you; 404 otherwise. Reading it "
                "here does not mark it read.",
                tag="notifications",
                scopes=READ,
                data=openapi.ref("Announcement"),
                errors=(401, 403, 404, 429, 500),
                path=(ANNOUNCEMENT_ID,),
            )
        },
    },
    schemas={
        "Notification": {
            "type": "object",
            "required": ["id", "kind", "title", "body", "link", "created_at", "read_at"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"type": "string", "description": "Such as `shift.reminder`."},
                "title": {"type": "string"},
                "body": {"type": "string"},
                "link": {"type": ["string", "null"], "description": "A page of the site."},
                "created_at": TIME,
                "read_at": TIME_OR_NULL,
            },
        },
        "Announcement": {
            "type": "object",
            "required": [
                "id",
                "title",
                "body",
                "team_id",
                "pinned",
                "sent_at",
                "edited_at",
                "has_attachment",
            ],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "body": {"type": "string", "description": "Markdown, as written."},
                "team_id": {"type": ["integer", "null"]},
                "pinned": {"type": "boolean"},
                "sent_at": TIME,
                "edited_at": TIME_OR_NULL,
                "has_attachment": {"type": "boolean"},
            },
        },
    },
    tags={"notifications": "Your notifications and the announcements told to you."},
)
