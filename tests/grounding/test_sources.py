"""The sources shipped beside the cards: every card's works load, the reviewed list is complete and
enforced, a collector's note is never a passage's text, and a user's card finds its own files."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from multiplex.errors import ConfigError
from multiplex.grounding.passages import Review, corpus_of, read_passages
from multiplex.resources import data_dir
from multiplex.roster import load_roster, resolve_source, shipped_sources
from tests.conftest import IDS

SOURCES = shipped_sources()
REVIEW = tomllib.loads((SOURCES / "review.toml").read_text(encoding="utf-8"))


def raw(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_card_of_the_roster_names_works_that_load() -> None:
    roster = load_roster()
    for card in roster:
        assert card.sources, card.id
        files = [resolve_source(entry, roster.folder, card.id) for entry in card.sources]
        assert {f.parent.name for f in files} == {card.id}  # its own tradition's works
    corpus = corpus_of(sorted(SOURCES.glob("*/*.jsonl")))
    rows = [row for path in sorted(SOURCES.glob("*/*.jsonl")) for row in raw(path)]
    elisions = [row for row in rows if not any(c.isalpha() for c in row["text"])]  # ". . . . ." in Arnold's Gita
    assert len(rows) == 15_547 and len(elisions) == 3
    assert len(corpus) == 15_547 - len(REVIEW["excluded"]) - len(elisions)
    assert {p.tradition for p in corpus.passages} == set(IDS)


def test_every_passage_matching_the_terms_has_been_reviewed() -> None:
    """A new or changed source file cannot slip a demeaning term past the review: each passage
    whose text matches is listed as excluded or as kept, with its reason."""
    terms = re.compile(REVIEW["terms"], re.IGNORECASE)
    excluded = {row["id"] for row in REVIEW["excluded"]}
    kept = {row["id"]: row["term"].lower() for row in REVIEW["kept"]}
    unreviewed = []
    for path in sorted(SOURCES.glob("*/*.jsonl")):
        if path.parent.name == "islamic":  # the Qur'an's own terms: see works_checked in review.toml
            continue
        for row in raw(path):
            found = {m.group(1).lower() for m in terms.finditer(row["text"])}
            if found and row["id"] not in excluded and found != {kept.get(row["id"])}:
                unreviewed.append((row["id"], sorted(found)))  # kept only for the one term that was read
    assert unreviewed == []
    assert all(row["why"] for row in REVIEW["excluded"] + REVIEW["kept"])


def test_the_excluded_passages_are_never_loaded_and_the_rest_are() -> None:
    excluded = {row["id"] for row in REVIEW["excluded"]}
    loaded = {p.id for p in corpus_of(sorted(SOURCES.glob("*/*.jsonl"))).passages}
    assert excluded and not (excluded & loaded)
    slurs = re.compile(r"\b(half-breeds?|squaws?|kaff?irs?)\b", re.IGNORECASE)
    texts = [p for p in corpus_of(sorted(SOURCES.glob("*/*.jsonl"))).passages if slurs.search(p.text + p.work)]
    assert texts == []  # nor is a slur shown as a work's title


def test_a_collectors_note_is_never_a_passage() -> None:
    path = SOURCES / "african" / "xhosa_proverbs_theal.jsonl"
    rows = raw(path)
    glossed = [row for row in rows if row.get("gloss")]
    assert glossed  # the file does hold the collector's notes ...
    passages = {p.id: p for p in read_passages(path, Review.read(SOURCES))}
    for row in glossed:
        if row["id"] in passages:  # ... and what is read is the proverb alone
            assert passages[row["id"]].text == row["text"] and row["gloss"] not in passages[row["id"]].text
    assert not hasattr(next(iter(passages.values())), "gloss")
    assert all(p.work == "Xhosa Folk-Lore: Proverbs and Figurative Expressions" for p in passages.values())


def test_a_users_card_points_at_its_own_files(tmp_path: Path) -> None:
    cards = tmp_path / "agents"
    shutil.copytree(data_dir("agents"), cards, ignore=shutil.ignore_patterns("sources"))
    (cards / "texts").mkdir()
    (cards / "texts" / "sayings.jsonl").write_text(
        json.dumps(
            {
                "id": "stoic.sayings.00001",
                "tradition": "western",
                "work": "Sayings",
                "locator": "no. 1",
                "text": "No one is free who is not master of himself.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    card = cards / "western.toml"
    card.write_text(
        re.sub(r"(?m)^sources = .*$", 'sources = ["texts/sayings.jsonl", "meditations_long"]', card.read_text())
    )
    roster = load_roster(cards)
    files = [resolve_source(e, cards, "western") for e in roster.get("western").sources]
    assert files[0] == (cards / "texts" / "sayings.jsonl").resolve()
    assert files[1] == SOURCES / "western" / "meditations_long.jsonl"  # a shipped work, found by name
    card.write_text(re.sub(r"(?m)^sources = .*$", 'sources = ["no_such_work"]', card.read_text()))
    with pytest.raises(ConfigError, match="card 'western': field 'sources': no work 'no_such_work'"):
        load_roster(cards)


def test_a_bad_passage_file_is_named_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        '{"id": "x.bad.1", "tradition": "t", "work": "W", "locator": "1", "text": "ok"}\n{"id": "x"}\n'
    )
    with pytest.raises(ConfigError, match=r"bad.jsonl:2: not a passage"):
        read_passages(tmp_path / "bad.jsonl", Review(frozenset(), {}))
