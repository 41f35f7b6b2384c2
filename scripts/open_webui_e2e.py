"""Open WebUI against multiplex, the way a new user runs it: an end-to-end check anyone can repeat.

    python scripts/open_webui_e2e.py [--out docs] [--models all|mas]

It installs Open WebUI 0.12.4 into a venv of its own (about 7 GB, once; not part of the project's
dependencies or CI), starts `multiplex serve` with default settings (the embedded model) and Open
WebUI offline against it (WEBUI_AUTH=False, OFFLINE_MODE=True, ENABLE_PERSISTENT_CONFIG=False,
OPENAI_API_BASE_URL), then drives headless Chromium (Debian's, /usr/bin/chromium) through a
two-turn chat with `multiplex-mas`, and a one-turn chat with every other multiplex model. It
checks the answers, the drafts' "Thought for ..." block and the chat title that Open WebUI's own
background task set, saves a screenshot, and prints what each chat turn cost in model calls.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

OPEN_WEBUI = "open-webui==0.12.4"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEFAULT_VENV = Path.home() / ".cache" / "multiplex" / "open-webui-venv"
TURNS = ["Is it right to eat meat?", "And what about fish?"]
NAMES = ["Western", "Islamic", "Confucian", "Hindu", "Buddhist", "African", "Indigenous"]
QUICK = "What makes a good life?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def say(message: str) -> None:
    print(f"[open-webui-e2e] {message}", flush=True)


def ensure_venv(venv: Path) -> Path:
    binary = venv / "bin" / "open-webui"
    if not binary.exists():
        say(f"installing {OPEN_WEBUI} into {venv} (once; several GB)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", OPEN_WEBUI], check=True)
    return binary


def wait_http(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(1)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def runs_in_progress(multiplex: str) -> int:
    ready = httpx.get(f"{multiplex}/health/ready", timeout=5).json()
    return int(ready["runs_in_progress"]) + int(ready["runs_waiting"])


def wait_idle(multiplex: str, log: Path, seconds: float = 900) -> None:
    """Until the answer and Open WebUI's background tasks are all done."""
    deadline = time.monotonic() + seconds
    quiet_since = None
    while time.monotonic() < deadline:
        busy = runs_in_progress(multiplex)
        if busy == 0:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since > 6:  # the tasks follow the answer within a second or two
                return
        else:
            quiet_since = None
        time.sleep(1)
    raise SystemExit(f"multiplex was still busy after {seconds:.0f} s; see {log}")


def runs_logged(log: Path) -> list[tuple[str, str]]:
    return re.findall(r"chat (\S+): mode (\w+)", log.read_text(encoding="utf-8", errors="replace"))


def calls(runs: list[tuple[str, str]], perspectives: int) -> int:
    """Model calls behind these runs: a mas run is one per perspective and one closing."""
    return sum(perspectives + 1 if mode == "mas" else 1 for _, mode in runs)


def drive(webui: str, multiplex: str, log: Path, out: Path, models: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    report: dict = {"chats": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(webui, wait_until="domcontentloaded", timeout=120_000)
        page.locator("#chat-input").wait_for(timeout=120_000)
        time.sleep(2)
        if page.get_by_text("Okay, Let's Go!").count():  # the release notes, on a first visit
            page.get_by_text("Okay, Let's Go!").click()

        def pick(model: str) -> None:
            page.locator("#model-selector-model-button").click()
            page.get_by_placeholder("Search a model").fill(model)
            page.locator(f'button[aria-label="Select {model} model"]').click()

        def send(text: str) -> tuple[str, list[tuple[str, str]]]:
            before = len(runs_logged(log))
            page.locator("#chat-input").click()
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            time.sleep(3)
            wait_idle(multiplex, log)
            time.sleep(2)
            answers = page.locator("#response-content-container")
            texts = answers.all_inner_texts()
            (log.parent / f"answers-{len(texts)}.txt").write_text("\n=====\n".join(texts), encoding="utf-8")
            page.screenshot(path=str(log.parent / f"page-{len(texts)}.png"), full_page=True)
            return texts[-1], runs_logged(log)[before:]

        for model in models:
            if report["chats"]:  # a new chat
                page.goto(webui, wait_until="domcontentloaded")
                page.locator("#chat-input").wait_for()
                time.sleep(2)
            pick(model)
            turns = TURNS if model == "multiplex-mas" else [QUICK]
            chat = {"model": model, "turns": []}
            for question in turns:
                answer, runs = send(question)
                turn = {
                    "question": question,
                    "answer_chars": len(answer),
                    "sections": [name for name in NAMES if f"{name}." in answer],
                    "thought_block": page.get_by_text(re.compile(r"Thought for")).count() > 0,
                    "runs": [mode for _, mode in runs],
                    "model_calls": calls(runs, 7),
                }
                if not answer.strip():
                    raise SystemExit(f"{model}: no answer to {question!r}")
                chat["turns"].append(turn)
                say(f"{model}: {question!r} -> {len(answer)} characters; runs {turn['runs']}")
            chat["title"] = page.title().removesuffix(" / Open WebUI").strip()
            report["chats"].append(chat)
            if model == "multiplex-mas":
                mas = chat["turns"]
                if not all(t["thought_block"] for t in mas):
                    raise SystemExit("multiplex-mas: the drafts' thought block is missing")
                for turn in mas:
                    if len(turn["sections"]) < 5:
                        raise SystemExit(f"multiplex-mas: the sections of the synthesis are missing: {turn}")
                if chat["title"] in ("", "New Chat", "Open WebUI"):
                    raise SystemExit(f"multiplex-mas: Open WebUI set no title ({chat['title']!r})")
                page.set_viewport_size({"width": 1400, "height": 1700})
                page.locator("#response-content-container").first.scroll_into_view_if_needed()
                time.sleep(1)
                page.screenshot(path=str(out / "open-webui.png"))
        browser.close()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="Open WebUI's own venv")
    parser.add_argument("--out", type=Path, default=Path("docs"), help="where the screenshot and report go")
    parser.add_argument("--models", choices=["all", "mas"], default="all", help="chat with every model, or mas only")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"needs Chromium at {CHROMIUM}: apt-get install -y chromium")
    binary = ensure_venv(args.venv)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="open-webui-e2e-"))
    mx_port, webui_port = free_port(), free_port()
    multiplex, webui = f"http://127.0.0.1:{mx_port}", f"http://127.0.0.1:{webui_port}"
    mx_log, webui_log = work / "multiplex.log", work / "open-webui.log"
    mx_env = {k: v for k, v in os.environ.items() if not k.startswith("MULTIPLEX_")}  # default settings
    webui_env = {
        **os.environ,
        "WEBUI_AUTH": "False",
        "OFFLINE_MODE": "True",
        "ENABLE_PERSISTENT_CONFIG": "False",
        "OPENAI_API_BASE_URL": f"{multiplex}/v1",
        "OPENAI_API_KEY": "unused",
        "ENABLE_OLLAMA_API": "False",
        "DATA_DIR": str(work / "data"),
        "HF_HUB_OFFLINE": "1",
        "ANONYMIZED_TELEMETRY": "False",
    }
    processes = []
    try:
        say(f"multiplex serve on {multiplex} (default settings), log {mx_log}")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "multiplex.cli", "serve", "--port", str(mx_port)],
                env=mx_env,
                stdout=mx_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_http(f"{multiplex}/health/live", 60)
        say(f"Open WebUI on {webui}, log {webui_log}")
        processes.append(
            subprocess.Popen(
                [str(binary), "serve", "--host", "127.0.0.1", "--port", str(webui_port)],
                env=webui_env,
                cwd=work,
                stdout=webui_log.open("w"),
                stderr=subprocess.STDOUT,
            )
        )
        wait_http(f"{webui}/health", 300)
        models = [m["id"] for m in httpx.get(f"{multiplex}/v1/models", timeout=10).json()["data"]]
        chosen = ["multiplex-mas"] + ([m for m in models if m != "multiplex-mas"] if args.models == "all" else [])
        report = drive(webui, multiplex, mx_log, args.out, chosen)
        (args.out / "open-webui-e2e.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        mas = report["chats"][0]
        say(f"title of the mas chat: {mas['title']!r}")
        for turn in mas["turns"]:
            say(f"mas turn {turn['question']!r}: runs {turn['runs']} = {turn['model_calls']} model calls")
        say(f"screenshot: {args.out / 'open-webui.png'}; report: {args.out / 'open-webui-e2e.json'}")
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        if os.environ.get("KEEP_WORK"):
            say(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
