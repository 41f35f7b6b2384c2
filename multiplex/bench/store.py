"""The run store: an append-only JSONL file of records, and a SQLite index of it, in the output
folder.

Each finished run is written as one whole line (a single write on a file opened for appending)
and flushed to disk at once, so a crash or Ctrl-C loses nothing finished; on resume only keys
(question, mode, model) without an ok record run again. Failed runs stay in the file with their
error. A crash in the middle of a write leaves a torn last line: it is set aside on the next
open (in `records.torn`, and said so), never glued to the next record. The JSONL file is the
truth (readable, mergeable with cat); the index (`index.sqlite`: key and status) answers "what
is done" without reading every record, and is rebuilt from the lines that parse whenever the
two disagree.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

RECORDS = "records.jsonl"
TORN = "records.torn"
INDEX = "index.sqlite"
COLUMNS = ("question_id", "mode", "model", "variant", "repeat", "status")
Key = tuple[str, str, str, int, int]  # question, mode, model, wording, repeat


def key_of(record: dict[str, Any]) -> Key:
    return (record["question_id"], record["mode"], record["model"], record.get("variant", 0), record.get("repeat", 0))


def _parsed(line: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(line)
        key_of(record)
        record["status"]  # noqa: B018 - a record has a status
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError):
        return None
    return record if isinstance(record, dict) else None


class RunStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / RECORDS
        self.repaired = self._repair()
        self._db = sqlite3.connect(folder / INDEX)
        columns = [row[1] for row in self._db.execute("PRAGMA table_info(runs)")]
        if columns and columns != list(COLUMNS):  # an older index: rebuilt
            self._db.executescript("DROP TABLE runs; DROP TABLE IF EXISTS meta;")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS runs (question_id TEXT, mode TEXT, model TEXT, variant INTEGER,"
            " repeat INTEGER, status TEXT, PRIMARY KEY (question_id, mode, model, variant, repeat))"
        )
        self._db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER)")
        self._sync_index()

    def _repair(self) -> str | None:
        """Set a torn last line aside; returns what was done, for the user, or None."""
        if not self.path.exists():
            return None
        with self.path.open("rb+") as handle:
            size = handle.seek(0, os.SEEK_END)
            if size == 0:
                return None
            handle.seek(max(0, size - 1))
            if handle.read(1) == b"\n":
                return None
            handle.seek(0)
            data = handle.read()
            keep = data.rfind(b"\n") + 1
            with (self.folder / TORN).open("ab") as torn:
                torn.write(data[keep:] + b"\n")
            handle.truncate(keep)
        return (
            f"{self.path}: the last line was torn mid-write (a crash or a full disk; {size - keep} bytes); "
            f"set aside in {self.folder / TORN} and its run will run again"
        )

    def _indexed_size(self) -> int:
        row = self._db.execute("SELECT value FROM meta WHERE name = 'size'").fetchone()
        return int(row[0]) if row else 0

    def _index(self, record: dict[str, Any], size: int) -> None:
        # An ok record is never replaced by a later failure of the same key.
        self._db.execute(
            "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET status = excluded.status"
            " WHERE runs.status != 'ok' OR excluded.status = 'ok'",
            (*key_of(record), record["status"]),
        )
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('size', ?)", (size,))

    def _sync_index(self) -> None:
        size = self.path.stat().st_size if self.path.exists() else 0
        if size == self._indexed_size():
            return
        with self._db:
            self._db.execute("DELETE FROM runs")
            for record in self.records():
                self._index(record, size)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('size', ?)", (size,))

    def records(self) -> list[dict[str, Any]]:
        """Every record in the file that parses, in order."""
        if not self.path.exists():
            return []
        with self.path.open("rb") as handle:
            return [record for line in handle if (record := _parsed(line)) is not None]

    def latest(self) -> dict[Key, dict[str, Any]]:
        latest: dict[Key, dict[str, Any]] = {}
        for record in self.records():
            key = key_of(record)
            if record["status"] == "ok" or latest.get(key, {}).get("status") != "ok":
                latest[key] = record
        return latest

    def done(self) -> set[Key]:
        self._sync_index()
        rows = self._db.execute("SELECT question_id, mode, model, variant, repeat FROM runs WHERE status = 'ok'")
        return {(q, m, mo, v, r) for q, m, mo, v, r in rows}

    def append(self, record: dict[str, Any]) -> None:
        """One whole line, in one write, on disk before the index says it is there."""
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            written = os.write(fd, line)
            if written != len(line):  # a full disk: the part that went out is torn, set aside on the next open
                raise OSError(f"only {written} of {len(line)} bytes of a record could be written")
            os.fsync(fd)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        with self._db:
            self._index(record, size)

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        tmp.replace(self.path)
        self._sync_index()
