"""Columns through the API: the columns, their published contributions (never drafts or
those in review), one post with the author's name as the page shows it, my contributions,
and writing one into editorial review as the form does."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.columns import reading
from app.columns.models import Contribution, MediaFile
from app.extensions import db
from tests.api.conftest import bearer
from tests.columns import reading_data

ALL = ("columns:read", "columns:write")


@pytest.fixture
def world(db, make_token):
    built = reading_data.world()
    first = reading_data.published(built, at=reading_data.START)
    second = reading_data.published(built, at=reading_data.START + timedelta(hours=1))
    draft = reading_data.draft(built, title="草稿")
    in_review = reading_data.submitted(built, title="审核中")
    db.session.commit()
    return {
        "built": built,
        "posts": [first, second],
        "draft": draft,
        "in_review": in_review,
        "headers": bearer(make_token(built.author, scopes=ALL)),
        "reader": bearer(make_token(built.editor, scopes=("columns:read",))),
    }


def test_the_columns_are_the_pages(client, world):
    answer = client.get("/api/v1/columns", headers=world["headers"])
    assert answer.status_code == 200
    codes = [column["code"] for column in answer.json["data"]]
    assert set(codes) == set(world["built"].columns)


def test_a_columns_posts_are_the_published_ones_newest_first_by_cursor(client, world):
    picks = world["built"].picks.id
    first, second = world["posts"]
    page = client.get(f"/api/v1/columns/{picks}/posts?limit=1", headers=world["reader"])
    assert [post["id"] for post in page.json["data"]] == [second.id]
    cursor = page.json["meta"]["next_cursor"]
    rest = client.get(
        f"/api/v1/columns/{picks}/posts?limit=1&cursor={cursor}", headers=world["reader"]
    )
    assert [post["id"] for post in rest.json["data"]] == [first.id]
    assert rest.json["meta"]["next_cursor"] is None
    every = client.get(f"/api/v1/columns/{picks}/posts", headers=world["reader"]).json["data"]
    assert len(every) == len(reading.latest(world["built"].picks, limit=100))


def test_one_post_masks_the_author_as_the_page_does(client, world):
    post = world["posts"][0]
    answer = client.get(f"/api/v1/posts/{post.id}", headers=world["reader"])
    assert answer.status_code == 200
    assert answer.json["data"]["author"] == reading.author_name(post)
    assert answer.json["data"]["author"] != world["built"].author.name


@pytest.mark.parametrize("which", ["draft", "in_review"])
def test_unpublished_contributions_are_not_found(client, world, which):
    answer = client.get(f"/api/v1/posts/{world[which].id}", headers=world["reader"])
    assert (answer.status_code, answer.json["code"]) == (404, "not_found")


def test_my_contributions_are_mine_in_every_status(client, world):
    mine = client.get("/api/v1/me/contributions", headers=world["headers"]).json["data"]
    assert len(mine) == 4
    theirs = client.get("/api/v1/me/contributions", headers=world["reader"]).json["data"]
    assert theirs == []


def _count(status: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Contribution).where(Contribution.status == status)
    )


def test_a_contribution_goes_into_review_once_per_key(client, world):
    body = {"column_id": world["built"].picks.id, "title": "新书推荐", "submit": True}
    sent = {**world["headers"], "Idempotency-Key": "post-1"}
    first = client.post("/api/v1/contributions", json=body, headers=sent)
    again = client.post("/api/v1/contributions", json=body, headers=sent)
    assert first.status_code == again.status_code == 201
    assert first.json["data"]["status"] == "submitted"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count("submitted") == 2  # the world's one in review and this one


def test_a_draft_stays_a_draft(client, world):
    body = {"column_id": world["built"].picks.id, "title": "以后再写"}
    answer = client.post("/api/v1/contributions", json=body, headers=world["headers"])
    assert (answer.status_code, answer.json["data"]["status"]) == (201, "draft")


def test_bad_contributions_are_refused_as_the_form_refuses_them(client, world):
    blank = {"column_id": world["built"].picks.id, "title": "   "}
    answer = client.post("/api/v1/contributions", json=blank, headers=world["headers"])
    assert (answer.status_code, answer.json["errors"][0]["field"]) == (400, "title")
    nowhere = {"column_id": 999_999, "title": "无处投稿"}
    answer = client.post("/api/v1/contributions", json=nowhere, headers=world["headers"])
    assert answer.status_code == 404
    before = _count("draft")
    wrong = client.post("/api/v1/contributions", json={"title": 5}, headers=world["headers"])
    assert wrong.status_code == 422
    assert {error["field"] for error in wrong.json["errors"]} == {"column_id", "title"}
    assert _count("draft") == before


def test_a_read_token_cannot_write_and_no_token_reads_nothing(client, world):
    body = {"column_id": world["built"].picks.id, "title": "新书推荐"}
    refused = client.post("/api/v1/contributions", json=body, headers=world["reader"])
    assert (refused.status_code, refused.json["code"]) == (403, "insufficient_scope")
    assert client.get("/api/v1/columns").status_code == 401


# Uploading ------------------------------------------------------------------------------------


def _upload(client, world, content: bytes, *, name: str = "reading.wav", key: str | None = None):
    column = world["built"].audio.id
    sent = {**world["headers"], **({"Idempotency-Key": key} if key else {})}
    return client.post(
        f"/api/v1/media?column_id={column}&purpose=media",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        headers=sent,
    )


def _media_count() -> int:
    return db.session.scalar(select(func.count()).select_from(MediaFile))


def test_an_uploaded_recording_goes_with_a_contribution_into_review(client, world):
    uploaded = _upload(client, world, reading_data.wav_bytes(), key="wav-1")
    assert uploaded.status_code == 201
    assert uploaded.json["data"]["kind"] == "audio"
    again = _upload(client, world, reading_data.wav_bytes(), key="wav-1")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _media_count() == 1
    body = {
        "column_id": world["built"].audio.id,
        "title": "为你读诗",
        "media_id": uploaded.json["data"]["id"],
        "submit": True,
    }
    sent = client.post("/api/v1/contributions", json=body, headers=world["headers"])
    assert (sent.status_code, sent.json["data"]["status"]) == (201, "submitted")
    assert db.session.get(Contribution, sent.json["data"]["id"]).media_id == body["media_id"]


def test_a_file_that_is_not_what_it_claims_is_refused(client, world):
    answer = _upload(client, world, b"<script>alert(1)</script>" * 40, name="poem.wav")
    assert (answer.status_code, answer.json["errors"][0]["field"]) == (400, "file")
    assert _media_count() == 0


def test_a_file_past_the_columns_limit_is_413(client, world):
    world["built"].audio.max_media_mb = 1
    db.session.commit()
    answer = _upload(client, world, b"\0" * (1024 * 1024 + 64 * 1024))
    assert (answer.status_code, answer.json["code"]) == (413, "too_large")
    assert _media_count() == 0


def test_an_upload_must_be_multipart_and_name_its_column(client, world):
    column = world["built"].audio.id
    as_json = client.post(
        f"/api/v1/media?column_id={column}", json={"file": "x"}, headers=world["headers"]
    )
    assert as_json.status_code == 415
    nowhere = client.post(
        "/api/v1/media",
        data={"file": (io.BytesIO(b"x"), "a.wav")},
        content_type="multipart/form-data",
        headers=world["headers"],
    )
    assert (nowhere.status_code, nowhere.json["errors"][0]["field"]) == (400, "column_id")


def test_someone_elses_upload_cannot_be_attached(client, world, make_token):
    other = bearer(make_token(world["built"].editor, scopes=ALL))
    uploaded = _upload(client, world, reading_data.wav_bytes())
    body = {
        "column_id": world["built"].audio.id,
        "title": "借用别人的录音",
        "media_id": uploaded.json["data"]["id"],
    }
    answer = client.post("/api/v1/contributions", json=body, headers=other)
    assert (answer.status_code, answer.json["errors"][0]["field"]) == (400, "media_id")
