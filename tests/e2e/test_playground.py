"""The educators' playground in headless Chromium (Debian's /usr/bin/chromium) against a real
server on loopback with the fake provider, and the loopback upstream where a real provider's failure is the point."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from multiplex.llm import fake
from tests.conftest import wait_until
from tests.panel import panel

pytestmark = pytest.mark.browser
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium, or MULTIPLEX_TEST_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs it: its absence there is a broken set-up, not a skip
        pytest.skip(reason)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def open_page(page: Page, server) -> None:
    page.goto(server.base_url + "/")
    expect(page).to_have_url(server.base_url + "/playground/")
    expect(page.locator("input[name=perspective]")).to_have_count(7)


def ask(page: Page, question: str) -> None:
    page.get_by_label("Question", exact=True).fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()


def test_ask_mas_shows_seven_cards_a_synthesis_and_scores(page: Page, serve, scripted) -> None:
    server = serve(model=scripted("panel", panel))
    open_page(page, server)
    ask(page, "What makes a good teacher?")
    column = page.locator("article.column[data-mode=mas]")
    expect(column.locator(".card.ok")).to_have_count(7)
    expect(column.locator(".answer")).to_contain_text("Haudenosaunee")
    expect(column.get_by_test_id("entropy")).to_have_text(re.compile(r"^9\d\.\d%$"))  # every tradition named
    expect(column.get_by_test_id("retention")).to_have_count(7)  # how much of each draft the answer keeps
    expect(column.get_by_test_id("retention").first).to_have_text(re.compile(r"kept (0\.9\d|1\.00)$"))
    expect(column.get_by_test_id("synthesis")).to_contain_text("distinct drafts of 7")
    expect(page.locator("#status")).to_have_text("Done.")
    expect(page.locator("#history li")).to_have_count(1)
    islamic = column.locator('.card[data-id="islamic"]')  # each card lists its tradition's passages
    expect(islamic.get_by_test_id("sources")).to_contain_text("Sources (")
    expect(islamic.locator(".source-quoted").first).to_be_attached()  # its draft quotes Qur'an 17:23
    expect(islamic.get_by_test_id("sources")).to_contain_text("Qur'an 17:23")
    expect(page.get_by_test_id("model-note")).to_be_hidden()  # a fake model: no demo-model note
    analysis = column.get_by_test_id("analysis")  # measured from the drafts: each says something of its own
    expect(analysis).to_contain_text("Only one voice says")
    expect(analysis).to_contain_text("African: Ubuntu says a person is a person through other persons.")


def test_compare_three_modes(page: Page, server) -> None:
    open_page(page, server)
    page.get_by_label("Question", exact=True).fill("Should wealthy nations aid poorer ones?")
    page.get_by_label("baseline", exact=True).check()
    page.get_by_label("contextual", exact=True).check()
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#comparison tr[data-mode]")).to_have_count(3)
    expect(page.locator("article.column")).to_have_count(3)
    expect(page.locator("#comparison tr[data-mode=mas]")).to_contain_text("+")


def test_two_perspectives_give_two_cards(page: Page, server) -> None:
    open_page(page, server)
    page.get_by_label("Question", exact=True).fill("Is fasting wise?")
    for box in page.locator("input[name=perspective]").all():
        if box.get_attribute("value") not in ("hindu", "islamic"):
            box.uncheck()
    page.get_by_role("button", name="Ask", exact=True).click()
    column = page.locator("article.column[data-mode=mas]")
    expect(column.locator(".answer")).to_contain_text("Hindu")
    expect(column.locator(".card")).to_have_count(2)


def test_cancel_a_run(page: Page, serve) -> None:
    server = serve(fake_latency_ms=5000)
    open_page(page, server)
    ask(page, "What is justice?")
    expect(page.locator(".card")).to_have_count(7)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#status")).to_have_text("Cancelled.")
    wait_until(lambda: fake.STATS.cancelled >= 7)
    assert fake.STATS.completed == 0


def test_an_api_error_is_a_readable_message(page: Page, serve) -> None:
    server = serve(fake_fail="western,islamic,confucian,hindu,buddhist,african,indigenous")
    open_page(page, server)
    ask(page, "What is justice?")
    expect(page.locator("#status")).to_contain_text("only 0 of 7 perspective agents answered")
    expect(page.locator("#status")).to_have_class("error")


def test_a_provider_failing_one_agent_shows_a_failed_card_and_the_synthesis(page: Page, serve, upstream) -> None:
    """A real provider over HTTP (the loopback upstream through litellm's openai/ provider): its
    401 to the Islamic agent is that card's error, and the other six are synthesised."""
    from tests.upstream import Reply

    upstream.script(Reply(status=401), when_system="voice of the Islamic tradition")
    server = serve(model="openai/loopback-model", retries=0, planner="off", synthesis="llm")
    open_page(page, server)
    ask(page, "What is justice?")
    column = page.locator("article.column[data-mode=mas]")
    expect(column.locator(".card.failed")).to_have_count(1)
    expect(column.locator(".card.failed")).to_contain_text("HTTP 401")
    expect(column.locator(".card.ok")).to_have_count(6)
    expect(column.locator(".answer")).to_contain_text("Upstream answer to:")
    expect(page.locator("#status")).to_have_text("Done.")


def test_api_key_is_sent_when_the_server_needs_one(page: Page, serve) -> None:
    server = serve(api_keys="class-key")
    page.goto(server.base_url + "/playground/")
    expect(page.locator("#status")).to_contain_text("401")
    page.locator("summary").click()
    page.get_by_label("API key").fill("class-key")
    page.get_by_label("API key").dispatch_event("change")
    expect(page.locator("input[name=perspective]")).to_have_count(7)


def test_model_output_is_shown_as_text(page: Page, server) -> None:
    open_page(page, server)
    page.get_by_label("Question", exact=True).fill("<script>window.pwned = 1</script><b>bold</b>")
    page.get_by_label("baseline", exact=True).check()
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator("article.column[data-mode=baseline] .answer")
    expect(answer).to_contain_text("<script>window.pwned = 1</script>")
    assert page.evaluate("window.pwned") is None
    assert page.locator("article.column b").count() == 0


def test_link_reproduces_settings_and_export(page: Page, server) -> None:
    page.goto(server.base_url + "/playground/#q=Why+rituals%3F&modes=baseline,mas&p=african,buddhist")
    expect(page.get_by_label("Question", exact=True)).to_have_value("Why rituals?")
    expect(page.get_by_label("baseline", exact=True)).to_be_checked()
    checked = page.locator("input[name=perspective]:checked")
    expect(checked).to_have_count(2)
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#status")).to_have_text("Done.")
    with page.expect_download() as info:
        page.get_by_role("button", name="Export Markdown").click()
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.startswith("# Why rituals?") and "### Synthesis" in text and "PDS entropy" in text


def test_the_embedded_demo_model_is_named_as_such(page: Page, serve) -> None:
    server = serve(model="local/smollm2")  # loaded, never called: the page only lists the models
    open_page(page, server)
    note = page.get_by_test_id("model-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("local/smollm2")
    expect(note).to_contain_text("often inaccurate")
    expect(note).to_contain_text("Nothing about you is kept")
