"""Every page passes axe-core's WCAG 2 A/AA checks with no serious or critical violation,
as every demo role: students and readers on a phone, staff at a desk."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from app.demo.data import DEMO_PASSWORD
from tests.e2e.a11y.urls import ROLES, page_urls
from tests.e2e.conftest import DESKTOP, PHONE, TIMEOUT_MS

AXE = "/static/vendor/axe-core-4.14.1/axe.min.js"
STATIC = Path(__file__).parents[3] / "static"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
STAFF = {"editor", "coordinator", "admin"}
# Swagger UI draws the API docs' explorer from its own vendored bundle and stylesheet
# (static/vendor/swagger-ui-*); its markup is not ours to fix, the page around it is.
NOT_OURS = [["#swagger-ui"]]
RUN_AXE = """([tags, exclude]) => axe.run({exclude}, {runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"]}).then(results => results.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" "))})))"""


@pytest.fixture(scope="module")
def urls(demo_site) -> list[str]:
    return page_urls(demo_site.app)


def log_in(page, login: str) -> None:
    page.goto("/login")
    page.locator("#identifier").fill(login)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form [type=submit]").click()
    page.locator("[data-testid=current-user]").wait_for(state="attached")


def is_page(context, url: str) -> bool:
    """Whether this role gets an HTML page there (not a redirect, 403, 404 or a file); asked
    without rendering, which is much quicker than opening the page."""
    response = context.request.get(url, max_redirects=0)
    return response.status == 200 and "text/html" in response.headers.get("content-type", "")


def violations_on(page, url: str) -> list[tuple[str, str]]:
    """The serious and critical violations on one page: (rule and what it asks, element)."""
    page.goto(url)
    page.add_script_tag(url=AXE)
    return [
        (f"{v['rule']} ({v['impact']}: {v['help']})", target)
        for v in page.evaluate(RUN_AXE, [TAGS, NOT_OURS])
        for target in v["targets"]
    ]


def report(found: dict[tuple[str, str], list[str]]) -> str:
    """One line per rule and element, with the pages it was on (the site's menu would
    otherwise repeat on every page)."""
    lines = []
    for (rule, target), urls in sorted(found.items()):
        more = f" and {len(urls) - 3} more" if len(urls) > 3 else ""
        lines.append(f"{rule} at {target} on {', '.join(urls[:3])}{more}")
    return "\n".join(lines)


def test_axe_names_the_rule_and_element_a_page_breaks(browser):
    page = browser.new_page()
    try:
        page.set_content('<html lang="en"><title>t</title><main><input id="x"></main></html>')
        page.add_script_tag(path=str(STATIC / AXE.removeprefix("/static/")))
        found = page.evaluate(RUN_AXE, [TAGS, NOT_OURS])
    finally:
        page.close()
    assert [(v["rule"], v["targets"]) for v in found] == [("label", ["#x"])]


def test_every_page_passes_axe(browser, demo_site, urls):
    """Each page once, as the first role (in ROLES order) that gets it, and the home page
    as every role, for the menu each sees: checking a page again as a later role would
    see the same template and cost a minute per role."""
    found, checked, unseen = defaultdict(list), {}, list(urls)
    console_errors: list[str] = []
    for role in ROLES:
        unseen, checked[role] = check_as(browser, demo_site, role, unseen, found, console_errors)
    assert sum(checked.values()) >= 100, f"only {checked} pages were checked"
    assert not found, f"serious violations ({checked} pages):\n{report(found)}"
    assert not console_errors, "browser console errors:\n" + "\n".join(console_errors)


def check_as(browser, site, role: str, unseen: list[str], found, console_errors) -> tuple:
    """Check, as `role`, the home page and every page in `unseen` the role gets; returns
    the pages still unseen and how many were checked."""
    context = browser.new_context(base_url=site.url, **(DESKTOP if role in STAFF else PHONE))
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on(
        "console", lambda m: m.type == "error" and console_errors.append(f"{page.url}: {m.text}")
    )
    page.on("pageerror", lambda error: console_errors.append(f"{page.url}: {error}"))
    try:
        if ROLES[role]:
            log_in(page, ROLES[role])
        mine = [url for url in unseen if is_page(context, url)]
        pages = ["/", *(url for url in mine if url != "/")]
        for url in pages:
            for violation in violations_on(page, url):
                found[violation].append(f"{url} ({role})")
    finally:
        context.close()
    return [url for url in unseen if url not in mine], len(pages)
