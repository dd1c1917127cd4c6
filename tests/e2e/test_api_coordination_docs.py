"""The token page offers the coordination and columns scopes (in Chinese, at a phone's size)
and the docs page lists their operations."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in


def test_the_coordination_and_columns_scopes_and_operations_are_offered(page: Page, make_person):
    log_in(page, make_person(name="孙老师", roles=["coordinator"]))
    page.goto("/profile/tokens")
    for scope in ("coordination:read", "coordination:write", "columns:read", "columns:write"):
        expect(page.locator(f"input[value='{scope}']")).to_be_attached()
    page.screenshot(path="/tmp/apicoord-tokens.png", full_page=True)
    page.goto("/api/v1/docs")
    for operation in (
        "coordination-listTeamAttendance",
        "coordination-verifyAttendance",
        "coordination-decideApplication",
        "coordination-getShiftRoster",
        "columns-listColumnPosts",
        "columns-uploadMedia",
        "columns-createContribution",
    ):
        expect(page.locator(f"#operations-{operation}")).to_be_visible()
    page.screenshot(path="/tmp/apicoord-docs.png")
