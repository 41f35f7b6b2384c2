"""The run store: an append-only JSONL file of records, and a SQLite index of it, in the output
folder.

Each finished run is written and flushed at once, so a crash or Ctrl-C loses nothing finished;
on resume only keys (question, mode, model) without an ok record run again. Failed runs stay in
the file with their error. The JSONL file is the truth (readable, mergeable with cat); the index
(`index.sqlite`: key, status, byte offset of the record) answers "what is done" without reading
every record, and is rebuilt from the file whenever the two disagree.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RECORDS = "records.jsonl"
INDEX = "index.sqlite"


def key_of(record: dict[str, Any]) -> tuple[str, str, str]:
    return (record["question_id"], record["mode"], record["model"])


class RunStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / RECORDS
        self._db = sqlite3.connect(folder / INDEX)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS runs (question_id TEXT, mode TEXT, model TEXT, status TEXT, offset INTEGER,"
            " PRIMARY KEY (question_id, mode, model))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
        self._sync_index()

    def _indexed_size(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'size'").fetchone()
        return int(row[0]) if row else 0

    def _index(self, record: dict[str, Any], offset: int, size: int) -> None:
        # An ok record is never replaced by a later failure of the same key.
        self._db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status,"
            " offset = excluded.offset WHERE runs.status != 'ok' OR excluded.status = 'ok'",
            (*key_of(record), record["status"], offset),
        )
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('size', ?)", (size,))

    def _sync_index(self) -> None:
        size = self.path.stat().st_size if self.path.exists() else 0
        if size == self._indexed_size():
            return
        with self._db:
            self._db.execute("DELETE FROM runs")
            offset = 0
            if self.path.exists():
                with self.path.open("rb") as handle:
                    for line in handle:
                        try:
                            self._index(json.loads(line), offset, size)
                        except (json.JSONDecodeError, KeyError):
                            pass  # a torn last line from a crash
                        offset += len(line)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('size', ?)", (size,))

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
        self._sync_index()
        rows = self._db.execute("SELECT question_id, mode, model FROM runs WHERE status = 'ok'")
        return {(q, m, mo) for q, m, mo in rows}

    def append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        with self.path.open("ab") as handle:
            offset = handle.tell()
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        with self._db:
            self._index(record, offset, offset + len(line))

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        tmp.replace(self.path)
        self._sync_index()
