"""Headless Chromium for the classroom's tests: a browser per module, a fresh page per test
that fails the test if the page threw."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.browser import ARGS, CHROMIUM, new_page


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
    page = new_page(browser)
    yield page
    errors = page.js_errors  # type: ignore[attr-defined]
    page.context.close()
    assert not errors, f"the page threw: {errors}"
