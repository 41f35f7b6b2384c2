"""The classroom for every student: axe-core (4.12.1, npm axe-core's build as shipped in the
axe-playwright-python wheel) finds no serious or critical WCAG 2.2 AA violation in any state of
any activity; every activity is walked with the keyboard alone; a phone, a projector and 200% zoom
need no sideways scrolling; reduced motion is respected."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.browser import axe_violations, new_page, open_page, start, write_lesson
from tests.panel import panel

pytestmark = pytest.mark.browser


def clean(page: Page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{state}: {violations}"


def test_no_serious_violation_in_any_state_of_any_activity(page: Page, serve, scripted) -> None:
    server = serve(model=scripted("panel", panel), fake_latency_ms=400)
    open_page(page, server)
    clean(page, "empty")
    write_lesson(
        page, "What do we owe our parents?", activity="whose", viewpoints={1: "+ Care for them.\n- Not blindly."}
    )
    start(page)
    expect(page.locator(".progress li")).to_have_count(7)
    clean(page, "whose: streaming")
    expect(page.locator(".guess")).to_have_count(7)
    clean(page, "whose: answered")
    page.get_by_role("button", name="Reveal the key").click()
    expect(page.get_by_test_id("reveal-summary")).to_be_visible()
    clean(page, "whose: reveal")
    page.locator("input[name=activity][value=missing]").check()
    start(page)
    expect(page.get_by_role("button", name="Reveal the multi-voice answer")).to_be_visible()
    clean(page, "missing: plain answer, voices streaming")
    page.get_by_role("button", name="Reveal the multi-voice answer").click()
    expect(page.get_by_test_id("coverage")).to_have_count(2)
    clean(page, "missing: reveal")
    page.locator("input[name=activity][value=compare]").check()
    start(page)
    expect(page.locator("table.comparison")).to_be_visible()
    clean(page, "compare: answered")
    page.get_by_role("button", name="Show the handout").click()
    clean(page, "handout")
    page.get_by_role("button", name="Show the transcript").click()
    clean(page, "transcript")
    page.get_by_label("Projector text").check()
    clean(page, "projector")


def test_no_serious_violation_in_the_error_and_demo_model_states(page: Page, serve) -> None:
    server = serve(model="local/smollm2", api_keys="class-key")
    page.goto(server.base_url + "/playground/")
    expect(page.locator("#status")).to_have_class("error")
    clean(page, "error")
    page.get_by_text("API key (only if").click()
    page.get_by_label("API key (kept in this browser)").fill("class-key")
    page.get_by_label("API key (kept in this browser)").dispatch_event("change")
    expect(page.get_by_test_id("model-note")).to_be_visible()
    clean(page, "demo-model note")
    page.get_by_role("button", name="Start the activity").click()  # no question yet
    expect(page.locator("#status")).to_contain_text("The lesson cannot be used yet")
    clean(page, "invalid lesson")


def tab_to(page: Page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element `selector` has the focus (and its focus is visible)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has the focus but does not show it"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_every_activity_with_the_keyboard_alone(page: Page, serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    open_page(page, server)
    page.locator("body").focus()
    tab_to(page, "#q-1")
    page.keyboard.type("What do we owe our parents?")
    tab_to(page, "input[name=activity][value=whose]")
    tab_to(page, "#start")
    page.keyboard.press("Enter")
    expect(page.locator(".guess")).to_have_count(7)
    tab_to(page, "#guess-A")
    page.keyboard.press("ArrowDown")  # the first tradition
    tab_to(page, "#activity button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("reveal-summary")).to_be_focused()
    # What is missing?: the activity chosen with the arrow keys, as a radio group is
    page.locator("input[name=activity][value=whose]").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=activity][value=missing]")).to_be_checked()
    tab_to(page, "#start")
    page.keyboard.press("Enter")
    tab_to(page, "#missing-notes")
    page.keyboard.type("Africa")
    tab_to(page, "#activity button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The multi-voice answer", exact=True)).to_be_focused()
    page.locator("input[name=activity][value=missing]").focus()
    page.keyboard.press("ArrowDown")
    expect(page.locator("input[name=activity][value=compare]")).to_be_checked()
    tab_to(page, "#start")
    page.keyboard.press("Enter")
    expect(page.locator("table.comparison")).to_be_visible()
    tab_to(page, "#show-handout")
    page.keyboard.press("Enter")
    expect(page.locator("#print-view h2")).to_be_focused()
    tab_to(page, "#print")  # enabled, reachable; printing itself is the browser's dialog


@pytest.mark.parametrize(
    "viewport,large",
    [
        ({"width": 375, "height": 740}, False),
        ({"width": 700, "height": 500}, False),
        ({"width": 1280, "height": 720}, True),
    ],
    ids=["phone", "zoom-200", "projector"],
)
def test_phone_zoom_and_projector_need_no_sideways_scrolling(browser, serve, scripted, viewport, large) -> None:
    """A 375-px phone; 200% zoom of a 1400-px window (the same CSS pixels as 700); a projector's
    large text on 1280 x 720."""
    server = serve(model=scripted("panel", panel))
    page = new_page(browser, viewport=viewport)
    open_page(page, server)
    if large:
        page.get_by_label("Projector text").check()
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "24px"
    write_lesson(page, "What do we owe our parents?", activity="compare", modes=("baseline", "mas"))
    start(page)
    expect(page.locator("table.comparison")).to_be_visible()
    page.get_by_role("button", name="Show the handout").click()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    widest = page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)
              .map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"""
    )
    assert overflow <= 0, f"{overflow}px of sideways scrolling: {widest}"
    assert not page.js_errors  # type: ignore[attr-defined]
    page.context.close()


def test_reduced_motion_is_respected(browser, server) -> None:
    page = new_page(browser, reduced_motion="reduce")
    open_page(page, server)
    write_lesson(page, "What is justice?", activity="compare", modes=("mas",))
    start(page)
    expect(page.locator("#status")).to_have_text("Done.")
    assert page.evaluate("document.getAnimations().length") == 0
    assert page.evaluate("getComputedStyle(document.querySelector('button')).transitionDuration") == "0s"
    page.context.close()
