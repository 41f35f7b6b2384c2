"""The steps a teacher takes in the classroom (open the page, write a lesson, start its activity),
a page of Debian's Chromium, and axe-core's WCAG 2.2 AA check."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

CHROMIUM = os.environ.get("MULTIPLEX_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def new_page(browser: Browser, **options: object) -> Page:
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 1000}, "accept_downloads": True, **options})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


def open_page(page: Page, server, path: str = "/") -> None:
    page.goto(server.base_url + path)
    expect(page).to_have_url(server.base_url + "/playground/" + path.split("/playground/")[-1].lstrip("/"))
    expect(page.locator("input[name=perspective]")).to_have_count(7)


def write_lesson(
    page: Page,
    *questions: str,
    activity: str = "whose",
    title: str = "",
    viewpoints: dict[int, str] | None = None,
    modes: tuple[str, ...] | None = None,
    perspectives: tuple[str, ...] | None = None,
    notes: str = "",
) -> None:
    if title:
        page.get_by_label("Title").fill(title)
    for i, question in enumerate(questions, start=1):
        if i > 1:
            page.get_by_role("button", name="Add a question").click()
        page.locator(f"#q-{i}").fill(question)
    for i, lines in (viewpoints or {}).items():
        page.locator(f"#v-{i}").fill(lines)
    page.locator(f"input[name=activity][value={activity}]").check()
    if modes is not None:
        for box in page.locator("input[name=mode]").all():
            box.set_checked(box.get_attribute("value") in modes)
    if perspectives is not None:
        for box in page.locator("input[name=perspective]").all():
            box.set_checked(box.get_attribute("value") in perspectives)
    if notes:
        page.get_by_label("Notes").fill(notes)


def start(page: Page, question: int = 1) -> None:
    page.get_by_label("Question", exact=True).select_option(str(question - 1))
    page.get_by_role("button", name="Start the activity").click()


AXE = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.2 AA violations of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
