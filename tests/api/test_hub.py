"""The campus data hub, both ways: it pulls students' volunteer summaries with a system's
application token (hub:read), the numbers those of the person's own pages; the library
pushes a changed summary once per job run as `summary.changed`. Privacy settings decide
what leaves: hours always, star level, badges and segment not for people hidden from the
boards, a badge its holder hid never, anonymised people never. People's tokens: 403."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.anonymise import anonymise_person
from app.api import services as api_tokens
from app.api import summaries, systems, webhooks
from app.api.hub_jobs import publish_summaries
from app.api.models import HubSummaryState, WebhookDelivery
from app.api.webhook_jobs import send_webhooks
from app.checkin import attendance_verification
from app.common.time import utcnow
from app.engagement import services as engagement
from app.errors import InvalidInput
from app.extensions import db as _db
from app.outside import services as outside
from app.rewards import badge_awarding
from app.rewards.badges import badges_of
from app.rewards.models import Badge
from tests.api.conftest import bearer
from tests.feedback import feedback_data
from tests.helpers import race
from tests.stars.test_stars import small_thresholds  # noqa: F401  (autouse: 2, 4, 6 … hours)

PREFIX = "/api/v1/hub/summaries"


@pytest.fixture
def hub(admin, db) -> str:
    secret = systems.register_system(admin, name="数据中台", scopes=["hub:read"]).secret
    db.session.commit()
    return secret


@dataclass
class Volunteers:
    people: list
    boss: object
    records: list


@pytest.fixture
def world(db) -> Volunteers:
    """Three volunteers with 2 verified hours each; the second also 3 approved hours served
    elsewhere, the third's verification undone (no hours); a 1-hour badge evaluated, and
    engagement scored."""
    now = utcnow()
    world, records = feedback_data.verified(people=3, start=now - timedelta(hours=4))
    second = world.people[1]
    claim = outside.claim(
        second,
        outside.ClaimFields("望江社区", now.date(), "3", evidence_link="https://example.org/p"),
        now=now,
    )
    outside.decide(claim, "approve", actor=world.boss, now=now)
    attendance_verification.unverify(records[2], actor=world.boss, reason="记错了", now=now)
    db.session.add(
        Badge(
            code="hours_1",
            name_zh="服务一小时",
            name_en="1 hour of service",
            criterion="hours_total",
            threshold=1,
            params={},
        )
    )
    db.session.flush()
    badge_awarding.evaluate_all(now=now)
    engagement.score_day(now=now)
    db.session.commit()
    return Volunteers(world.people, world.boss, records)


def pull(client, secret: str, path: str = "", **params):
    return client.get(PREFIX + path, headers=bearer(secret), query_string=params)


def pulled(client, secret: str) -> dict[str, dict]:
    response = pull(client, secret, limit=100)
    assert response.status_code == 200
    return {item["student_number"]: item for item in response.json["data"]}


def between(page: str, start: str, end: str = "<") -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_the_pulled_numbers_are_those_of_the_persons_own_pages(client, login, hub, world):
    found = pulled(client, hub)
    for person in world.people:
        summary = found[person.student_number]
        login(person)
        hours_page = client.get("/hours").get_data(as_text=True)
        achievements = client.get("/achievements").get_data(as_text=True)
        engagement_page = client.get("/engagement/me").get_data(as_text=True)
        client.post("/logout")
        library = summary["library_hours"]
        assert between(hours_page, 'data-testid="verified-hours">') == (
            f"{library['minutes'] / 60:.2f}".rstrip("0").rstrip(".")
        )
        assert between(hours_page, 'data-testid="outside-hours">') == outside.format_hours(
            summary["outside_hours"]["minutes"]
        )
        assert between(hours_page, 'data-level="', '"') == str(summary["star_level"])
        held = {item["id"] for item in summary["badges"]}
        assert held == {award.badge.code for award in badges_of(person.id)}
        for code in held:
            assert f'data-testid="badge-{code}"' in achievements
        assert f"segment-{summary['segment']}" in engagement_page
    first, second, third = (found[person.student_number] for person in world.people)
    assert [first["library_hours"]["minutes"], second["outside_hours"]["minutes"]] == [120, 180]
    assert [first["star_level"], second["star_level"], third["star_level"]] == [1, 2, 0]
    assert third["library_hours"]["minutes"] == 0 and third["badges"] == []
    assert first["badges"][0]["name"] == {"zh": "服务一小时", "en": "1 hour of service"}


def test_one_summary_by_student_number(client, hub, world):
    person = world.people[1]
    response = pull(client, hub, f"/{person.student_number}")
    assert response.status_code == 200
    assert response.json["data"]["outside_hours"] == {"minutes": 180, "hours": 3.0}
    assert pull(client, hub, "/no-such-number").status_code == 404


def test_hiding_from_boards_keeps_stars_badges_and_segment_but_not_hours(client, hub, world, db):
    hidden, shown = world.people[0], world.people[1]
    hidden.hide_from_boards = True
    db.session.commit()
    found = pulled(client, hub)
    kept = found[hidden.student_number]
    assert kept["withheld"] is True
    assert (kept["star_level"], kept["badges"], kept["segment"]) == (None, None, None)
    assert kept["library_hours"]["minutes"] == 120
    other = found[shown.student_number]
    assert other["withheld"] is False and other["star_level"] == 2
    assert other["badges"] and other["segment"]


def test_a_badge_its_holder_hid_is_not_sent(client, hub, world, db):
    person = world.people[0]
    [award] = badges_of(person.id)
    award.hidden = True
    db.session.commit()
    assert pulled(client, hub)[person.student_number]["badges"] == []


def test_an_anonymised_person_is_never_summarised(client, admin, hub, world, db):
    person = world.people[0]
    number = person.student_number
    anonymise_person(person, actor=admin, confirmation=person.student_number, reason="毕业离校")
    db.session.commit()
    assert number not in pulled(client, hub)
    assert not any(key.startswith("anon-") for key in pulled(client, hub))
    assert pull(client, hub, f"/{person.student_number}").status_code == 404


def test_peoples_tokens_are_refused_whatever_their_role(client, admin, make_token, world):
    secret = make_token(admin, scopes=("profile:read", "credits:read"))
    for path in ("", f"/{world.people[0].student_number}"):
        response = client.get(PREFIX + path, headers=bearer(secret))
        assert response.status_code == 403
        assert response.json["code"] == "system_only"
    assert client.get(PREFIX).status_code == 401
    assert client.get(PREFIX, headers=bearer("gc_" + "x" * 43)).status_code == 401


def test_a_system_without_hub_read_is_refused(client, admin, db):
    other = systems.register_system(admin, name="第二课堂系统", scopes=["credits:read"]).secret
    db.session.commit()
    response = client.get(PREFIX, headers=bearer(other))
    assert response.status_code == 403 and response.json["code"] == "insufficient_scope"


def test_people_cannot_make_a_token_with_hub_read(client, login, student):
    login(student)
    response = client.post(
        "/profile/tokens", data={"name": "脚本", "scopes": ["hub:read"], "expires_in": "30"}
    )
    assert response.status_code == 400
    assert 'value="hub:read"' not in client.get("/profile/tokens").get_data(as_text=True)
    with pytest.raises(InvalidInput):
        api_tokens.create_token(student, name="脚本", scopes=["hub:read"], days=30)
    assert api_tokens.tokens_for(student) == []


def test_since_lists_only_the_summaries_changed_since(client, hub, world, db):
    start = utcnow()
    assert publish_summaries(now=start)["published"] >= 3  # the staff were scored too
    db.session.commit()
    later = start + timedelta(minutes=10)
    assert pull(client, hub, since=later.isoformat() + "Z").json["data"] == []
    attendance_verification.verify(world.records[2], actor=world.boss, now=later)
    db.session.commit()
    publish_summaries(now=later)
    db.session.commit()
    response = pull(client, hub, since=later.isoformat() + "Z")
    assert [item["student_number"] for item in response.json["data"]] == [
        world.people[2].student_number
    ]
    assert response.json["data"][0]["updated_at"] == later.isoformat(timespec="seconds") + "Z"
    assert pull(client, hub, since=(later + timedelta(seconds=1)).isoformat()).json["data"] == []


def test_the_summaries_page_by_cursor_each_once(client, hub, world, db):
    everyone = pulled(client, hub)
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = pull(client, hub, **params).json
        seen += [item["student_number"] for item in body["data"]]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            break
    assert len(everyone) > 2
    assert sorted(seen) == sorted(everyone)
    assert pull(client, hub, cursor="forged").json["code"] == "bad_cursor"


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01T00:00:00", "9" * 50, ""])
def test_a_bad_since_is_a_400_naming_it(client, hub, since):
    response = pull(client, hub, since=since)
    assert response.status_code == 400
    assert response.json["code"] == "invalid_input"


# Push ------------------------------------------------------------------------------------------


@pytest.fixture
def pushed_to(app, admin, receiver, monkeypatch, db):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE", True)  # the receiver's 127.0.0.1
    system = systems.register_system(admin, name="数据中台推送", scopes=["hub:read"]).system
    _row, receiver.secret = webhooks.subscribe(
        admin, system.id, url=receiver.url, events=["summary.changed"]
    )
    db.session.commit()
    return receiver


def run_and_send(now) -> dict[str, int]:
    counts = publish_summaries(now=now)
    _db.session.commit()
    send_webhooks(now=now)
    return counts


def test_one_change_is_one_delivery_and_no_change_none(pushed_to, world, db):
    start = utcnow()
    run_and_send(start)  # the first run tells the hub of everyone with something to tell
    told = [event["data"]["student_number"] for event in pushed_to.accepted]
    assert {person.student_number for person in world.people} <= set(told)
    assert len(told) == len(set(told))
    pushed_to.accepted.clear()
    person = world.people[2]
    attendance_verification.verify(world.records[2], actor=world.boss, now=start)
    db.session.commit()
    assert run_and_send(start + timedelta(minutes=10))["published"] == 1
    [event] = pushed_to.accepted
    assert event["event"] == "summary.changed" and pushed_to.refused == []
    assert event["data"]["student_number"] == person.student_number
    assert event["data"]["library_hours"]["minutes"] == 120
    assert run_and_send(start + timedelta(minutes=20))["published"] == 0
    assert len(pushed_to.accepted) == 1 and pushed_to.duplicates == 0


def test_several_changes_between_runs_are_one_event(pushed_to, world, db):
    start = utcnow()
    run_and_send(start)
    pushed_to.accepted.clear()
    person = world.people[0]
    person.hide_from_boards = True
    db.session.commit()
    person.hide_from_boards = False
    db.session.commit()
    attendance_verification.unverify(world.records[0], actor=world.boss, reason="记错了", now=start)
    db.session.commit()
    run_and_send(start + timedelta(minutes=10))
    [event] = pushed_to.accepted
    assert event["data"]["library_hours"]["minutes"] == 0


def test_a_person_with_nothing_to_tell_is_not_pushed_at_first(pushed_to, db):
    feedback_data.served(people=1)  # checked out, not verified: no hours yet
    db.session.commit()
    counts = run_and_send(utcnow())
    assert counts["published"] == 0 and pushed_to.accepted == []


def test_two_runs_at_once_publish_each_change_once(app, pushed_to, world, db):
    now = utcnow()
    outcomes = race(app, lambda _index: publish_summaries(now=now), [0, 1])
    assert outcomes == ["ok", "ok"]
    db.session.expire_all()
    told = [
        row.payload["data"]["student_number"] for row in db.session.scalars(select(WebhookDelivery))
    ]
    assert {person.student_number for person in world.people} <= set(told)
    assert len(told) == len(set(told))


def test_anonymising_forgets_what_the_hub_was_told(admin, world, db):
    publish_summaries(now=utcnow())
    person = world.people[0]
    anonymise_person(person, actor=admin, confirmation=person.student_number, reason="毕业离校")
    db.session.commit()
    states = db.session.scalars(select(HubSummaryState.user_id)).all()
    assert person.id not in states and world.people[1].id in states
    assert summaries.publish_changed(now=utcnow())["published"] == 0
