"""Recruitment pages through HTTP, for each role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.common.time import utcnow
from app.recruitment import eligibility, review
from app.recruitment.models import Application, Campaign
from tests import factories
from tests.helpers import choose_english, page
from tests.recruitment import recruiting


@pytest.fixture
def world(db):
    """Two teams, each with a coordinator, a campaign of the first team with one
    application, a volunteer and a student who has not applied."""
    team = recruiting.team(name="图书馆志愿者队")
    other = recruiting.team(name="勤工俭学学生助理", kind="student_assistants")
    people = {
        "coordinator": recruiting.coordinator(team, name="陈老师"),
        "other_coordinator": recruiting.coordinator(other, name="林老师"),
        "admin": recruiting.admin(),
        "volunteer": recruiting.applicant("志愿者甲"),
        "student": factories.person(name="学生乙"),
    }
    campaign = recruiting.campaign(team, consent_text="我同意。")
    application = recruiting.apply(campaign, people["volunteer"])
    db.session.commit()
    return {
        "team": team,
        "other": other,
        "campaign": campaign,
        "application": application,
        **people,
    }


def form_answers(campaign, **by_label) -> dict:
    """The answers as the browser posts them."""
    q = {question.label: question for question in campaign.questions}
    data = {
        f"q-{q['Why do you want to join?'].id}": by_label.get("why", "我喜欢读书"),
        f"q-{q['Campus'].id}": by_label.get("campus", "江安"),
        f"q-{q['Skills'].id}": ["写作", "摄影"],
        f"q-{q['When are you free?'].id}": ["mon:morning", "fri:evening"],
        f"q-{q['Anything else?'].id}": by_label.get("else", ""),
        "consent": "y",
    }
    return data


# --- Access ----------------------------------------------------------------------------

COORDINATOR_PAGES = [
    ("get", "/recruitment/manage/{campaign}"),
    ("get", "/recruitment/manage/{campaign}/edit"),
    ("get", "/recruitment/manage/applications/{application}"),
    ("post", "/recruitment/manage/applications/{application}/decide"),
    ("post", "/recruitment/manage/applications/{application}/notes"),
    ("post", "/recruitment/manage/{campaign}/bulk"),
    ("post", "/recruitment/manage/{campaign}/draw"),
]


@pytest.mark.parametrize(("method", "url"), COORDINATOR_PAGES)
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("volunteer", 403),
        ("student", 403),
        ("other_coordinator", 403),
        ("coordinator", {200, 302}),
        ("admin", {200, 302}),
    ],
)
def test_coordinator_pages_by_role(client, login, world, db, method, url, who, expected):
    login(world[who])
    address = url.format(campaign=world["campaign"].id, application=world["application"].id)
    response = getattr(client, method)(address, data={"status": "shortlisted", "body": "好"})
    if isinstance(expected, set):
        assert response.status_code in expected
    else:
        assert response.status_code == expected
        db.session.expire_all()
        assert db.session.get(Application, world["application"].id).status == "submitted"


def test_the_campaign_page_is_public_and_asks_to_log_in(client, world):
    response = client.get(f"/recruitment/campaigns/{world['campaign'].id}")
    assert response.status_code == 200
    assert 'data-testid="login-to-apply"' in page(response)
    assert "<strong>图书馆志愿者队</strong>" in page(response)  # Markdown rendered


def test_a_draft_campaign_is_hidden_from_students(client, login, world, db):
    draft = recruiting.campaign(world["team"], published=False, title="草稿")
    db.session.commit()
    login(world["student"])
    assert client.get(f"/recruitment/campaigns/{draft.id}").status_code == 404
    assert client.post(f"/recruitment/campaigns/{draft.id}/apply").status_code == 404
    client.post("/logout")
    login(world["coordinator"])
    assert client.get(f"/recruitment/campaigns/{draft.id}").status_code == 200


def test_someone_elses_application_is_not_found(client, login, world):
    login(world["student"])
    application_id = world["application"].id
    assert client.get(f"/recruitment/applications/{application_id}/edit").status_code == 404
    assert client.post(f"/recruitment/applications/{application_id}/withdraw").status_code == 404


# --- Applying ----------------------------------------------------------------------------


def test_a_student_applies_and_sees_the_status(client, login, world, db):
    campaign = world["campaign"]
    login(world["student"])
    first = client.get(f"/recruitment/campaigns/{campaign.id}")
    assert 'data-testid="apply-form"' in page(first)
    response = client.post(
        f"/recruitment/campaigns/{campaign.id}/apply", data=form_answers(campaign)
    )
    assert response.status_code == 302
    db.session.expire_all()
    application = eligibility.find_application(campaign, world["student"])
    assert application.status == "submitted"
    grid = application.answers[str(campaign.questions[3].id)]
    assert grid == {"mon": ["morning"], "fri": ["evening"]}
    assert application.consented_at is not None
    mine = page(client.get("/recruitment/mine"))
    assert campaign.title in mine and 'data-testid="status-submitted"' in mine
    again = page(client.get(f"/recruitment/campaigns/{campaign.id}"))
    assert 'data-testid="my-application"' in again


def test_missing_answers_are_shown_per_question_and_nothing_is_saved(client, login, world, db):
    campaign = world["campaign"]
    login(world["student"])
    data = form_answers(campaign, why="", campus="火星")
    response = client.post(f"/recruitment/campaigns/{campaign.id}/apply", data=data)
    assert response.status_code == 400
    assert page(response).count('data-testid="answer-error"') == 2
    assert "我喜欢读书" not in page(response)  # the emptied answer stays empty
    db.session.expire_all()
    assert eligibility.find_application(campaign, world["student"]) is None


def test_consent_must_be_ticked(client, login, world, db):
    campaign = world["campaign"]
    login(world["student"])
    data = form_answers(campaign)
    del data["consent"]
    response = client.post(f"/recruitment/campaigns/{campaign.id}/apply", data=data)
    assert response.status_code == 400
    assert 'data-testid="consent-error"' in page(response)
    assert eligibility.find_application(campaign, world["student"]) is None


def test_applying_twice_is_refused_with_a_message(client, login, world):
    campaign = world["campaign"]
    login(world["volunteer"])
    choose_english(client)
    response = client.post(
        f"/recruitment/campaigns/{campaign.id}/apply", data=form_answers(campaign)
    )
    assert response.status_code == 409
    assert "You have already applied to this campaign." in page(response)


def test_an_ineligible_student_sees_why_before_trying(client, login, world, db):
    staff_only = recruiting.campaign(world["team"], title="教工专场", eligible_user_types=["staff"])
    db.session.commit()
    login(world["student"])
    choose_english(client)
    response = client.get(f"/recruitment/campaigns/{staff_only.id}")
    assert 'data-testid="eligibility"' in page(response)
    assert "This campaign is for staff only." in page(response)
    assert 'data-testid="apply-form"' not in page(response)
    refused = client.post(
        f"/recruitment/campaigns/{staff_only.id}/apply", data=form_answers(staff_only)
    )
    assert refused.status_code == 400
    assert "staff only" in page(refused)


def test_a_closed_campaign_refuses_applications(client, login, world, db):
    now = utcnow()
    closed = recruiting.campaign(
        world["team"], opens_at=now - timedelta(days=5), closes_at=now - timedelta(hours=1)
    )
    db.session.commit()
    login(world["student"])
    response = client.post(f"/recruitment/campaigns/{closed.id}/apply", data=form_answers(closed))
    assert response.status_code == 400
    assert eligibility.find_application(closed, world["student"]) is None


def test_first_come_full_says_so(client, login, world, db):
    quick = recruiting.campaign(world["team"], quota=1, selection_mode="first_come")
    recruiting.apply(quick, recruiting.applicant("手快"))
    db.session.commit()
    login(world["student"])
    choose_english(client)
    response = client.get(f"/recruitment/campaigns/{quick.id}")
    assert "Full: all 1 places are taken." in page(response)
    refused = client.post(f"/recruitment/campaigns/{quick.id}/apply", data=form_answers(quick))
    assert refused.status_code == 409


def test_first_come_applicants_are_in_at_once(client, login, world, db):
    quick = recruiting.campaign(world["team"], quota=2, selection_mode="first_come")
    db.session.commit()
    login(world["student"])
    client.post(f"/recruitment/campaigns/{quick.id}/apply", data=form_answers(quick))
    db.session.expire_all()
    assert eligibility.find_application(quick, world["student"]).status == "accepted"


def test_html_in_answers_is_shown_escaped(client, login, world, db):
    campaign = world["campaign"]
    login(world["student"])
    script = "<script>alert('x')</script>"
    client.post(
        f"/recruitment/campaigns/{campaign.id}/apply",
        data=form_answers(campaign, why=script, **{"else": "<b>bold</b>\nline two"}),
    )
    application = eligibility.find_application(campaign, world["student"])
    for viewer, url in (
        ("student", f"/recruitment/campaigns/{campaign.id}"),
        ("coordinator", f"/recruitment/manage/applications/{application.id}"),
    ):
        client.post("/logout")
        login(world[viewer])
        html = page(client.get(url))
        assert script not in html and "&lt;script&gt;" in html
        assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;<br>line two" in html


def test_editing_and_withdrawing_my_application(client, login, world, db):
    campaign, application = world["campaign"], world["application"]
    login(world["volunteer"])
    form = client.get(f"/recruitment/applications/{application.id}/edit")
    assert form.status_code == 200 and "我喜欢图书馆" in page(form)
    response = client.post(
        f"/recruitment/applications/{application.id}/edit",
        data=form_answers(campaign, campus="华西"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert application.answers[str(campaign.questions[1].id)] == "华西"
    client.post(f"/recruitment/applications/{application.id}/withdraw")
    db.session.expire_all()
    assert application.status == "withdrawn"


def test_an_accepted_applicant_cannot_withdraw(client, login, world, db):
    application = world["application"]
    review.decide(application, "accepted", actor=world["coordinator"])
    db.session.commit()
    login(world["volunteer"])
    campaign_page = page(client.get(f"/recruitment/campaigns/{world['campaign'].id}"))
    assert 'data-testid="withdraw-application"' not in campaign_page
    client.post(f"/recruitment/applications/{application.id}/withdraw")
    db.session.expire_all()
    assert application.status == "accepted"


# --- Coordinators ----------------------------------------------------------------------


def campaign_form(team, **changes) -> dict:
    data = {
        "team_id": str(team.id),
        "title": "2026 秋季学生助理招募",
        "description": "**欢迎**",
        "quota": "10",
        "opens_at": "2026-09-01T08:00",
        "closes_at": "2026-09-15T20:00",
        "selection_mode": "review",
        "eligible_user_types": ["undergraduate", "postgraduate"],
        "eligible_years": "2024, 2025",
        "consent_text": "",
        "published": "y",
        "questions-0-kind": "short_text",
        "questions-0-label": "你的特长？",
        "questions-0-required": "y",
        "questions-1-kind": "single_choice",
        "questions-1-label": "校区",
        "questions-1-options": "江安\n望江\n",
        "questions-1-required": "y",
        "questions-5-kind": "short_text",
        "questions-5-label": "",  # a blank row is ignored
    }
    data.update(changes)
    return data


def test_a_coordinator_creates_a_campaign_in_local_time(client, login, world, db):
    login(world["coordinator"])
    assert 'data-testid="campaign-form"' in page(client.get("/recruitment/manage/new"))
    response = client.post("/recruitment/manage/new", data=campaign_form(world["team"]))
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.title == "2026 秋季学生助理招募"))
    assert campaign.opens_at.isoformat() == "2026-09-01T00:00:00"  # 08:00 in Shanghai
    assert [q.label for q in campaign.questions] == ["你的特长？", "校区"]
    assert campaign.questions[1].options == ["江安", "望江"]
    assert campaign.eligible_years == [2024, 2025]
    edit = page(client.get(f"/recruitment/manage/{campaign.id}/edit"))
    assert 'value="2026-09-01T08:00"' in edit


def test_a_coordinator_cannot_create_for_another_team(client, login, world, db):
    login(world["coordinator"])
    response = client.post("/recruitment/manage/new", data=campaign_form(world["other"]))
    assert response.status_code == 400
    assert db.session.scalar(select(Campaign).where(Campaign.team_id == world["other"].id)) is None


def test_bad_campaign_input_is_shown_on_the_form(client, login, world, db):
    login(world["coordinator"])
    data = campaign_form(world["team"], closes_at="2026-08-01T08:00", eligible_years="二〇二四")
    response = client.post("/recruitment/manage/new", data=data)
    assert response.status_code == 400
    assert "is-invalid" in page(response)
    assert db.session.scalar(select(Campaign).where(Campaign.title == data["title"])) is None


def test_the_review_list_filters_and_counts(client, login, world, db):
    college = factories.college("05", "数学学院")
    campaign = world["campaign"]
    math = recruiting.applicant("数学生", college_id=college.id, enrolment_year=2024)
    recruiting.apply(campaign, math, **{"Why do you want to join?": "喜欢整理书架"})
    db.session.commit()
    login(world["coordinator"])
    url = f"/recruitment/manage/{campaign.id}"
    everyone = page(client.get(url))
    assert "数学生" in everyone and "志愿者甲" in everyone
    assert 'data-testid="quota-count">0 / 5' in everyone
    by_text = page(client.get(url, query_string={"q": "书架"}))
    assert "数学生" in by_text and "志愿者甲" not in by_text
    by_college = page(client.get(url, query_string={"college": college.id}))
    assert "数学生" in by_college and "志愿者甲" not in by_college
    by_year = page(client.get(url, query_string={"year": 2023}))
    assert "数学生" not in by_year
    by_status = page(client.get(url, query_string={"status": "accepted"}))
    assert "数学生" not in by_status and "志愿者甲" not in by_status


def test_a_coordinator_accepts_from_the_detail_page(client, login, world, db):
    application = world["application"]
    login(world["coordinator"])
    detail = page(client.get(f"/recruitment/manage/applications/{application.id}"))
    assert 'data-testid="decide-accepted"' in detail
    assert 'data-testid="applicant-facts"' in detail
    response = client.post(
        f"/recruitment/manage/applications/{application.id}/decide", data={"status": "accepted"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert application.status == "accepted"
    assert world["campaign"].accepted_count == 1


def test_a_bad_decision_is_a_message_not_an_error_page(client, login, world, db):
    application = world["application"]
    login(world["coordinator"])
    response = client.post(
        f"/recruitment/manage/applications/{application.id}/decide",
        data={"status": "withdrawn"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "alert-danger" in page(response)
    db.session.expire_all()
    assert application.status == "submitted"


def test_notes_are_added_and_shown_escaped(client, login, world, db):
    application = world["application"]
    login(world["coordinator"])
    client.post(
        f"/recruitment/manage/applications/{application.id}/notes",
        data={"body": "<i>面试</i>很好"},
    )
    html = page(client.get(f"/recruitment/manage/applications/{application.id}"))
    assert "&lt;i&gt;面试&lt;/i&gt;很好" in html
    empty = client.post(
        f"/recruitment/manage/applications/{application.id}/notes",
        data={"body": "  "},
        follow_redirects=True,
    )
    assert "alert-danger" in page(empty)


def test_bulk_accept_reports_rows_that_did_not_fit(client, login, world, db):
    team = world["team"]
    small = recruiting.campaign(team, quota=2, title="小名额")
    ids = [recruiting.apply(small, recruiting.applicant(f"批量{i}")).id for i in range(3)]
    db.session.commit()
    login(world["coordinator"])
    response = client.post(
        f"/recruitment/manage/{small.id}/bulk",
        data={"application_ids": [str(i) for i in ids], "status": "accepted"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "alert-warning" in page(response)  # the third did not fit
    db.session.expire_all()
    statuses = [db.session.get(Application, i).status for i in ids]
    assert statuses == ["accepted", "accepted", "submitted"]


def test_the_lottery_page_shows_the_draw_and_its_check(client, login, world, db):
    now = utcnow()
    drawn = recruiting.campaign(
        world["team"],
        selection_mode="lottery",
        quota=1,
        opens_at=now - timedelta(days=5),
        closes_at=now + timedelta(hours=1),
    )
    for i in range(3):
        recruiting.apply(drawn, recruiting.applicant(f"抽{i}"), now=now)
    drawn.closes_at = now - timedelta(minutes=1)
    db.session.commit()
    login(world["coordinator"])
    before = page(client.get(f"/recruitment/manage/{drawn.id}"))
    assert 'data-testid="draw-lottery"' in before
    response = client.post(f"/recruitment/manage/{drawn.id}/draw", follow_redirects=True)
    html = page(response)
    assert 'data-testid="lottery-seed"' in html
    assert "text-bg-success" in html  # the ranks match the seed
    db.session.expire_all()
    assert db.session.get(Campaign, drawn.id).accepted_count == 1


def test_home_shows_open_campaigns_and_the_review_queue(client, login, world):
    login(world["student"])
    home = page(client.get("/"))
    assert world["campaign"].title in home
    client.post("/logout")
    login(world["coordinator"])
    home = page(client.get("/"))
    assert 'data-testid="waiting-applications"' in home
    assert 'data-testid="nav-review"' in home


def test_the_recruitment_list_shows_open_campaigns(client, login, world):
    login(world["student"])
    html = page(client.get("/recruitment/"))
    assert world["campaign"].title in html
    assert f'data-testid="campaign-{world["campaign"].id}"' in html
