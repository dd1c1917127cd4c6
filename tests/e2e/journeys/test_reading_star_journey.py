"""Whole-product journey: on a fresh site the admin imports the readers from the campus
roster (XLSX) and a month of library use (the library system's CSV), makes Reading Star
the top two readers, and runs the monthly job; the right readers see the badge on their
phones, and the reading leaderboard shows everyone's score."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from openpyxl import Workbook
from playwright.sync_api import expect

from tests.e2e.journeys import steps

ROSTER_PASSWORD = "roster-first-1"
# (student number, name, loans, visits, minutes in the library, e-resource sessions) over
# the month. Scores (loans × 3 + visits + hours + e-sessions × 0.5): 王可欣 53 but only one
# loan (the badge asks for two), 张晓明 35, 李雨桐 21, 赵子涵 9.
READERS = (
    ("2025010001", "张晓明", 6, 5, 600, 4),
    ("2025010002", "李雨桐", 3, 8, 240, 0),
    ("2025010003", "王可欣", 1, 20, 1800, 0),
    ("2025010004", "赵子涵", 2, 2, 60, 0),
)
STAR = steps.Account("2025010001", ROSTER_PASSWORD, "张晓明")
RUNNER_UP = steps.Account("2025010004", ROSTER_PASSWORD, "赵子涵")


def last_month(site) -> date:
    """The first day of the month before this one, in the site's zone (the month the
    monthly job names the stars of)."""
    first = steps.local_now(site).date().replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def write_roster(path: Path) -> Path:
    """The campus system's export: a title row, then a header, numbers as text cells."""
    book = Workbook()
    sheet = book.active
    sheet.append(["2025级本科生名单"])
    sheet.append(["学号", "姓名", "学院", "人员类别"])
    for number, name, *_ in READERS:
        sheet.append([number, name, "文学与新闻学院", "本科生"])
    book.save(path)
    return path


def write_library_use(path: Path, month: date) -> Path:
    """The library system's daily CSV for `month`: each reader's figures split over two
    days, and a row for a student the site does not know."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["学号", "日期", "借阅次数", "入馆次数", "在馆分钟", "电子资源次数"])
        for number, _name, loans, visits, minutes, sessions in READERS:
            first = (loans // 2, visits // 2, minutes // 2, sessions // 2)
            second = (loans - first[0], visits - first[1], minutes - first[2], sessions - first[3])
            for day, figures in ((3, first), (17, second)):
                writer.writerow([number, month.replace(day=day).isoformat(), *figures])
        writer.writerow(["2025019999", month.replace(day=9).isoformat(), 4, 4, 100, 0])
    return path


def test_reading_star_goes_to_the_right_readers_after_the_imports(
    fresh_site, phone, desk, first_admin, tmp_path
):
    month = last_month(fresh_site)
    period = f"{month:%Y-%m}"

    admin = desk()
    steps.admin_logs_in_first_time(admin, first_admin)

    counts = steps.admin_imports_roster(
        admin, write_roster(tmp_path / "名单.xlsx"), ROSTER_PASSWORD
    )
    assert counts == {"create": "4", "update": "0", "unchanged": "0", "reject": "0"}

    counts = steps.admin_imports_library_use(admin, write_library_use(tmp_path / "借阅.csv", month))
    assert counts == {"total": "9", "stored": "8", "present": "0", "rejected": "1"}
    expect(admin.get_by_test_id("rejected-rows")).to_contain_text("2025019999")

    # Reading Star goes to the top two readers each month.
    steps.admin_edits_badge(admin, "reading_star", threshold=2)
    expect(admin.get_by_test_id("admin-badge-reading_star")).to_contain_text("2 名读者")
    assert "阅读之星: 2" in steps.admin_runs_job(admin, "rewards.monthly_stars")
    steps.admin_runs_job(admin, "rewards.build_leaderboards")
    steps.follow_menu(admin, "nav-badges-admin", "admin")
    expect(admin.get_by_test_id("admin-badge-reading_star").locator("td").nth(3)).to_have_text("2")

    # The star, on a phone, is told; the badge's page says why (rank 1 of 4: 王可欣's higher
    # score does not count with one loan), and My achievements lists it.
    star = phone()
    steps.first_login(star, STAR, "reader-password-2")
    steps.open_newest_notification(star, "阅读之星")
    expect(star.get_by_test_id("badge-name")).to_have_text(f"阅读之星 · {period}")
    expect(star.get_by_test_id("reason")).to_have_text(
        f"在{period}的 4 名读者中排名第 1，阅读得分为 35。"
    )
    steps.follow_menu(star, "nav-achievements", "me")
    expect(star.get_by_test_id("badge-reading_star")).to_contain_text(f"阅读之星 · {period}")

    # The reading board of last month: every reader by score, names masked, own rank.
    steps.follow_menu(star, "nav-leaderboards")
    star.get_by_test_id("metric-tabs").get_by_role("link", name="阅读").click()
    star.get_by_test_id("period-tabs").get_by_role("link", name="上月").click()
    rows = star.get_by_test_id("board-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("王*欣")
    expect(rows.nth(0)).to_contain_text("53.00")
    expect(rows.nth(1)).to_contain_text("张晓明")
    expect(rows.nth(1)).to_contain_text("35.00")
    expect(rows.nth(2)).to_contain_text("李*桐")
    expect(rows.nth(3)).to_contain_text("赵*涵")
    expect(star.get_by_test_id("my-rank")).to_contain_text("第 2 名")

    # Third of the readers above every minimum, but the badge now goes to the top two only.
    runner_up = phone()
    steps.first_login(runner_up, RUNNER_UP, "reader-password-3")
    steps.follow_menu(runner_up, "nav-achievements", "me")
    expect(runner_up.get_by_test_id("no-badges")).to_be_visible()
    expect(runner_up.get_by_test_id("badge-reading_star")).to_have_count(0)
