"""The run store: one append-only JSONL file of records in the output folder.

Each finished run is written and flushed at once, so a crash or Ctrl-C loses nothing finished;
on resume the last record of each (question, mode, model) wins, and only keys without an ok
record run again. Failed runs stay in the file with their error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RECORDS = "records.jsonl"


def key_of(record: dict[str, Any]) -> tuple[str, str, str]:
    return (record["question_id"], record["mode"], record["model"])


class RunStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / RECORDS

    def records(self) -> list[dict[str, Any]]:
        """Every record in the file, in order (a torn last line from a crash is skipped)."""
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def latest(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        latest: dict[tuple[str, str, str], dict[str, Any]] = {}
        for record in self.records():
            key = key_of(record)
            if record["status"] == "ok" or latest.get(key, {}).get("status") != "ok":
                latest[key] = record
        return latest

    def done(self) -> set[tuple[str, str, str]]:
        return {key for key, record in self.latest().items() if record["status"] == "ok"}

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(self.path)
