"""The README is the front door and docs/ the manual: what they name exists.

Every repository path named in README.md, docs/, deploy/README.md, the playground's scripts and the
docstrings of multiplex/ and tests/ is a file or folder of this repository; every `multiplex`
command and flag they show is one the CLI has; every `python SCRIPT --flag` names a script that
exists and reads that flag. Every setting is documented on the configuration page and every field
of the run record in the API page's section on it."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
import typer

from multiplex.cli import app
from multiplex.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")
TOP = ("multiplex", "tests", "agents", "prompts", "docs", "deploy", "scripts", ".ci")
PACKAGES = tuple(p.name for p in (ROOT / "multiplex").iterdir() if p.is_dir() and not p.name.startswith("_"))
PATH = re.compile(r"(?<![\w./~-])((?:[\w.-]+/)+[\w.-]*)(?:::\w+)?")
# inspect's names for multiplex's tasks ("multiplex/argkp"), which read like paths
TASKS = {f"multiplex/{name}" for name in re.findall(r'"(\w+)"', (ROOT / "multiplex/harness/_registry.py").read_text())}
GENERATED = {"runs", "out", "multiplex/_data"}  # what a documented command writes, not what the repository holds


def markdown() -> dict[Path, str]:
    files = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted(DOCS.glob("*.md"))]
    return {f: f.read_text(encoding="utf-8") for f in files}


def docstrings() -> dict[Path, str]:
    found: dict[Path, str] = {}
    for folder in ("multiplex", "tests", "scripts"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(f.read_text(encoding="utf-8"))
            nodes = [
                tree,
                *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)),
            ]
            found[f] = "\n".join(d for n in nodes if (d := ast.get_docstring(n)))
    for f in sorted((ROOT / "multiplex" / "playground").rglob("*.js")):
        found[f] = "\n".join(re.findall(r"//.*|/\*[\s\S]*?\*/", f.read_text(encoding="utf-8")))
    return found


def named_paths(text: str) -> set[str]:
    """Paths in the repository's own folders: the first part is a top folder or a package."""
    names = set()
    for match in PATH.finditer(text):
        path = match.group(1).rstrip(".")
        if path.split("/")[0] in TOP + PACKAGES and "*" not in path and "{" not in path:
            names.add(path)
    return names


def exists(path: str, beside: Path) -> bool:
    if path in TASKS or path.split("/")[0] in GENERATED or any(path.startswith(g + "/") for g in GENERATED):
        return True
    bases = [ROOT, ROOT / "multiplex", beside.parent, *beside.parents]
    return any((base / path).exists() for base in bases)


@pytest.mark.parametrize("source", ["markdown", "docstrings"])
def test_every_path_named_exists(source) -> None:
    texts = markdown() if source == "markdown" else docstrings()
    missing = sorted(
        f"{f.relative_to(ROOT)}: {path}"
        for f, text in texts.items()
        for path in named_paths(text)
        if not exists(path, f)
    )
    assert not missing


def test_every_markdown_link_leads_somewhere() -> None:
    broken = []
    for f, text in markdown().items():
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            page = (f.parent / path) if path else f
            if not page.exists():
                broken.append(f"{f.relative_to(ROOT)}: {target}")
            elif anchor and page.suffix == ".md":
                slugs = {slug(h) for h in re.findall(r"^#+ (.*)", page.read_text(encoding="utf-8"), re.M)}
                if anchor not in slugs:
                    broken.append(f"{f.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken


def slug(heading: str) -> str:
    return re.sub(r"[^\w -]", "", heading.lower()).replace(" ", "-")


def test_no_reference_to_a_design_document_the_repository_lacks() -> None:
    texts = {**markdown(), **docstrings()}
    assert not [f.relative_to(ROOT) for f, text in texts.items() if "DESIGN.md" in text]


def cli_commands() -> dict[str, set[str]]:
    """Every command path of the CLI ("ask", "bench run") with its options."""
    root = typer.main.get_command(app)
    found: dict[str, set[str]] = {}

    def walk(command: Any, path: str) -> None:
        found[path] = {opt for p in command.params for opt in getattr(p, "opts", []) + getattr(p, "secondary_opts", [])}
        if hasattr(command, "commands"):  # a group (typer ships its own click)
            for name, sub in command.commands.items():
                walk(sub, f"{path} {name}".strip())

    walk(root, "")
    return found


def shown_commands() -> list[tuple[Path, str]]:
    """Command lines shown in code blocks and code spans: multiplex's own and python's running a script."""
    lines = []
    for f, text in {**markdown(), **docstrings()}.items():
        blocks = re.findall(r"```[a-z]*\n([\s\S]*?)```", text) + re.findall(r"`([^`\n]+)`", text)
        for block in blocks:
            for line in block.splitlines():
                line = line.split(" #")[0].strip().lstrip("$ ")
                for part in re.split(r"\s*(?:&&|\||;)\s*", line):
                    if re.match(r"(multiplex|python \S+\.py|python -m tests\.\S+)( |$)", part):
                        lines.append((f, part))
    return lines


def test_every_command_and_flag_shown_exists() -> None:
    commands = cli_commands()
    wrong = []
    for f, line in shown_commands():
        words = line.split()
        if words[0] == "python":
            script = ROOT / (words[2].replace(".", "/") + ".py" if words[1] == "-m" else words[1])
            if not script.is_file():
                wrong.append(f"{f.relative_to(ROOT)}: {line} (no such script)")
                continue
            source = script.read_text(encoding="utf-8")
            wrong += [f"{f.relative_to(ROOT)}: {line} ({flag})" for flag in flags(words) if f'"{flag}"' not in source]
            continue
        path = ""
        for word in words[1:]:
            if f"{path} {word}".strip() in commands:
                path = f"{path} {word}".strip()
            else:
                break
        if not path and len(words) > 1 and not words[1].startswith(("-", "<")):
            continue  # `multiplex serve` is a command; "multiplex answers" in prose is not one
        known = commands[path] | {"--help"}
        wrong += [f"{f.relative_to(ROOT)}: {line} ({flag})" for flag in flags(words) if flag not in known]
    assert not wrong


def flags(words: list[str]) -> list[str]:
    return [w.split("=")[0] for w in words if re.fullmatch(r"--[a-z][a-z0-9-]*(=\S*)?", w)]


def test_the_shown_commands_are_found() -> None:
    """The checks above read what they should: the README's own commands are among them."""
    shown = {line for _, line in shown_commands()}
    assert "multiplex serve" in shown and any(line.startswith("multiplex ask") for line in shown)
    assert any(line.startswith("python tests/benchmarks/") for line in shown)
    assert {"ask", "bench run", "bench report", "serve", "score"} <= set(cli_commands())


def test_readme_gives_the_two_commands() -> None:
    assert 'pip install -e ".[local]" && multiplex serve' in README
    assert 'pip install -e ".[test]" && pytest' in README
    assert len(README.splitlines()) < 300


def test_every_setting_is_documented_on_the_configuration_page() -> None:
    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(MULTIPLEX_[A-Z_]+)` \|", page, re.M))
    expected = {f"MULTIPLEX_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()
    assert documented - expected == set(), "the page documents settings that do not exist"


def run_record_section() -> str:
    page = (DOCS / "api.md").read_text(encoding="utf-8")
    return page.split("## Responses and the run record", 1)[1].split("\n## ", 1)[0]


def test_every_field_of_the_run_record_is_documented_in_its_section() -> None:
    from multiplex.graph.record import AgentCall, Citation, Grounding, PerspectiveRecord, RunResult, SynthesisRecord

    section = run_record_section()
    for model in (RunResult, PerspectiveRecord, AgentCall, SynthesisRecord, Citation, Grounding):
        fields = set(model.model_fields) | set(model.model_computed_fields)
        missing = {name for name in fields if f"`{name}`" not in section}
        assert not missing, f"{model.__name__}: {sorted(missing)} not in docs/api.md's run record section"
