"""Editors' pages through HTTP: the queue, the review page and every decision."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.columns import editorial
from app.columns.models import Contribution
from app.common.time import utcnow
from app.extensions import db
from tests import factories
from tests.columns import columns_data
from tests.helpers import choose_english, page


def status_of(contribution_id: int) -> Contribution:
    db.session.expire_all()
    return db.session.get(Contribution, contribution_id)


@pytest.fixture
def world(db):
    """The seeded columns, an editor of the audio column, an editor of the ideas column,
    an author with a submitted audio contribution, and a student who edits nothing."""
    columns = columns_data.seeded()
    audio_editor = columns_data.editor(columns["audio"], name="有声编辑")
    ideas_editor = columns_data.editor(columns["ideas"], name="我看编辑")
    author = columns_data.author(name="作者丙")
    entry = columns_data.submitted(
        author, columns["audio"], title="朗读《背影》", body="父亲的**背影**"
    )
    student = factories.person(name="学生丁")
    db.session.commit()
    return {
        "columns": columns,
        "audio_editor": audio_editor,
        "ideas_editor": ideas_editor,
        "author": author,
        "entry": entry,
        "student": student,
    }


REVIEW_ACTIONS = [
    ("get", "/editorial/{id}", {}),
    ("post", "/editorial/{id}/request-changes", {"changes-comment": "再改改"}),
    ("post", "/editorial/{id}/publish", {}),
    ("post", "/editorial/{id}/schedule", {"publish_at": "2030-01-01T10:00"}),
    ("post", "/editorial/{id}/reject", {"reject-comment": "不合适"}),
    ("post", "/editorial/{id}/unpublish", {"unpublish-comment": "撤下"}),
    ("post", "/editorial/{id}/feature", {}),
    ("post", "/editorial/{id}/unfeature", {}),
]


@pytest.mark.parametrize(("method", "url", "data"), REVIEW_ACTIONS)
@pytest.mark.parametrize("who", ["student", "ideas_editor", "author"])
def test_only_the_columns_editors_review(client, login, world, method, url, data, who):
    db.session.commit()
    login(world[who])

    response = getattr(client, method)(url.format(id=world["entry"].id), data=data)

    assert response.status_code == 403
    assert "父亲的" not in page(response)
    assert status_of(world["entry"].id).status == "submitted"


def test_the_queue_shows_the_editors_columns_oldest_first(client, login, world):
    columns, author = world["columns"], world["author"]
    newer = columns_data.submitted(author, columns["audio"], title="朗读《荷塘月色》")
    newer.submitted_at = world["entry"].submitted_at + timedelta(minutes=5)
    columns_data.submitted(author, columns["ideas"], title="我看我馆的建议")
    columns_data.draft(author, columns["audio"], title="还没写完")
    db.session.commit()
    login(world["audio_editor"])

    body = page(client.get("/editorial/"))

    assert body.index("朗读《背影》") < body.index("朗读《荷塘月色》")
    assert "我看我馆的建议" not in body
    assert "还没写完" not in body


def test_an_admin_sees_every_columns_queue(client, login, world, admin):
    columns_data.submitted(world["author"], world["columns"]["ideas"], title="我看我馆的建议")
    db.session.commit()
    login(admin)

    body = page(client.get("/editorial/"))

    assert "朗读《背影》" in body and "我看我馆的建议" in body


def test_the_review_page_shows_it_as_readers_will(client, login, world):
    login(world["audio_editor"])

    body = page(client.get(f"/editorial/{world['entry'].id}"))

    assert "父亲的<strong>背影</strong>" in body
    assert "作者丙" in body
    assert 'data-testid="event-submitted"' in body
    assert 'data-testid="publish-now"' in body and 'data-testid="unpublish"' not in body


def test_asking_for_changes_needs_a_comment(client, login, world):
    login(world["audio_editor"])
    choose_english(client)
    entry_id = world["entry"].id

    response = client.post(f"/editorial/{entry_id}/request-changes", data={"changes-comment": " "})

    assert response.status_code == 400
    assert "Please tell the author what to change." in page(response)
    assert status_of(entry_id).status == "submitted"


def test_the_editor_asks_for_changes_and_the_author_sees_why(client, login, world):
    login(world["audio_editor"])
    entry_id = world["entry"].id

    response = client.post(
        f"/editorial/{entry_id}/request-changes", data={"changes-comment": "请重新录制开头"}
    )

    assert response.status_code == 302
    changed = status_of(entry_id)
    assert (changed.status, changed.review_note) == ("changes_requested", "请重新录制开头")
    assert "请重新录制开头" in page(client.get(f"/editorial/{entry_id}"))


def test_approve_and_publish_now(client, login, world):
    login(world["audio_editor"])
    entry_id = world["entry"].id

    response = client.post(f"/editorial/{entry_id}/publish")

    assert response.status_code == 302
    published = status_of(entry_id)
    assert published.status == "published" and published.published_at is not None
    body = page(client.get(f"/editorial/{entry_id}"))
    assert 'data-testid="unpublish"' in body and 'data-testid="feature"' in body


def test_approve_and_publish_at_a_local_time(client, login, world, app):
    login(world["audio_editor"])
    entry_id = world["entry"].id
    local = (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)

    response = client.post(
        f"/editorial/{entry_id}/schedule", data={"publish_at": local.strftime("%Y-%m-%dT%H:%M")}
    )

    assert response.status_code == 302
    scheduled = status_of(entry_id)
    assert scheduled.status == "approved"
    # The site's zone (Asia/Shanghai in tests) is eight hours ahead of UTC.
    assert app.config["TIMEZONE"] == "Asia/Shanghai"
    assert scheduled.publish_at == local - timedelta(hours=8)

    assert client.post(f"/editorial/{entry_id}/publish").status_code == 302
    assert status_of(entry_id).status == "published"


def test_a_schedule_without_a_time_keeps_the_page(client, login, world):
    login(world["audio_editor"])
    choose_english(client)

    response = client.post(f"/editorial/{world['entry'].id}/schedule", data={"publish_at": ""})

    assert response.status_code == 400
    assert "Please give the time to publish." in page(response)


def test_rejecting_needs_a_reason(client, login, world):
    login(world["audio_editor"])
    entry_id = world["entry"].id

    missing = client.post(f"/editorial/{entry_id}/reject", data={"reject-comment": ""})
    assert missing.status_code == 400
    assert status_of(entry_id).status == "submitted"

    response = client.post(f"/editorial/{entry_id}/reject", data={"reject-comment": "录音不清楚"})

    assert response.status_code == 302
    rejected = status_of(entry_id)
    assert (rejected.status, rejected.review_note) == ("rejected", "录音不清楚")


def test_feature_unfeature_and_unpublish_a_published_contribution(client, login, world):
    entry_id = world["entry"].id
    columns_data.published(world["audio_editor"], world["entry"])
    db.session.commit()
    login(world["audio_editor"])

    client.post(f"/editorial/{entry_id}/feature")
    assert status_of(entry_id).featured is True
    client.post(f"/editorial/{entry_id}/unfeature")
    assert status_of(entry_id).featured is False

    refused = client.post(f"/editorial/{entry_id}/unpublish", data={"unpublish-comment": ""})
    assert refused.status_code == 400
    assert status_of(entry_id).status == "published"

    response = client.post(
        f"/editorial/{entry_id}/unpublish", data={"unpublish-comment": "涉及版权问题"}
    )

    assert response.status_code == 302
    withdrawn = status_of(entry_id)
    assert (withdrawn.status, withdrawn.review_note) == ("unpublished", "涉及版权问题")


def test_a_decision_the_workflow_refuses_is_explained(client, login, world):
    entry_id = world["entry"].id
    editorial.reject(world["audio_editor"], entry_id, "不合适", now=datetime(2030, 1, 1))
    db.session.commit()
    login(world["audio_editor"])

    response = client.post(f"/editorial/{entry_id}/publish", follow_redirects=True)

    assert response.status_code == 200
    assert "alert-danger" in page(response)
    assert status_of(entry_id).status == "rejected"


def test_an_unknown_contribution_is_not_found(client, login, world):
    login(world["audio_editor"])

    assert client.get("/editorial/99999").status_code == 404


def test_the_queue_lists_recently_published_contributions_to_feature_or_take_down(
    client, login, world
):
    columns_data.published(world["audio_editor"], world["entry"])
    other = columns_data.submitted(world["author"], world["columns"]["ideas"], title="我看")
    columns_data.published(world["ideas_editor"], other)
    db.session.commit()
    login(world["audio_editor"])

    body = page(client.get("/editorial/"))

    assert f'href="/editorial/{world["entry"].id}"' in body
    assert "朗读《背影》" in body
    assert "我看" not in body  # another column's
