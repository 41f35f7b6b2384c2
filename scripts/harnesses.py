"""lm-eval and promptfoo against multiplex, pinned, the way a researcher runs them: an end-to-end
check anyone can repeat (inspect_ai runs in the test suite, tests/harness).

    python scripts/harnesses.py [--model local/smollm2] [--only lm-eval,promptfoo]

It installs lm-eval 0.4.13 into a venv of its own and promptfoo 0.121.20 into an npm folder of its
own (under ~/.cache/multiplex, once; neither is a project dependency), starts `multiplex serve`
(default settings: the embedded model), and runs:

- lm-eval `local-chat-completions` and `local-completions` on a two-question JSON task with
  lm-eval's own generation settings (`until: ["\\n\\n"]`, 256 tokens): every answer must be
  non-empty, end before the stop (the stop applies to the answer the client reads) and fit the
  token budget;
- promptfoo with two prompts and two models (`multiplex-baseline`, `multiplex-mas`): every output
  must be the answer alone (no "Thinking:" block of drafts: the config asks for
  `expose_drafts: none`), and pass its assertions.

Exit 0 when every check passes; each failure is one line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

LM_EVAL = "lm-eval[api]==0.4.13"
PROMPTFOO = "promptfoo@0.121.20"
CACHE = Path.home() / ".cache" / "multiplex"
QUESTIONS = [
    {"question": "Is it right to eat meat?", "target": "meat"},
    {"question": "What do we owe our parents?", "target": "parents"},
]
PROMPTS = ["{{question}}", "In two sentences: {{question}}"]


def say(message: str) -> None:
    print(f"[harnesses] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def lm_eval_binary() -> Path:
    venv = CACHE / "lm-eval-venv"
    binary = venv / "bin" / "lm_eval"
    if not binary.exists():
        say(f"installing {LM_EVAL} into {venv} (once)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", LM_EVAL], check=True)
    return binary


def promptfoo_binary() -> Path:
    folder = CACHE / "promptfoo"
    binary = folder / "node_modules" / ".bin" / "promptfoo"
    if not binary.exists():
        say(f"installing {PROMPTFOO} into {folder} (once)")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund", PROMPTFOO], check=True)
    return binary


def serve(model: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MULTIPLEX_PORT": str(port)}
    if model:
        env["MULTIPLEX_MODEL"] = model
    process = subprocess.Popen(["multiplex", "serve"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"multiplex serve exited: see {log}")
        time.sleep(1)
    process.terminate()
    raise SystemExit("multiplex serve did not become ready in 300 s")


def lm_eval_task(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = folder / "questions.jsonl"
    data.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS), encoding="utf-8")
    task = folder / "plural.yaml"
    task.write_text(
        "\n".join(
            [
                "task: multiplex_plural",
                "dataset_path: json",
                "dataset_kwargs:",
                f"  data_files: {{test: {data}}}",
                "test_split: test",
                "output_type: generate_until",
                'doc_to_text: "{{question}}"',
                'doc_to_target: "{{target}}"',
                "generation_kwargs:",
                '  until: ["\\n\\n"]',
                "  max_gen_toks: 256",
                "metric_list:",
                "  - metric: exact_match",
                "",
            ]
        ),
        encoding="utf-8",
    )
    return folder


def run_lm_eval(api: str, folder: Path) -> list[str]:
    failures = []
    binary = lm_eval_binary()
    tasks = lm_eval_task(folder / "task")
    runs = {
        "local-chat-completions": (f"{api}/chat/completions", ["--apply_chat_template"]),
        "local-completions": (f"{api}/completions", []),  # text in, text out: no tokenizer needed
    }
    for kind, (url, extra) in runs.items():
        out = folder / kind
        args = f"model=multiplex-mas,base_url={url},num_concurrent=1,max_retries=1,tokenized_requests=False"
        if kind == "local-completions":
            args += ",tokenizer_backend=None"
        command = [str(binary), "--model", kind, "--model_args", args, "--tasks", "multiplex_plural"]
        command += ["--include_path", str(tasks), "--log_samples", "--output_path", str(out), *extra]
        say(f"lm-eval {kind}")
        done = subprocess.run(command, env={**os.environ, "OPENAI_API_KEY": "none"}, capture_output=True, text=True)
        if done.returncode != 0:
            failures.append(f"lm-eval {kind} exited {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
            continue
        samples = [json.loads(line) for f in out.rglob("samples_*.jsonl") for line in f.read_text().splitlines()]
        if len(samples) != len(QUESTIONS):
            failures.append(f"lm-eval {kind}: {len(samples)} samples logged, {len(QUESTIONS)} asked")
        for sample in samples:
            answer = sample["resps"][0][0]
            if not answer.strip() or "\n\n" in answer or len(answer.split()) > 256:
                failures.append(f"lm-eval {kind}: an answer not cut at the stop or the budget: {answer[:80]!r}")
        say(f"lm-eval {kind}: {len(samples)} answers, first: {samples[0]['resps'][0][0][:100]!r}" if samples else "")
    return failures


def run_promptfoo(api: str, folder: Path) -> list[str]:
    binary = promptfoo_binary()
    config = {
        "prompts": PROMPTS,
        "providers": [
            {
                "id": f"openai:chat:{model}",
                "config": {
                    "apiBaseUrl": api,
                    "apiKey": "none",
                    "passthrough": {"multiplex": {"expose_drafts": "none"}},
                },
            }
            for model in ("multiplex-baseline", "multiplex-mas")
        ],
        "tests": [
            {"vars": {"question": q["question"]}, "assert": [{"type": "javascript", "value": "output.length > 20"}]}
            for q in QUESTIONS
        ],
    }
    (folder / "promptfooconfig.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    out = folder / "promptfoo.json"
    say("promptfoo eval: 2 prompts x 2 models x 2 questions")
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "PROMPTFOO_DISABLE_UPDATE": "1", "OPENAI_API_KEY": "none"}
    command = [str(binary), "eval", "-c", str(folder / "promptfooconfig.json"), "-o", str(out), "--no-cache", "-j", "1"]
    done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
    if not out.exists():
        return [f"promptfoo exited {done.returncode} with no results: {done.stderr.strip().splitlines()[-1:]}"]
    results = json.loads(out.read_text())["results"]["results"]
    failures = []
    if len(results) != len(PROMPTS) * 2 * len(QUESTIONS):
        failures.append(f"promptfoo: {len(results)} results, {len(PROMPTS) * 2 * len(QUESTIONS)} expected")
    for result in results:
        output = str((result.get("response") or {}).get("output", ""))
        if output.startswith("Thinking:") or not result.get("success"):
            failures.append(f"promptfoo {result['provider']['id']}: {result.get('error') or output[:80]!r}")
    say(f"promptfoo: {sum(bool(r.get('success')) for r in results)} of {len(results)} passed")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="", help="MULTIPLEX_MODEL for the server (default: the embedded model)")
    parser.add_argument("--only", default="lm-eval,promptfoo")
    args = parser.parse_args()
    if shutil.which("multiplex") is None:
        raise SystemExit("multiplex is not installed: pip install -e .")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = serve(args.model, port, folder / "serve.log")
        api = f"http://127.0.0.1:{port}/v1"
        failures: list[str] = []
        try:
            if "lm-eval" in args.only:
                failures += run_lm_eval(api, folder)
            if "promptfoo" in args.only:
                failures += run_promptfoo(api, folder)
        finally:
            server.terminate()
            server.wait(30)
    for failure in failures:
        print(f"FAIL {failure}")
    say("every check passed" if not failures else f"{len(failures)} failed")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
