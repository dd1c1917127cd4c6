"""An admin creates a badge: checked per rule kind, duplicate names refused, an uploaded
image checked by content and re-encoded, audited; the backfill job then gives it, exactly
once, to everyone who already qualifies, and the list shows "backfill pending" until then."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.notifications.kinds import BADGE_AWARDED
from app.rewards import badge_creation, badge_images
from app.rewards.badge_admin import BadgeChanges
from app.rewards.models import Badge
from tests.helpers import page, race
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY


@pytest.fixture
def served(db):
    """Seeded badges (backfilled), 张小三 with 10.5 verified hours, 李四 with 2."""
    seeded = badge_data.seed()
    for badge in seeded.values():
        badge.backfilled_at = NOW
    place = rewards_data.place()
    holder = badge_data.person("张小三")
    other = badge_data.person("李四")
    badge_data.served(place, holder, 630, start=OCTOBER_MONDAY)
    badge_data.served(place, other, 120, start=OCTOBER_MONDAY)
    _db.session.commit()
    return holder, other


def new_badge(**changes) -> dict:
    data = {
        "criterion": "hours_total",
        "name_zh": "服务八小时",
        "name_en": "Eight hours",
        "description_zh": "",
        "description_en": "",
        "threshold": "8",
        "params": "",
        "active": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def png(size: tuple[int, int] = (600, 300)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def badge_named(name_en: str) -> Badge | None:
    return _db.session.scalar(select(Badge).where(Badge.name_en == name_en))


def stored_images() -> set[str]:
    return {path.name for path in badge_images.directory().iterdir()}


def badge_count() -> int:
    return _db.session.scalar(select(func.count()).select_from(Badge))


def test_an_admin_creates_a_badge_and_the_backfill_awards_it_once(client, login, admin, served):
    holder, _other = served
    login(admin)

    response = client.post("/admin/badges/new", data=new_badge())

    assert response.status_code == 302
    badge = badge_named("Eight hours")
    assert (badge.criterion, badge.threshold, badge.backfilled_at) == ("hours_total", 8, None)
    assert 'data-testid="backfill-pending"' in page(client.get("/admin/badges"))
    entry = _db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "badges.badge_created")
    )
    assert entry.actor_id == admin.id and entry.after["threshold"] == 8

    first = badge_creation.backfill_pending(now=NOW)
    again = badge_creation.backfill_pending(now=NOW)
    _db.session.commit()

    assert first == {"backfilled": 1, "awarded": 1} and again == {"backfilled": 0, "awarded": 0}
    assert badge_data.holders(badge) == {holder.id}
    assert badge_data.notifications_of(holder, BADGE_AWARDED.id) == 1
    assert 'data-testid="backfill-pending"' not in page(client.get("/admin/badges"))


def test_the_new_badge_form_offers_the_lifetime_rule_kinds(client, login, admin, served):
    login(admin)

    text = page(client.get("/admin/badges/new"))

    for kind in ("hours_total", "shifts_total", "weekly_streak", "contributions"):
        assert f'value="{kind}"' in text
    assert 'value="reading_star_month"' not in text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"criterion": "reading_star_month"}, "criterion"),
        ({"criterion": ""}, "criterion"),
        ({"threshold": "0"}, "threshold"),
        ({"threshold": "abc"}, "threshold"),
        ({"name_zh": ""}, "name_zh"),
        ({"params": '{"colour": "red"}'}, "params"),
        ({"criterion": "contributions", "params": '{"column": ""}'}, "params"),
        ({"name_zh": "服务十小时"}, "name_zh"),  # a seeded badge's name
        ({"name_en": "10 HOURS of service"}, "name_en"),  # whatever the case
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(client, login, admin, served, changes, field):
    login(admin)
    before = badge_count()

    response = client.post("/admin/badges/new", data=new_badge(**changes))

    assert response.status_code == 400
    assert f'id="{field}"' in page(response) and "is-invalid" in page(response)
    assert badge_count() == before
    assert (
        _db.session.scalar(select(func.count()).where(AuditEntry.action == "badges.badge_created"))
        == 0
    )


def test_the_image_is_checked_resized_and_served(client, login, admin, served):
    login(admin)

    response = client.post(
        "/admin/badges/new",
        data=new_badge(image=(png(), "badge.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    badge = badge_named("Eight hours")
    assert badge.image.endswith(".png")
    served_image = client.get(f"/badges/images/{badge.image}")
    assert served_image.status_code == 200 and served_image.mimetype == "image/png"
    with Image.open(io.BytesIO(served_image.data)) as image:
        assert image.size == (256, 128)
    assert f"/badges/images/{badge.image}" in page(client.get("/badges"))


@pytest.mark.parametrize(
    "upload",
    [
        lambda: (io.BytesIO(b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'), "a.png"),
        lambda: (io.BytesIO(b"MZ\x90\x00 not an image"), "a.jpg"),
        lambda: (io.BytesIO(b""), "empty.png"),
        lambda: (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "broken.png"),
        lambda: (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * (2 * 1024 * 1024)), "big.png"),
        lambda: (png((5000, 10)), "wide.png"),
    ],
)
def test_a_bad_image_is_refused_and_nothing_is_kept(client, login, admin, served, upload):
    login(admin)
    before = badge_count()
    files = stored_images()

    response = client.post(
        "/admin/badges/new",
        data=new_badge(image=upload()),
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert 'id="image"' in page(response) and "is-invalid" in page(response)
    assert badge_count() == before
    assert stored_images() == files


def test_an_image_is_not_kept_when_the_rest_is_refused(client, login, admin, served):
    login(admin)
    files = stored_images()

    response = client.post(
        "/admin/badges/new",
        data=new_badge(name_zh="服务十小时", image=(png(), "badge.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 400
    assert stored_images() == files


def test_an_unknown_image_name_is_not_found(client, served):
    assert client.get("/badges/images/../secret.png").status_code == 404
    assert client.get("/badges/images/" + "0" * 32 + ".png").status_code == 404


def test_an_edit_may_not_take_another_badge_s_name(client, login, admin, served):
    login(admin)
    badge = _db.session.scalar(select(Badge).where(Badge.code == "hours_50"))

    response = client.post(
        f"/admin/badges/{badge.id}/edit",
        data={**new_badge(name_zh="服务十小时", name_en=badge.name_en), "threshold": "50"},
    )

    assert response.status_code == 400
    _db.session.expire_all()
    assert badge.name_zh != "服务十小时"


def test_an_inactive_new_badge_waits_for_its_backfill(client, login, admin, served):
    login(admin)
    client.post("/admin/badges/new", data=new_badge(active=None))

    assert badge_creation.backfill_pending(now=NOW) == {"backfilled": 0, "awarded": 0}
    badge = badge_named("Eight hours")
    assert badge.backfilled_at is None and badge_data.holders(badge) == set()


def test_two_admins_creating_the_same_name_at_once_make_one_badge(app, admin, served):
    admin_id = admin.id

    def create(number: int) -> None:
        badge_creation.create_badge(
            "shifts_total",
            BadgeChanges("同名徽章", f"Same name {number}", "", "", 3, {}, False, True),
            actor=_db.session.get(User, admin_id),
            now=NOW,
        )

    outcomes = race(app, create, [1, 2])

    assert outcomes.count("ok") == 1 and any("InvalidInput" in o for o in outcomes), outcomes
    assert (
        _db.session.scalar(
            select(func.count()).select_from(Badge).where(Badge.name_zh == "同名徽章")
        )
        == 1
    )
