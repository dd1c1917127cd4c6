"""The editorial workflow: which steps are allowed from which status, who may take them,
what authors may write, who is told, and publishing at a set time by the job."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.columns import catalogue, contributions, editorial, jobs
from app.columns.contribution_fields import LinkFields
from app.columns.models import Contribution
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.notifications.models import Notification
from app.rewards import points
from tests import factories
from tests.columns import columns_data
from tests.helpers import race

NOW = datetime(2026, 3, 2, 2, 0)
LATER = NOW + timedelta(days=2)
STATUSES = (
    "draft",
    "submitted",
    "changes_requested",
    "approved",
    "published",
    "rejected",
    "unpublished",
)


class Scene:
    """A column with its editor, an author and their contribution brought to a status."""

    def __init__(self, status: str = "draft", column: str = "picks") -> None:
        self.columns = columns_data.seeded()
        self.column = self.columns[column]
        self.editor = columns_data.editor(self.column, name="李编辑")
        self.author = columns_data.author(name="王小明")
        self.contribution = columns_data.draft(self.author, self.column, now=NOW)
        STEPS[status](self)

    @property
    def id(self) -> int:
        return self.contribution.id

    def status(self) -> str:
        _db.session.expire_all()
        return _db.session.get(Contribution, self.id).status


def _submit(scene: Scene) -> None:
    contributions.submit(scene.author, scene.id, now=NOW)


STEPS: dict[str, Callable[[Scene], object]] = {
    "draft": lambda scene: None,
    "submitted": _submit,
    "changes_requested": lambda s: (
        _submit(s),
        editorial.request_changes(s.editor, s.id, "请补充索书号", now=NOW),
    ),
    "approved": lambda s: (
        _submit(s),
        editorial.approve(s.editor, s.id, publish_at=LATER, now=NOW),
    ),
    "published": lambda s: (_submit(s), editorial.approve(s.editor, s.id, now=NOW)),
    "rejected": lambda s: (_submit(s), editorial.reject(s.editor, s.id, "与专栏无关", now=NOW)),
    "unpublished": lambda s: (
        _submit(s),
        editorial.approve(s.editor, s.id, now=NOW),
        editorial.unpublish(s.editor, s.id, "信息有误", now=NOW),
    ),
}

ACTIONS: dict[str, Callable[[Scene], object]] = {
    "edit": lambda s: contributions.update_draft(
        s.author, s.id, columns_data.fields(title="改过的标题"), now=NOW
    ),
    "submit": _submit,
    "request_changes": lambda s: editorial.request_changes(s.editor, s.id, "再改改", now=NOW),
    "approve": lambda s: editorial.approve(s.editor, s.id, now=NOW),
    "schedule": lambda s: editorial.approve(
        s.editor, s.id, publish_at=LATER + timedelta(days=1), now=NOW
    ),
    "publish_now": lambda s: editorial.publish_now(s.editor, s.id, now=NOW),
    "reject": lambda s: editorial.reject(s.editor, s.id, "不合适", now=NOW),
    "unpublish": lambda s: editorial.unpublish(s.editor, s.id, "撤下", now=NOW),
}

# (action, status before) → status after; every other pair is refused.
ALLOWED = {
    ("edit", "draft"): "draft",
    ("edit", "changes_requested"): "changes_requested",
    ("submit", "draft"): "submitted",
    ("submit", "changes_requested"): "submitted",
    ("request_changes", "submitted"): "changes_requested",
    ("approve", "submitted"): "published",
    ("approve", "approved"): "published",
    ("approve", "unpublished"): "published",
    ("schedule", "submitted"): "approved",
    ("schedule", "approved"): "approved",
    ("schedule", "unpublished"): "approved",
    ("publish_now", "approved"): "published",
    ("publish_now", "unpublished"): "published",
    ("reject", "submitted"): "rejected",
    ("reject", "changes_requested"): "rejected",
    ("unpublish", "published"): "unpublished",
}
EDITOR_ACTIONS = {"request_changes", "approve", "schedule", "publish_now", "reject", "unpublish"}


@pytest.mark.parametrize(("action", "before"), sorted(ALLOWED))
def test_an_allowed_step_changes_the_status(db, action, before):
    scene = Scene(before)
    ACTIONS[action](scene)
    assert scene.status() == ALLOWED[(action, before)]


@pytest.mark.parametrize(
    ("action", "before"),
    [(a, s) for a in ACTIONS for s in STATUSES if (a, s) not in ALLOWED],
)
def test_every_other_step_is_refused_and_changes_nothing(db, action, before):
    scene = Scene(before)
    # Editors do not see drafts at all: a draft is the author's alone.
    expected = NotFound if before == "draft" and action in EDITOR_ACTIONS else Conflict
    with pytest.raises(expected):
        ACTIONS[action](scene)
    assert scene.status() == before


def test_the_history_records_each_step_with_its_comment(db):
    scene = Scene("changes_requested")
    contributions.update_draft(
        scene.author, scene.id, columns_data.fields(title="补充了索书号"), now=NOW
    )
    contributions.submit(scene.author, scene.id, now=NOW)
    editorial.approve(scene.editor, scene.id, now=NOW)

    events = [(e.action, e.actor_id, e.comment) for e in scene.contribution.events]
    assert events == [
        ("created", scene.author.id, ""),
        ("submitted", scene.author.id, ""),
        ("changes_requested", scene.editor.id, "请补充索书号"),
        ("submitted", scene.author.id, ""),
        ("approved", scene.editor.id, ""),
        ("published", scene.editor.id, ""),
    ]
    assert scene.contribution.title == "补充了索书号"
    assert scene.contribution.published_at == NOW


def test_decisions_keep_the_last_word_to_the_author_and_are_audited(db):
    scene = Scene("rejected")
    assert scene.contribution.review_note == "与专栏无关"
    assert scene.contribution.reviewed_by_id == scene.editor.id
    actions = list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "contribution", AuditEntry.object_id == str(scene.id))
            .order_by(AuditEntry.id)
        )
    )
    assert actions == ["columns.contribution_submitted", "columns.contribution_rejected"]


# Who may do what -----------------------------------------------------------------------------


def test_another_persons_contribution_is_not_found_for_an_author(db):
    scene = Scene("draft")
    stranger = columns_data.author()
    with pytest.raises(NotFound):
        contributions.get_own(stranger, scene.id)
    with pytest.raises(NotFound):
        contributions.update_draft(stranger, scene.id, columns_data.fields(), now=NOW)
    with pytest.raises(NotFound):
        contributions.submit(stranger, scene.id, now=NOW)
    assert scene.status() == "draft"


@pytest.mark.parametrize("who", ["author", "stranger", "other_editor"])
@pytest.mark.parametrize("action", sorted(EDITOR_ACTIONS))
def test_only_the_columns_editors_review(db, who, action):
    scene = Scene("submitted")
    people = {
        "author": scene.author,
        "stranger": columns_data.author(),
        "other_editor": columns_data.editor(scene.columns["audio"]),
    }
    scene.editor = people[who]
    with pytest.raises(Forbidden):
        editorial.get_for_review(scene.editor, scene.id)
    with pytest.raises(Forbidden):
        ACTIONS[action](scene)
    assert scene.status() == "submitted"


def test_an_admin_reviews_every_column(db, admin):
    scene = Scene("submitted")
    scene.editor = admin
    ACTIONS["approve"](scene)
    assert scene.status() == "published"


def test_an_unknown_contribution_is_not_found(db, admin):
    columns_data.seeded()
    with pytest.raises(NotFound):
        editorial.get_for_review(admin, 999)
    with pytest.raises(NotFound):
        contributions.get_own(admin, 999)


# What authors may write -----------------------------------------------------------------------


def test_a_draft_keeps_its_cleaned_fields_and_links(db):
    columns = columns_data.seeded()
    author = columns_data.author()
    created = columns_data.draft(
        author,
        columns["picks"],
        title="  三体  ",
        body="## 推荐理由\n好看",
        show_full_name=True,
        links=[("三体", "https://opac.example.edu.cn/1", " I247.5/123 "), ("数据库", "", "")],
    )
    assert (created.title, created.status, created.show_full_name) == ("三体", "draft", True)
    assert [(link.title, link.url, link.call_number) for link in created.links] == [
        ("三体", "https://opac.example.edu.cn/1", "I247.5/123"),
        ("数据库", "", ""),
    ]
    updated = contributions.update_draft(
        author, created.id, columns_data.fields(title="三体", links=[("球状闪电",)]), now=NOW
    )
    assert [link.title for link in updated.links] == ["球状闪电"]


@pytest.mark.parametrize(
    ("column", "values", "field"),
    [
        ("picks", {"title": "   "}, "title"),
        ("picks", {"title": "题" * 121}, "title"),
        ("picks", {"body": "字" * 20_001}, "body"),
        ("ideas", {"links": [("一本书",)]}, "links"),
        ("picks", {"links": [("书",)] * 21}, "links"),
        ("picks", {"links": [("  ",)]}, "links"),
        ("picks", {"links": [("书" * 201,)]}, "links"),
        ("picks", {"links": [("书", "javascript:alert(1)")]}, "links"),
        ("picks", {"links": [("书", "ftp://example.com/a")]}, "links"),
        ("picks", {"links": [("书", "https://e.cn/" + "a" * 490)]}, "links"),
        ("picks", {"links": [("书", "", "号" * 65)]}, "links"),
    ],
)
def test_wrong_fields_are_refused_naming_the_field(db, column, values, field):
    columns = columns_data.seeded()
    author = columns_data.author()
    with pytest.raises(InvalidInput) as refused:
        columns_data.draft(author, columns[column], **values)
    assert refused.value.field == field
    assert contributions.my_contributions(author) == []


def test_twenty_links_and_the_longest_text_are_accepted(db):
    columns = columns_data.seeded()
    created = columns_data.draft(
        columns_data.author(),
        columns["picks"],
        title="题" * 120,
        body="字" * 20_000,
        links=[(f"书{i}", f"http://e.cn/{i}") for i in range(20)],
    )
    assert len(created.links) == 20


def test_media_must_be_the_authors_own_file_of_a_kind_the_column_takes(db):
    columns = columns_data.seeded()
    author = columns_data.author()
    audio = columns_data.media_file(author, "audio")
    cover = columns_data.media_file(author, "image")
    created = columns_data.draft(author, columns["audio"], media_id=audio.id, cover_id=cover.id)
    assert (created.media_id, created.cover_id) == (audio.id, cover.id)

    someone_elses = columns_data.media_file(columns_data.author(), "audio")
    video = columns_data.media_file(author, "video")
    refused = [
        ("audio", {"media_id": someone_elses.id}, "media_id"),
        ("audio", {"media_id": video.id}, "media_id"),
        ("audio", {"media_id": cover.id}, "media_id"),
        ("ideas", {"media_id": audio.id}, "media_id"),
        ("audio", {"media_id": 999}, "media_id"),
        ("video", {"media_id": video.id, "cover_id": audio.id}, "cover_id"),
    ]
    for code, values, field in refused:
        with pytest.raises(InvalidInput) as error:
            columns_data.draft(author, columns[code], **values)
        assert error.value.field == field, (code, values)


def test_an_inactive_column_takes_no_new_contributions(db, admin):
    columns = columns_data.seeded()
    columns["ideas"].active = False
    with pytest.raises(NotFound):
        columns_data.draft(columns_data.author(), columns["ideas"])


@pytest.mark.parametrize("action", ["request_changes", "reject", "unpublish"])
@pytest.mark.parametrize("comment", ["", "   ", "字" * 2001])
def test_decisions_that_need_a_word_to_the_author_refuse_none(db, action, comment):
    scene = Scene("published" if action == "unpublish" else "submitted")
    before = scene.status()
    step = getattr(editorial, action)
    with pytest.raises(InvalidInput):
        step(scene.editor, scene.id, comment, now=NOW)
    assert scene.status() == before


# Lists ---------------------------------------------------------------------------------------


def test_my_contributions_are_newest_first_and_only_mine(db):
    columns = columns_data.seeded()
    author = columns_data.author()
    first = columns_data.draft(author, columns["ideas"], title="一", now=NOW)
    second = columns_data.draft(author, columns["picks"], title="二", now=NOW + timedelta(hours=1))
    columns_data.draft(columns_data.author(), columns["ideas"], title="别人的", now=NOW)
    assert contributions.my_contributions(author) == [second, first]


def test_the_review_queue_holds_waiting_then_scheduled_of_my_columns(db, admin):
    columns = columns_data.seeded()
    editor = columns_data.editor(columns["picks"])
    author = columns_data.author()
    late = columns_data.submitted(author, columns["picks"], title="后交", now=NOW + timedelta(1))
    early = columns_data.submitted(author, columns["picks"], title="先交", now=NOW)
    scheduled = columns_data.submitted(author, columns["picks"], title="定时", now=NOW)
    editorial.approve(editor, scheduled.id, publish_at=LATER, now=NOW)
    columns_data.published(editor, columns_data.submitted(author, columns["picks"], now=NOW))
    columns_data.draft(author, columns["picks"])
    elsewhere = columns_data.submitted(author, columns["ideas"], now=NOW)

    assert editorial.review_queue(editor) == [early, late, scheduled]
    assert editorial.review_queue(admin) == [early, elsewhere, late, scheduled]
    assert editorial.review_queue(columns_data.author()) == []


def test_only_editors_and_admins_reach_the_review_queue(db, admin):
    columns = columns_data.seeded()
    catalogue.require_editor(columns_data.editor(columns["picks"]))
    catalogue.require_editor(admin)
    with pytest.raises(Forbidden):
        catalogue.require_editor(columns_data.author())


# Who is told ---------------------------------------------------------------------------------


def notices(user) -> list[tuple[str, str | None]]:
    return [
        (n.kind, n.link)
        for n in _db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    ]


def test_submitting_tells_the_columns_editors_only(db):
    scene = Scene("draft")
    second = columns_data.editor(scene.column)
    elsewhere = columns_data.editor(scene.columns["audio"])
    _submit(scene)
    review = ("columns.submitted", f"/editorial/{scene.id}")
    assert notices(scene.editor) == [review]
    assert notices(second) == [review]
    assert notices(elsewhere) == [] and notices(scene.author) == []


def test_a_column_without_editors_tells_the_admins(db, admin):
    columns = columns_data.seeded()
    contribution = columns_data.submitted(columns_data.author(), columns["ideas"], now=NOW)
    assert notices(admin) == [("columns.submitted", f"/editorial/{contribution.id}")]


@pytest.mark.parametrize(
    ("status", "kinds"),
    [
        ("changes_requested", ["columns.changes_requested"]),
        ("approved", ["columns.scheduled"]),
        ("published", ["columns.published"]),
        ("rejected", ["columns.rejected"]),
        ("unpublished", ["columns.published", "columns.unpublished"]),
    ],
)
def test_each_decision_tells_the_author(db, status, kinds):
    scene = Scene(status)
    own = f"/contribute/{scene.id}"
    assert notices(scene.author) == [(kind, own) for kind in kinds]
    assert notices(scene.editor) == [("columns.submitted", f"/editorial/{scene.id}")]


def test_the_author_reads_what_to_change(db):
    scene = Scene("changes_requested")
    notice = db.session.scalar(select(Notification).where(Notification.user_id == scene.author.id))
    assert "请补充索书号" in notice.body


# Featuring -----------------------------------------------------------------------------------


def test_only_published_contributions_are_featured_and_unpublishing_ends_it(db):
    scene = Scene("submitted")
    with pytest.raises(Conflict):
        editorial.set_featured(scene.editor, scene.id, True, now=NOW)
    editorial.approve(scene.editor, scene.id, now=NOW)
    editorial.set_featured(scene.editor, scene.id, True, now=NOW)
    assert scene.contribution.featured
    assert notices(scene.author)[-1][0] == "columns.featured"
    editorial.unpublish(scene.editor, scene.id, "过时了", now=NOW)
    assert not scene.contribution.featured
    actions = [event.action for event in scene.contribution.events]
    assert actions[-2:] == ["featured", "unpublished"]


def test_featuring_twice_changes_nothing(db):
    scene = Scene("published")
    editorial.set_featured(scene.editor, scene.id, False, now=NOW)
    assert "unfeatured" not in [event.action for event in scene.contribution.events]


# Publishing at a set time --------------------------------------------------------------------


def test_a_scheduled_contribution_is_published_by_the_job_when_due(db):
    scene = Scene("approved")
    assert scene.contribution.publish_at == LATER
    assert editorial.publish_due(now=LATER - timedelta(minutes=1)) == {"due": 0, "published": 0}
    assert scene.status() == "approved"

    assert jobs.publish_due(now=LATER) == {"due": 1, "published": 1}
    assert scene.status() == "published"
    assert scene.contribution.published_at == LATER
    assert scene.contribution.events[-1].actor_id is None
    assert editorial.publish_due(now=LATER) == {"due": 0, "published": 0}
    assert notices(scene.author) == [
        ("columns.scheduled", f"/contribute/{scene.id}"),
        ("columns.published", f"/contribute/{scene.id}"),
    ]


def test_a_time_in_the_past_publishes_at_once(db):
    scene = Scene("submitted")
    editorial.approve(scene.editor, scene.id, publish_at=NOW - timedelta(hours=1), now=NOW)
    assert scene.status() == "published"


def test_an_editor_publishes_a_scheduled_one_now(db):
    scene = Scene("approved")
    editorial.publish_now(scene.editor, scene.id, now=NOW)
    assert scene.status() == "published"
    assert editorial.publish_due(now=LATER) == {"due": 0, "published": 0}


def test_the_job_and_publish_now_racing_publish_once(app, db):
    scene = Scene("approved")
    editor_id, contribution_id, author_id = scene.editor.id, scene.id, scene.author.id
    db.session.commit()

    def work(who: str) -> None:
        if who == "job":
            jobs.publish_due(now=LATER)
        else:
            editor = _db.session.get(User, editor_id)
            editorial.publish_now(editor, contribution_id, now=LATER)

    outcomes = race(app, work, ["job", "editor"])
    assert sorted(outcomes) in (["conflict", "ok"], ["ok", "ok"]), outcomes
    db.session.expire_all()
    published = db.session.get(Contribution, contribution_id)
    assert published.status == "published"
    assert [e.action for e in published.events].count("published") == 1
    assert [kind for kind, _ in notices(published.author)].count("columns.published") == 1
    assert points.balance(author_id) == 15


def test_the_job_publishes_nothing_when_nothing_is_due(db):
    factories.person()
    assert jobs.publish_due(now=NOW) == {"due": 0, "published": 0}


def test_an_author_can_edit_after_changes_were_requested_with_links(db):
    scene = Scene("changes_requested")
    updated = contributions.update_draft(
        scene.author,
        scene.id,
        columns_data.fields(title="已修改", links=[LinkFields("数据库指南", "https://lib.e.cn")]),
        now=NOW,
    )
    assert updated.links[0].url == "https://lib.e.cn"
    assert updated.status == "changes_requested"
