"""Applying through the API from several requests at the same moment (the suite's SQLite
file, or PostgreSQL when TEST_DATABASE_URL names one): with one Idempotency-Key every
request gets the one answer; without, one application and the rest refused as a conflict."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db as _db
from app.recruitment.models import Application
from tests.api.conftest import bearer
from tests.api.test_idempotency_concurrency import TRIES, post_together
from tests.recruitment import recruiting


def _campaign_and_headers(db, make_token, **headers):
    campaign = recruiting.campaign(recruiting.team(name="阅览室志愿者队"))
    person = recruiting.applicant("张三")
    db.session.commit()
    body = {"answers": recruiting.answers_for(campaign), "consent": True}
    return campaign, body, bearer(make_token(person, scopes=["teams:write"]), **headers)


def applications() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(Application.id)))


def test_racing_applies_with_one_key_write_once_and_share_the_answer(app, db, make_token):
    campaign, body, headers = _campaign_and_headers(db, make_token, **{"Idempotency-Key": "a-1"})

    answers = post_together(app, f"/api/v1/campaigns/{campaign.id}/apply", headers, TRIES, body)

    assert sorted(a.status_code for a in answers) == [201] * TRIES
    assert len({a.get_data() for a in answers}) == 1
    assert applications() == 1


def test_racing_applies_without_a_key_keep_one_and_refuse_the_rest(app, db, make_token):
    campaign, body, headers = _campaign_and_headers(db, make_token)

    answers = post_together(app, f"/api/v1/campaigns/{campaign.id}/apply", headers, TRIES, body)

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (TRIES - 1), [a.get_data(as_text=True) for a in answers]
    assert applications() == 1
