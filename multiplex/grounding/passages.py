"""Source passages: the public-domain texts a perspective speaks from, as data beside the cards.

A card names its works (`sources = ["analects_legge"]`): each is a JSONL file of passages (`id`,
`tradition`, `work`, `author`, `translator`, `year`, `locator`, `text`), found as
`sources/<tradition>/<name>.jsonl` under the cards' folder, or else among the shipped sources;
an entry ending in `.jsonl` is a path, relative to the cards' folder. Only `text` is ever quoted:
a collector's note (`gloss`) is never a tradition's voice. Passages that the reviewed list
(`sources/review.toml`) leaves out are never loaded.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from multiplex.errors import ConfigError

REVIEW = "review.toml"


class Quotable(Protocol):
    """Anything holding a passage as its source has it: a `Passage`, or a record's `Citation`."""

    @property
    def id(self) -> str: ...
    @property
    def work(self) -> str: ...
    @property
    def author(self) -> str | None: ...
    @property
    def locator(self) -> str: ...
    @property
    def text(self) -> str: ...
    def reference(self) -> str: ...


class Passage(BaseModel):
    """One passage of a work, quotable as it stands."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    tradition: str
    work: str
    author: str | None = None
    translator: str | None = None
    year: int | None = None
    locator: str
    text: str = Field(min_length=1)

    def reference(self) -> str:
        """A bibliographic reference: author, work, locator, translator (unless the author line
        names them already, as a collector or compiler) and year."""
        who = f"{self.author}, " if self.author else ""
        translator = (self.translator or "").split(" (")[0].strip()
        translated = f", tr. {translator}" if translator and translator not in (self.author or "") else ""
        year = f" ({self.year})" if self.year else ""
        return single_quotes(f"{who}{self.work}, {self.locator}{translated}{year}")


def inner_quotes(text: str) -> str:
    """A passage's own double quotation marks made straight, to sit inside our curly ones: the
    quotation then reads whole, and its words compare alike with the source's."""
    return text.replace("“", '"').replace("”", '"')


def single_quotes(text: str) -> str:
    """Double quotation marks made single: a title or a place in a work is never taken for a
    quotation."""
    return text.replace("“", "‘").replace("”", "’").replace('"', "'")


@dataclass(frozen=True)
class Review:
    """The reviewed list kept with the data: passages left out, and work titles shown otherwise."""

    excluded: frozenset[str]
    titles: dict[str, str]

    @classmethod
    def read(cls, folder: Path) -> Review:
        path = folder / REVIEW
        if not path.is_file():
            return cls(frozenset(), {})
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        return cls(frozenset(row["id"] for row in data.get("excluded", [])), dict(data.get("titles", {})))


def read_passages(path: Path, review: Review) -> list[Passage]:
    """The passages of one file, less those the review leaves out; a bad line fails with its number."""
    passages = []
    title = review.titles.get(path.stem)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the passages ({exc})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            passage = Passage.model_validate_json(line)
        except ValidationError as exc:
            raise ConfigError(f"{path}:{number}: not a passage ({exc.errors()[0]['msg']})") from None
        parts = passage.id.split(".")
        if len(parts) < 3 or parts[1] != path.stem or not all(parts):
            raise ConfigError(
                f"{path}:{number}: passage id '{passage.id}' is not of the form '<tradition>.{path.stem}.<number>'"
            )
        if passage.id in review.excluded or not any(c.isalpha() for c in passage.text):
            continue  # left out by the review, or nothing to quote (an elision marked with dots)
        passages.append(passage.model_copy(update={"work": title}) if title else passage)
    return passages


@dataclass(frozen=True)
class Corpus:
    """The passages of several works, in one list, each card's share known by its works."""

    passages: tuple[Passage, ...]
    files: tuple[Path, ...]
    digest: str  # of the files' bytes and the review: keys the retrieval index cache

    def __len__(self) -> int:
        return len(self.passages)


@lru_cache(maxsize=4)
def load_corpus(files: tuple[Path, ...]) -> Corpus:
    """Every passage of `files` (in order, deduplicated by id), read once per process."""
    digest = hashlib.sha256()
    passages: dict[str, Passage] = {}
    reviews: dict[Path, Review] = {}
    for path in files:
        root = path.parent.parent
        review = reviews.setdefault(root, Review.read(root))
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        if (root / REVIEW).is_file():
            digest.update((root / REVIEW).read_bytes())
        for passage in read_passages(path, review):
            passages.setdefault(passage.id, passage)
    return Corpus(tuple(passages.values()), files, digest.hexdigest()[:20])


def corpus_of(files: Iterable[Path]) -> Corpus:
    return load_corpus(tuple(dict.fromkeys(files)))


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def passages_json(passages: Iterable[Passage]) -> str:
    return json.dumps([p.model_dump() for p in passages], ensure_ascii=False)
