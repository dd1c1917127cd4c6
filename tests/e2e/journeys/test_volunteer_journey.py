"""Journey 1, on a fresh site: a student finds a recruitment campaign by its poster's QR
code and applies on a phone; a coordinator accepts; the student completes the onboarding
training, signs up for a shift, checks in and out at the kiosk by its QR code; the
coordinator verifies the hours; the student sees points and a badge and downloads a
service certificate.

Time: a browser test cannot wait for a shift to start. The coordinator moves the training
and the shift, once people are signed up, so that they run now, and adds the hours served
with evidence (what a coordinator does when scans do not show the time worked): the
student's check-out comes seconds after the check-in.
"""

from __future__ import annotations

import io
import re
from datetime import time

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e.journeys import steps

CAMPAIGN = "2026 春季图书馆志愿者招募"
QUESTION = "你为什么想加入？"
TRAINING = "新志愿者入门培训"
SERVICE = "总馆服务台值班"
TWO_HOURS = re.compile(r"^\s*2(\s*小时)?\s*$")


@pytest.fixture(autouse=True)
def quick_kiosk_codes(fresh_site) -> None:
    """The kiosk's code changes every 10 s here (`CHECKIN_CODE_SECONDS`, a deployment
    setting, 30 by default): checking out needs a newer code than the check-in's."""
    fresh_site.app.config["CHECKIN_CODE_SECONDS"] = 10


def test_from_the_poster_to_a_certificate(phone, desk, fresh_site, first_admin, tmp_path):
    # The first administrator sets the site up: people, and a badge for a first shift.
    admin = desk()
    steps.admin_logs_in_first_time(admin, first_admin)
    teacher = steps.admin_creates_person(
        admin, number="T1001", name="陈老师", password="given-pass-1", roles=("coordinator",)
    )
    pupil = steps.admin_creates_person(
        admin, number="2025141001", name="林知行", password="given-pass-2"
    )
    steps.admin_edits_badge(
        admin, "shifts_5", name_zh="首次上岗", name_en="First shift", threshold=1
    )

    # The coordinator makes a team with an onboarding training, and a campaign.
    office = desk()
    teacher = steps.first_login(office, teacher, "teacher-pass-9")
    team_id = steps.coordinator_creates_team(office, "图书馆志愿者队", onboarding=True)
    campaign_id = steps.coordinator_opens_campaign(
        office, fresh_site, team_id=team_id, title=CAMPAIGN, question=QUESTION
    )
    training_task = steps.coordinator_creates_task(
        office, team_id=team_id, title=TRAINING, kind="training", onboarding=True
    )
    service_task = steps.coordinator_creates_task(
        office, team_id=team_id, title=SERVICE, location="总馆一楼"
    )
    day = steps.tomorrow(fresh_site)
    training = steps.coordinator_creates_shift(office, training_task, day, time(9), time(10))
    shift = steps.coordinator_creates_shift(office, service_task, day, time(14), time(16))

    # The student scans the poster's QR code with a phone.
    url = steps.read_qr(steps.coordinator_saves_poster(office, campaign_id))
    assert url == f"{fresh_site.url}/recruitment/campaigns/{campaign_id}"
    student = phone()
    student.goto(url)
    expect(student.get_by_test_id("campaign-title")).to_have_text(CAMPAIGN)
    student.get_by_test_id("login-to-apply").click()
    steps.submit_login(student, pupil.student_number, pupil.password)
    pupil = steps.choose_password(student, pupil, "student-pass-7")
    expect(student).to_have_url(url)  # back on the campaign after the new password
    steps.student_applies(student, url, QUESTION, "我喜欢读书，也想帮助同学。")
    expect(student.get_by_test_id("my-application")).to_contain_text("已提交")

    steps.coordinator_accepts(office, campaign_id, pupil)
    student.reload()
    expect(student.get_by_test_id("my-application")).to_contain_text("已录取")

    # Before the onboarding training the service shift cannot be taken.
    student.goto("/shifts/")
    expect(
        student.get_by_test_id(f"shift-{shift}").get_by_test_id("after-training")
    ).to_contain_text("入队培训")
    steps.student_signs_up(student, training)
    steps.coordinator_moves_shift(office, training, *steps.running_slot(fresh_site))
    steps.coordinator_completes_training(office, training)

    steps.student_signs_up(student, shift)
    steps.coordinator_moves_shift(office, shift, *steps.running_slot(fresh_site))

    # The kiosk shows the QR code; the student's phone (still logged in) checks in.
    kiosk = desk()
    steps.log_in(kiosk, teacher)
    steps.coordinator_opens_kiosk(kiosk, shift)
    first_code = steps.kiosk_code_url(kiosk)
    assert first_code.startswith(f"{fresh_site.url}/c/")
    student.goto(first_code)
    answer = student.get_by_test_id("scan-answer")
    expect(answer).to_have_attribute("data-outcome", "checked_in")
    expect(student.get_by_test_id("scan-name")).to_have_text(pupil.name)
    expect(kiosk.locator('[data-count="in"]')).to_have_text("1")

    # Leaving, the student scans the kiosk again (its code has changed by then).
    qr = kiosk.get_by_test_id("kiosk-qr")
    expect(qr).not_to_have_attribute("data-url", first_code, timeout=25_000)
    student.goto(steps.kiosk_code_url(kiosk))
    expect(answer).to_have_attribute("data-outcome", "already_in")
    student.get_by_test_id("check-out").click()
    expect(answer).to_have_attribute("data-outcome", "checked_out")
    student.get_by_role("link", name="我的班次").click()  # the answer page's way back

    # The coordinator adds the two hours served, with evidence, and verifies them.
    steps.coordinator_adds_hours(office, shift, pupil, 120, "服务台值班签到表，陈老师确认")
    steps.coordinator_verifies(office, shift, pupil)

    # The jobs book the points and award the badge (run now instead of on their schedule).
    steps.admin_runs_job(admin, "rewards.award_points")
    steps.admin_runs_job(admin, "rewards.evaluate_badges")

    steps.follow_menu(student, "nav-achievements", "me")
    expect(student.get_by_test_id("hours")).to_have_text(TWO_HOURS)
    expect(student.get_by_test_id("balance")).to_have_text("40")  # 2 h × 10 + training 20
    expect(student.get_by_test_id("badge-shifts_5")).to_contain_text("首次上岗")

    # My hours → a service certificate for this semester, downloaded as a PDF.
    steps.follow_menu(student, "nav-my-hours", "me")
    expect(student.get_by_test_id("verified-hours")).to_have_text(TWO_HOURS)
    student.locator("#semester").select_option(index=1)
    with student.expect_download() as downloaded:
        student.get_by_test_id("issue-certificate").click()
    download = downloaded.value
    assert download.suggested_filename.endswith(".pdf")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    pages = PdfReader(io.BytesIO(saved.read_bytes())).pages
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))
    assert f"兹证明{pupil.name}（学号：{pupil.student_number}）" in text
    assert "经核验的服务时长共计2小时" in text
    assert SERVICE in text
