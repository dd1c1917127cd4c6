"""Teams, campaigns, eligibility and applying, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.common.markdown import render_markdown
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.recruitment import applying, campaigns, eligibility, review
from app.recruitment.answers import AnswersInvalid
from app.recruitment.campaigns import CampaignFields, QuestionFields
from app.recruitment.models import Application, Membership
from app.recruitment.teams import services as team_services
from tests import factories
from tests.recruitment import recruiting

pytestmark = pytest.mark.usefixtures("english_messages")


def actions(db) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


# --- Teams -------------------------------------------------------------------------------


def test_a_team_is_created_audited_and_found_by_its_coordinators(db):
    admin = recruiting.admin()
    team = team_services.create_team(
        name=" 图书馆志愿者队 ",
        kind="volunteer_team",
        description="每周服务",
        requires_onboarding=True,
        actor=admin,
    )
    teacher = factories.person(roles=["coordinator"])
    team_services.grant_coordinator(team, teacher, actor=admin)
    team_services.grant_coordinator(team, teacher, actor=admin)  # twice is harmless
    assert team.name == "图书馆志愿者队"
    assert team_services.teams_for(teacher) == [team]
    assert team_services.teams_for(admin) == [team]
    assert team_services.teams_for(factories.person(roles=["coordinator"])) == []
    assert team_services.get_team(team.id) is team
    assert actions(db).count("recruitment.coordinator_granted") == 1
    assert "recruitment.team_created" in actions(db)


def test_team_names_are_unique_and_required(db):
    admin = recruiting.admin()
    team_services.create_team(name="勤工俭学学生助理", kind="student_assistants", actor=admin)
    with pytest.raises(Conflict):
        team_services.create_team(name="勤工俭学学生助理", kind="student_assistants", actor=admin)
    with pytest.raises(InvalidInput):
        team_services.create_team(name="  ", kind="volunteer_team", actor=admin)
    with pytest.raises(InvalidInput):
        team_services.create_team(name="x", kind="choir", actor=admin)


def test_updating_and_revoking(db):
    admin = recruiting.admin()
    teacher = factories.person(roles=["coordinator"])
    team = recruiting.team(coordinators=[teacher])
    team_services.update_team(
        team,
        name="学科联系专员",
        kind="special_role",
        description="",
        requires_onboarding=False,
        active=False,
        actor=admin,
    )
    assert (team.name, team.kind, team.active) == ("学科联系专员", "special_role", False)
    team_services.revoke_coordinator(team, teacher, actor=admin)
    assert team_services.teams_for(teacher) == []
    with pytest.raises(NotFound):
        team_services.get_team(99999)


def test_only_coordinators_can_be_granted_a_team(db):
    team = recruiting.team()
    with pytest.raises(InvalidInput):
        team_services.grant_coordinator(team, factories.person(), actor=recruiting.admin())


# --- Campaigns ---------------------------------------------------------------------------


def test_a_campaign_keeps_its_questions_in_order(db):
    campaign = recruiting.campaign(recruiting.team())
    assert [q.kind for q in campaign.questions] == [
        "short_text",
        "single_choice",
        "multiple_choice",
        "availability",
        "long_text",
    ]
    assert campaign.questions[1].options == ["江安", "望江", "华西"]
    assert campaign.accepted_count == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"title": " "}, "title"),
        ({"quota": 0}, "quota"),
        ({"selection_mode": "auction"}, "selection_mode"),
        ({"eligible_user_types": ["alien"]}, "eligible_user_types"),
        ({"eligible_college_ids": [424242]}, "eligible_college_ids"),
        ({"eligible_years": [1800]}, "eligible_years"),
    ],
)
def test_bad_campaign_fields_are_refused_with_the_field_named(db, override, field):
    team = recruiting.team()
    with pytest.raises(InvalidInput) as error:
        recruiting.campaign(team, **override)
    assert error.value.field == field


def test_closing_must_follow_opening(db):
    now = utcnow()
    with pytest.raises(InvalidInput) as error:
        recruiting.campaign(recruiting.team(), opens_at=now, closes_at=now - timedelta(hours=1))
    assert error.value.field == "closes_at"


def test_choice_questions_need_two_options(db):
    with pytest.raises(InvalidInput, match="at least two options"):
        recruiting.campaign(
            recruiting.team(),
            questions=[QuestionFields(kind="single_choice", label="Pick", options=["only"])],
        )


def test_a_coordinator_of_another_team_cannot_create_or_edit_its_campaigns(db):
    team, other = recruiting.team(), recruiting.team()
    outsider = recruiting.coordinator(other)
    with pytest.raises(Forbidden):
        recruiting.campaign(team, actor=outsider)
    campaign = recruiting.campaign(team)
    data = CampaignFields(
        team_id=team.id,
        title="x",
        quota=3,
        opens_at=campaign.opens_at,
        closes_at=campaign.closes_at,
    )
    with pytest.raises(Forbidden):
        campaigns.update_campaign(campaign, data, [], actor=outsider)


def _fields(campaign, **changes) -> CampaignFields:
    values = {
        "team_id": campaign.team_id,
        "title": campaign.title,
        "quota": campaign.quota,
        "opens_at": campaign.opens_at,
        "closes_at": campaign.closes_at,
        "description": campaign.description,
        "selection_mode": campaign.selection_mode,
        "published": campaign.published,
    }
    values.update(changes)
    return CampaignFields(**values)


def _questions(campaign) -> list[QuestionFields]:
    return [
        QuestionFields(
            id=q.id,
            kind=q.kind,
            label=q.label,
            help_text=q.help_text,
            required=q.required,
            options=list(q.options),
        )
        for q in campaign.questions
    ]


def test_after_applications_only_question_wording_can_change(db):
    campaign = recruiting.campaign(recruiting.team())
    recruiting.apply(campaign)
    questions = _questions(campaign)
    questions[0].label = "Why the library?"
    admin = recruiting.admin()
    campaigns.update_campaign(campaign, _fields(campaign), questions, actor=admin)
    assert campaign.questions[0].label == "Why the library?"
    with pytest.raises(InvalidInput, match="already applied"):
        campaigns.update_campaign(campaign, _fields(campaign), questions[:2], actor=admin)
    with pytest.raises(InvalidInput):
        campaigns.update_campaign(
            campaign, _fields(campaign, selection_mode="lottery"), questions, actor=admin
        )


def test_the_quota_cannot_drop_below_the_accepted(db):
    admin = recruiting.admin()
    campaign = recruiting.campaign(recruiting.team(), quota=3)
    for name in ("甲", "乙"):
        review.decide(
            recruiting.apply(campaign, recruiting.applicant(name)), "accepted", actor=admin
        )
    with pytest.raises(InvalidInput) as error:
        campaigns.update_campaign(
            campaign, _fields(campaign, quota=1), _questions(campaign), actor=admin
        )
    assert error.value.field == "quota"


# --- Eligibility -------------------------------------------------------------------------


def test_an_eligible_student_sees_no_reasons(db):
    campaign = recruiting.campaign(recruiting.team())
    verdict = eligibility.eligibility(campaign, recruiting.applicant())
    assert verdict.ok and verdict.reasons == []


def test_every_reason_is_given_in_words(db, app):
    college = factories.college("08", "计算机学院")
    other = factories.college("01", "文学与新闻学院")
    campaign = recruiting.campaign(
        recruiting.team(),
        eligible_user_types=["postgraduate"],
        eligible_college_ids=[other.id],
        eligible_years=[2023],
    )
    student = recruiting.applicant(
        user_type="undergraduate", college_id=college.id, enrolment_year=2025
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask import session

        session["locale"] = "en"
        reasons = eligibility.eligibility(campaign, student).reasons
    assert "This campaign is for postgraduates only." in reasons
    assert any("Your college is not among" in r and "文学与新闻学院" in r for r in reasons)
    assert any("enrolled in 2023" in r for r in reasons)


def test_closed_not_yet_open_and_unpublished_campaigns_explain_themselves(db):
    now = utcnow()
    student = recruiting.applicant()
    team = recruiting.team()
    closed = recruiting.campaign(
        team, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=1)
    )
    later = recruiting.campaign(
        team, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9)
    )
    draft = recruiting.campaign(team, published=False)
    assert "closed" in eligibility.eligibility(closed, student, now=now).reasons[0]
    assert "Not open yet" in eligibility.eligibility(later, student, now=now).reasons[0]
    assert "not open" in eligibility.eligibility(draft, student, now=now).reasons[0]


def test_a_deactivated_account_is_not_eligible(db):
    student = recruiting.applicant()
    student.active = False
    verdict = eligibility.eligibility(recruiting.campaign(recruiting.team()), student)
    assert "Your account is not active." in verdict.reasons


def test_a_full_first_come_campaign_says_full(db):
    campaign = recruiting.campaign(recruiting.team(), quota=1, selection_mode="first_come")
    recruiting.apply(campaign)
    verdict = eligibility.eligibility(campaign, recruiting.applicant("王五"))
    assert any(reason.startswith("Full") for reason in verdict.reasons)


# --- Applying ----------------------------------------------------------------------------


def test_applying_stores_answers_consent_and_audit(db):
    campaign = recruiting.campaign(recruiting.team(), consent_text="我同意图书馆使用我的信息。")
    application = recruiting.apply(campaign, Skills=["外语", "摄影"])
    assert application.status == "submitted"
    assert application.consented_at is not None
    skills = str(campaign.questions[2].id)
    assert application.answers[skills] == ["摄影", "外语"]  # in the options' order
    assert "recruitment.applied" in actions(db)
    assert applying.applications_of(application.user) == [application]


def test_applying_twice_is_a_conflict(db):
    campaign = recruiting.campaign(recruiting.team())
    student = recruiting.applicant()
    recruiting.apply(campaign, student)
    with pytest.raises(Conflict, match="already applied"):
        recruiting.apply(campaign, student)
    assert db.session.scalar(select(func.count(Application.id))) == 1


def test_ineligible_or_closed_applications_are_refused(db):
    now = utcnow()
    campaign = recruiting.campaign(
        recruiting.team(), opens_at=now - timedelta(days=3), closes_at=now - timedelta(minutes=1)
    )
    with pytest.raises(InvalidInput, match="closed"):
        recruiting.apply(campaign, now=now)
    typed = recruiting.campaign(recruiting.team(), eligible_user_types=["staff"])
    with pytest.raises(InvalidInput, match="staff"):
        recruiting.apply(typed)


def test_every_missing_or_wrong_answer_is_reported_by_question(db):
    campaign = recruiting.campaign(recruiting.team())
    q = {question.label: str(question.id) for question in campaign.questions}
    answers = {
        q["Why do you want to join?"]: "   ",
        q["Campus"]: "火星",
        q["Skills"]: ["写作", "开挖掘机"],
        q["When are you free?"]: {"mon": ["midnight"]},
        q["Anything else?"]: "x" * 2001,
    }
    with pytest.raises(AnswersInvalid) as error:
        applying.apply(campaign, recruiting.applicant(), answers)
    assert set(error.value.errors) == set(q.values())
    assert db.session.scalar(select(func.count(Application.id))) == 0


@pytest.mark.parametrize(
    "grid", [{"someday": ["morning"]}, {"mon": "morning"}, ["mon:morning"], {"mon": [1]}]
)
def test_availability_must_fit_the_weekly_grid(db, grid):
    campaign = recruiting.campaign(recruiting.team())
    with pytest.raises(AnswersInvalid):
        recruiting.apply(campaign, **{"When are you free?": grid})


def test_short_text_has_a_length_limit(db):
    campaign = recruiting.campaign(recruiting.team())
    with pytest.raises(AnswersInvalid):
        recruiting.apply(campaign, **{"Why do you want to join?": "好" * 201})


def test_consent_must_be_ticked_when_the_campaign_asks(db):
    campaign = recruiting.campaign(recruiting.team(), consent_text="我同意。")
    with pytest.raises(InvalidInput) as error:
        applying.apply(
            campaign, recruiting.applicant(), recruiting.answers_for(campaign), consent=False
        )
    assert error.value.field == "consent"


def test_answers_with_html_are_stored_as_given(db):
    campaign = recruiting.campaign(recruiting.team())
    script = "<script>alert('x')</script>"
    application = recruiting.apply(campaign, **{"Why do you want to join?": script})
    assert application.answers[str(campaign.questions[0].id)] == script


def test_first_come_accepts_at_once_until_full_and_makes_a_member(db):
    campaign = recruiting.campaign(recruiting.team(), quota=2, selection_mode="first_come")
    first = recruiting.apply(campaign, recruiting.applicant("甲"))
    second = recruiting.apply(campaign, recruiting.applicant("乙"))
    assert (first.status, second.status) == ("accepted", "accepted")
    late = recruiting.applicant("丙")
    db.session.commit()
    with pytest.raises(Conflict, match="Full"):
        recruiting.apply(campaign, late)
    db.session.rollback()
    assert campaign.accepted_count == 2
    assert eligibility.find_application(campaign, late) is None
    members = db.session.scalars(select(Membership.user_id)).all()
    assert sorted(members) == sorted([first.user_id, second.user_id])


# --- Editing and withdrawing -------------------------------------------------------------


def test_the_applicant_edits_while_submitted_and_open(db):
    campaign = recruiting.campaign(recruiting.team())
    application = recruiting.apply(campaign)
    answers = recruiting.answers_for(campaign, Campus="望江")
    applying.update_application(application, application.user, answers, consent=True)
    assert application.answers[str(campaign.questions[1].id)] == "望江"
    assert "recruitment.application_edited" in actions(db)


def test_nobody_edits_someone_elses_application(db):
    campaign = recruiting.campaign(recruiting.team())
    application = recruiting.apply(campaign)
    with pytest.raises(Forbidden):
        applying.update_application(
            application, recruiting.applicant("王五"), recruiting.answers_for(campaign)
        )


def test_no_edits_after_close_or_once_under_review(db):
    campaign = recruiting.campaign(recruiting.team())
    application = recruiting.apply(campaign)
    later = campaign.closes_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="closed"):
        applying.update_application(
            application, application.user, recruiting.answers_for(campaign), now=later
        )
    review.decide(application, "shortlisted", actor=recruiting.admin())
    with pytest.raises(Conflict, match="being reviewed"):
        applying.update_application(application, application.user, recruiting.answers_for(campaign))


def test_withdrawing_and_applying_again(db):
    campaign = recruiting.campaign(recruiting.team())
    application = recruiting.apply(campaign)
    applying.withdraw_application(application, application.user)
    assert application.status == "withdrawn"
    with pytest.raises(Conflict):
        applying.withdraw_application(application, application.user)
    again = recruiting.apply(campaign, application.user)
    assert again.id == application.id and again.status == "submitted"


def test_an_accepted_applicant_cannot_withdraw(db):
    campaign = recruiting.campaign(recruiting.team())
    application = recruiting.apply(campaign)
    review.decide(application, "accepted", actor=recruiting.admin())
    with pytest.raises(Conflict, match="coordinator"):
        applying.withdraw_application(application, application.user)


def test_no_withdrawal_after_close_except_from_the_waitlist(db):
    campaign = recruiting.campaign(recruiting.team())
    waiting = recruiting.apply(campaign, recruiting.applicant("甲"))
    pending = recruiting.apply(campaign, recruiting.applicant("乙"))
    review.decide(waiting, "waitlisted", actor=recruiting.admin())
    later = campaign.closes_at + timedelta(hours=1)
    with pytest.raises(Conflict, match="closed"):
        applying.withdraw_application(pending, pending.user, now=later)
    applying.withdraw_application(waiting, waiting.user, now=later)
    assert waiting.status == "withdrawn"


# --- Home page helpers -------------------------------------------------------------------


def test_open_campaigns_for_a_student_and_the_review_queue(db):
    team, other = recruiting.team(), recruiting.team()
    teacher = recruiting.coordinator(team)
    mine = recruiting.campaign(team, title="可申请")
    recruiting.campaign(other, title="只限教工", eligible_user_types=["staff"])
    student = recruiting.applicant()
    assert [c.title for c in eligibility.eligible_open_campaigns(student)] == ["可申请"]
    recruiting.apply(mine, recruiting.applicant("甲"))
    recruiting.apply(mine, recruiting.applicant("乙"))
    assert [(c.id, n) for c, n in campaigns.review_queue(teacher)] == [(mine.id, 2)]
    assert campaigns.review_queue(recruiting.coordinator(name="别队")) == []


# --- Markdown ----------------------------------------------------------------------------


def test_markdown_keeps_the_allowed_tags_and_escapes_the_rest():
    html = str(
        render_markdown(
            "### 职责\n\n**认真** [报名](https://lib.example.cn)\n\n<script>alert(1)</script>"
            '\n\n<img src=x onerror="alert(1)"> [bad](javascript:alert(1))'
        )
    )
    assert "<h3>职责</h3>" in html
    assert "<strong>认真</strong>" in html
    assert 'href="https://lib.example.cn" rel="nofollow noopener"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img" not in html
    assert "javascript:" not in html
