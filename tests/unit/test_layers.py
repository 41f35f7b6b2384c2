"""Layers go one way: no two parts of the package import each other, not even through an import
inside a function. A part is a subpackage (`multiplex.graph`) or a top-level module
(`multiplex.roster`)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "multiplex"


def part_of(module: str) -> str | None:
    names = module.split(".")
    return names[1] if names[0] == "multiplex" and len(names) > 1 else None


def imports() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(("multiplex", *path.relative_to(PACKAGE).with_suffix("").parts))
        here = part_of(module)
        if here is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                there = part_of(target)
                if there and there != here and ((PACKAGE / there).is_dir() or (PACKAGE / f"{there}.py").is_file()):
                    graph[here].add(there)
    return graph


def test_no_two_parts_import_each_other() -> None:
    graph = imports()
    circles = sorted({tuple(sorted((a, b))) for a, bs in graph.items() for b in bs if a in graph.get(b, set())})
    assert circles == [], circles


def test_the_text_layer_imports_nothing_else_of_multiplex() -> None:
    assert imports().get("text", set()) == set()


def test_the_layers_have_no_cycle_at_all() -> None:
    graph = imports()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError(" -> ".join([*path, node, nxt]))
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
