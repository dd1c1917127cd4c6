"""Badge pages: an award's public page (masked name, hiding, revocation), my badges with
the hide toggle, the catalogue, and the admin's badge editor (audited)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.extensions import db as _db
from app.rewards import badge_admin, badge_awarding, badges
from app.rewards.models import BadgeAward
from tests.helpers import choose_english, page
from tests.rewards import badge_data, rewards_data
from tests.rewards.badge_data import NOW, OCTOBER_MONDAY


@pytest.fixture
def earned(db):
    """张小三 earned "10 hours of service"; returns (seeded badges, holder, award)."""
    seeded = badge_data.seed()
    holder = badge_data.person("张小三")
    record = badge_data.served(rewards_data.place(), holder, 630, start=OCTOBER_MONDAY)
    badge_awarding.evaluate_all(now=NOW)
    _db.session.commit()
    award = badge_data.awards(seeded["hours_10"])[0]
    return seeded, holder, award, record


def test_the_public_page_shows_the_badge_with_a_masked_name(client, earned):
    _seeded, _holder, award, _record = earned
    choose_english(client)

    response = client.get(f"/badges/{award.public_id}")

    text = page(response)
    assert response.status_code == 200
    assert "张*三" in text and "张小三" not in text
    assert "10 hours of service" in text
    assert "10.5 verified hours when the badge was awarded." in text
    assert "Reach 10 verified hours of volunteer service." in text
    assert f"/badges/{award.public_id}.json" in text


def test_an_unknown_badge_page_is_not_found(client, earned):
    assert client.get("/badges/no-such-badge").status_code == 404


def test_the_holder_hides_the_page_from_others(client, login, earned):
    _seeded, holder, award, _record = earned
    other = badge_data.person("李四")
    _db.session.commit()
    login(holder)

    response = client.post(f"/badges/{award.public_id}/visibility", data={"hidden": "1"})

    assert response.status_code == 302
    assert client.get(f"/badges/{award.public_id}").status_code == 200  # the holder still sees it
    client.post("/logout")
    assert client.get(f"/badges/{award.public_id}").status_code == 404
    assert client.get(f"/badges/{award.public_id}.json").status_code == 404
    login(other)
    assert client.get(f"/badges/{award.public_id}").status_code == 404


def test_the_holder_shows_a_hidden_page_again(client, login, earned):
    _seeded, holder, award, _record = earned
    badges.set_hidden(award.public_id, holder.id, True)
    _db.session.commit()
    login(holder)

    client.post(f"/badges/{award.public_id}/visibility", data={"hidden": "0"})
    client.post("/logout")

    assert client.get(f"/badges/{award.public_id}").status_code == 200


def test_nobody_else_can_hide_someone_elses_badge(client, login, earned):
    _seeded, _holder, award, _record = earned
    other = badge_data.person("李四")
    _db.session.commit()
    login(other)

    response = client.post(f"/badges/{award.public_id}/visibility", data={"hidden": "1"})

    assert response.status_code == 404
    _db.session.expire_all()
    assert _db.session.get(BadgeAward, award.id).hidden is False


def test_a_revoked_badge_is_gone_for_others_and_marked_for_the_holder(client, login, earned):
    _seeded, holder, award, record = earned
    rewards_data.unverify(record)
    badge_awarding.evaluate_all(now=NOW)
    _db.session.commit()

    assert client.get(f"/badges/{award.public_id}").status_code == 404
    login(holder)
    response = client.get(f"/badges/{award.public_id}")
    assert response.status_code == 200
    assert 'data-status="revoked"' in page(response)
    assert client.get(f"/badges/{award.public_id}.json").status_code == 404


def test_my_badges_lists_awards_and_progress(client, login, earned):
    _seeded, holder, award, _record = earned
    login(holder)
    choose_english(client)

    response = client.get("/badges/mine")

    text = page(response)
    assert response.status_code == 200
    assert f'data-testid="mine-{award.public_id}"' in text
    assert 'data-testid="next-hours_50"' in text
    assert "10.5 / 50" in text


def test_the_catalogue_states_the_reading_star_rule(client, earned):
    choose_english(client)

    text = page(client.get("/badges"))

    assert "Reading Star" in text
    assert "then the lower student number" in text


# --- Admin ----------------------------------------------------------------------------------


def edit_data(badge, **changes) -> dict:
    data = {
        "name_zh": badge.name_zh,
        "name_en": badge.name_en,
        "description_zh": badge.description_zh,
        "description_en": badge.description_en,
        "threshold": badge.threshold,
        "params": json.dumps(badge.params),
        "active": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_editor_shows_the_parameters_as_json(client, login, admin, earned):
    seeded, _holder, _award, _record = earned
    login(admin)

    text = page(client.get(f"/admin/badges/{seeded['reading_star'].id}/edit"))

    assert "{&#34;min_loans&#34;: 2, &#34;min_visits&#34;: 2, &#34;min_score&#34;: 0}" in text


def test_an_admin_edits_a_badge_and_it_is_audited(client, login, admin, earned):
    seeded, _holder, _award, _record = earned
    star = seeded["reading_star"]
    login(admin)

    response = client.post(
        f"/admin/badges/{star.id}/edit",
        data=edit_data(star, threshold="5", params='{"top_percent": 5, "min_loans": 1}'),
    )

    assert response.status_code == 302
    _db.session.expire_all()
    assert (star.threshold, star.params) == (5, {"top_percent": 5, "min_loans": 1})
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.action == "badges.badge_edited"))
    assert entry.actor_id == admin.id
    assert entry.before["threshold"] == 10 and entry.after["threshold"] == 5


@pytest.mark.parametrize(
    "params",
    ["not json", "[1, 2]", '{"colour": "red"}', '{"top_percent": 0}', '{"min_loans": -1}'],
)
def test_bad_parameters_are_refused_on_the_form(client, login, admin, earned, params):
    seeded, _holder, _award, _record = earned
    star = seeded["reading_star"]
    login(admin)

    response = client.post(f"/admin/badges/{star.id}/edit", data=edit_data(star, params=params))

    assert response.status_code == 400
    _db.session.expire_all()
    assert star.params == {"min_loans": 2, "min_visits": 2, "min_score": 0}


def test_a_bad_threshold_is_refused(client, login, admin, earned):
    seeded, _holder, _award, _record = earned
    login(admin)

    response = client.post(
        f"/admin/badges/{seeded['hours_10'].id}/edit",
        data=edit_data(seeded["hours_10"], threshold="0"),
    )

    assert response.status_code == 400


def test_deactivating_a_badge_takes_it_off_the_catalogue(client, login, admin, earned):
    seeded, _holder, _award, _record = earned
    login(admin)

    client.post(
        f"/admin/badges/{seeded['streak_12'].id}/edit",
        data=edit_data(seeded["streak_12"], active=None),
    )

    assert 'id="badge-streak_12"' not in page(client.get("/badges"))
    assert 'id="badge-streak_4"' in page(client.get("/badges"))


def test_a_fresh_site_s_admin_finds_the_default_badges_ready_to_edit(client, login, admin):
    """No rewards job has run yet: the badge admin page creates the defaults, once."""
    login(admin)

    first = page(client.get("/admin/badges"))
    again = page(client.get("/admin/badges"))

    assert 'data-testid="admin-badge-reading_star"' in first
    assert first.count('data-testid="admin-badge-') == len(badge_admin.all_badges()) > 1
    assert again.count('data-testid="admin-badge-') == first.count('data-testid="admin-badge-')
    assert client.get(f"/admin/badges/{badge_id('reading_star')}/edit").status_code == 200


def badge_id(code: str) -> int:
    return next(badge.id for badge in badge_admin.all_badges() if badge.code == code)
