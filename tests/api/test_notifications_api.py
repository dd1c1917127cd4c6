"""Notifications and announcements through the API: the bell's list by cursor and unread
filter, marking one or all read as the page does, announcements only to those told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.common.time import utcnow
from app.notifications import services as notifications
from app.notifications.models import Notification
from tests.announcements import announcement_data as told
from tests.api.conftest import bearer
from tests.shifts import signup_data as data

ALL = ("notifications:read", "notifications:write")


@pytest.fixture
def world(db, make_token):
    """A volunteer with three notifications (the oldest read), a neighbour with one, and an
    announcement told to the volunteer's shift."""
    place = told.place(confirmed=1, waitlisted=0)
    volunteer = place.confirmed[0]
    start = utcnow() - timedelta(days=3)
    mine = [
        notifications.notify(
            volunteer,
            "badges.awarded",
            context={"badge": f"徽章{day}"},
            now=start + timedelta(days=day),
        )
        for day in range(3)
    ]
    notifications.mark_read(mine[0])
    neighbour = data.member(place.team)
    theirs = notifications.notify(neighbour, "badges.awarded", context={"badge": "别人的"})
    announcement = told.to_shift(place)
    db.session.commit()
    told.send()
    return {
        "volunteer": volunteer,
        "neighbour": neighbour,
        "mine": mine,
        "theirs": theirs,
        "announcement": announcement,
        "headers": bearer(make_token(volunteer, scopes=ALL)),
    }


def ids(answer) -> list[int]:
    return [item["id"] for item in answer.json["data"]]


def test_the_list_is_newest_first_by_cursor_and_filters_unread(client, world):
    mine = [n.id for n in reversed(world["mine"])]
    first = client.get("/api/v1/me/notifications?limit=2", headers=world["headers"])
    cursor = first.json["meta"]["next_cursor"]
    rest = client.get(f"/api/v1/me/notifications?limit=2&cursor={cursor}", headers=world["headers"])
    bell = [n for n in ids(first) + ids(rest) if n in mine]
    assert bell == mine
    assert world["theirs"].id not in ids(first) + ids(rest)
    unread = client.get("/api/v1/me/notifications?unread=true", headers=world["headers"])
    assert world["mine"][0].id not in ids(unread)
    assert {world["mine"][1].id, world["mine"][2].id} <= set(ids(unread))
    read = client.get("/api/v1/me/notifications?unread=false", headers=world["headers"])
    assert ids(read) == [world["mine"][0].id]
    bad = client.get("/api/v1/me/notifications?unread=yes", headers=world["headers"])
    assert bad.status_code == 400 and bad.json["errors"][0]["field"] == "unread"


def test_marking_one_read_is_what_the_bell_counts(client, world):
    person = world["volunteer"]
    before = notifications.unread_count(person.id)
    target = world["mine"][2]
    answer = client.post(f"/api/v1/me/notifications/{target.id}/read", headers=world["headers"])
    assert answer.status_code == 200 and answer.json["data"]["read_at"] is not None
    assert notifications.unread_count(person.id) == before - 1
    again = client.post(f"/api/v1/me/notifications/{target.id}/read", headers=world["headers"])
    assert again.json["data"]["read_at"] == answer.json["data"]["read_at"]


def test_read_all_marks_every_unread_one_and_says_how_many(client, world, db):
    person = world["volunteer"]
    before = notifications.unread_count(person.id)
    answer = client.post("/api/v1/me/notifications/read-all", headers=world["headers"])
    assert answer.status_code == 200 and answer.json["data"]["marked"] == before > 0
    assert notifications.unread_count(person.id) == 0
    assert db.session.get(Notification, world["theirs"].id).read_at is None
    replay = {"Idempotency-Key": "all-1"}
    client.post("/api/v1/me/notifications/read-all", headers={**world["headers"], **replay})
    again = client.post("/api/v1/me/notifications/read-all", headers={**world["headers"], **replay})
    assert again.headers["Idempotent-Replayed"] == "true" and again.json["data"]["marked"] == 0


def test_someone_elses_notification_is_not_found_and_stays_unread(client, world, db):
    theirs = world["theirs"]
    answer = client.post(f"/api/v1/me/notifications/{theirs.id}/read", headers=world["headers"])
    assert answer.status_code == 404 and answer.json["code"] == "not_found"
    assert db.session.get(Notification, theirs.id).read_at is None


def test_announcements_told_to_the_person_with_an_etag(client, world):
    announcement = world["announcement"]
    listed = client.get("/api/v1/announcements", headers=world["headers"])
    assert ids(listed) == [announcement.id]
    url = f"/api/v1/announcements/{announcement.id}"
    one = client.get(url, headers=world["headers"])
    assert one.status_code == 200 and one.json["data"]["id"] == announcement.id
    same = client.get(url, headers={**world["headers"], "If-None-Match": one.headers["ETag"]})
    assert same.status_code == 304


def test_an_announcement_not_told_to_the_person_is_not_found(client, world, make_token):
    headers = bearer(make_token(world["neighbour"], scopes=ALL))
    assert ids(client.get("/api/v1/announcements", headers=headers)) == []
    answer = client.get(f"/api/v1/announcements/{world['announcement'].id}", headers=headers)
    assert answer.status_code == 404 and answer.json["code"] == "not_found"


OPERATIONS = [
    ("get", "/api/v1/me/notifications", "notifications:read"),
    ("post", "/api/v1/me/notifications/{notification}/read", "notifications:write"),
    ("post", "/api/v1/me/notifications/read-all", "notifications:write"),
    ("get", "/api/v1/announcements", "notifications:read"),
    ("get", "/api/v1/announcements/{announcement}", "notifications:read"),
]


@pytest.mark.parametrize(("method", "path", "scope"), OPERATIONS)
def test_each_operation_needs_a_token_with_its_scope(
    client, world, make_token, admin, method, path, scope
):
    url = path.format(notification=world["mine"][1].id, announcement=world["announcement"].id)
    call = getattr(client, method)
    assert call(url).status_code == 401
    other = "notifications:write" if scope == "notifications:read" else "notifications:read"
    lacking = call(url, headers=bearer(make_token(world["volunteer"], scopes=[other])))
    assert lacking.status_code == 403 and lacking.json["code"] == "insufficient_scope"
    assert call(url, headers=world["headers"]).status_code == 200
    # An admin: someone else's notification is not found; announcements they manage, as on
    # the page.
    as_admin = call(url, headers=bearer(make_token(admin, scopes=ALL)))
    assert as_admin.status_code == (404 if "{notification}" in path else 200)
