"""The classroom's screenshots in docs/classroom/, taken in headless Chromium from a real server
on loopback. The activities run on scripted answers (tests/panel.py: hand-written drafts quoting
the shipped sources word for word), so the pictures are the same on every run; the first picture
is the embedded demo model's page with its note (its model is listed, not called).

    python scripts/classroom_screenshots.py [--chromium /usr/bin/chromium] [--out docs/classroom]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

from multiplex.api.app import create_app  # noqa: E402
from multiplex.llm import fake  # noqa: E402
from multiplex.settings import load_settings  # noqa: E402
from tests.panel import panel  # noqa: E402

QUESTION = "What do we owe our parents?"
VIEWPOINTS = "+ Children should care for their parents in old age.\n- Duty to parents must not override conscience."


def serve(**settings: object) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(load_settings(**settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                return base
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def lesson(page: Page, activity: str) -> None:
    page.get_by_label("Title").fill("Duty and family")
    page.locator("#q-1").fill(QUESTION)
    page.locator("#v-1").fill(VIEWPOINTS)
    page.locator(f"input[name=activity][value={activity}]").check()
    page.get_by_role("button", name="Start the activity").click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "classroom")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    demo = serve(model="local/smollm2", cache_ttl_s=0)
    scripted = serve(model=fake.script("panel", panel), cache_ttl_s=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(30_000)

        def shot(name: str, locator: str | None = None) -> None:
            target = page.locator(locator) if locator else page
            path = args.out / f"{name}.png"
            target.screenshot(path=str(path))
            Image.open(path).convert("RGB").quantize(colors=128).save(path, optimize=True)  # a third of the bytes
            print(path)

        page.goto(demo + "/playground/")
        expect(page.get_by_test_id("model-note")).to_be_visible()
        shot("lesson")
        page.goto(scripted + "/playground/")
        expect(page.locator("input[name=perspective]")).to_have_count(7)
        lesson(page, "whose")
        expect(page.locator(".guess")).to_have_count(7)
        for i, name in enumerate(["Confucian", "Islamic", "Western"]):
            page.locator(".guess select").nth(i).select_option(name)
        shot("whose-voice", "#activity-section")
        page.get_by_role("button", name="Reveal the key").click()
        expect(page.get_by_test_id("reveal-summary")).to_be_visible()
        shot("whose-voice-reveal", "#activity-section")
        page.locator("input[name=activity][value=missing]").check()
        page.get_by_role("button", name="Start the activity").click()
        page.get_by_label("Whose perspectives does this answer leave out?").fill(
            "Nothing from Africa, nor from the First Nations."
        )
        shot("what-is-missing", "#activity-section")
        page.get_by_role("button", name="Reveal the multi-voice answer").click()
        expect(page.get_by_test_id("coverage")).to_have_count(2)
        shot("what-is-missing-reveal", "#activity-section")
        page.locator("input[name=activity][value=compare]").check()
        page.get_by_role("button", name="Start the activity").click()
        expect(page.locator("table.comparison")).to_be_visible()
        shot("compare", "#activity-section")
        page.get_by_role("button", name="Show the handout").click()
        page.emulate_media(media="print")
        shot("handout", "#print-view")
        page.emulate_media(media="screen")
        browser.close()


if __name__ == "__main__":
    main()
