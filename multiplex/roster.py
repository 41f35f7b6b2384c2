"""Perspective cards: one TOML file per worldview in agents/.

A card is everything about a perspective in one place: how its agent speaks (persona) and which
words mark a reference to it (lexicon). A bad card fails at load, naming its file and field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from multiplex.errors import ConfigError, InvalidRequest
from multiplex.resources import data_dir

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
# The run's other roles and modes: a card taking one of these names would be mistaken for them in
# logs, metrics and the served model ids.
RESERVED_IDS = frozenset(
    {"baseline", "contextual", "mas", "task", "perspective", "planner", "considerations", "synthesizer", "judge"}
)


class Perspective(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    persona: str = Field(min_length=1)
    lexicon: tuple[str, ...] = Field(min_length=1)
    example: str | None = Field(None, description="a short answer in this voice, to another question")
    opening: str | None = Field(None, description="the words an in-process model's reply opens with")
    model: str | None = Field(None, description="litellm model string or Router model name of this agent")
    sources: tuple[str, ...] = Field((), description="its works: JSONL passage files it may quote (see sources/)")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError("must be lowercase letters, digits, '-' or '_', starting with a letter")
        if value in RESERVED_IDS:
            raise ValueError(f"'{value}' is reserved (a role or mode of a run); choose another id")
        return value

    @field_validator("lexicon")
    @classmethod
    def _clean_terms(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(t.strip() for t in terms)
        if any(not t for t in cleaned):
            raise ValueError("holds an empty term")
        return cleaned


def shipped_sources() -> Path:
    return data_dir("agents") / "sources"


def resolve_source(entry: str, cards: Path, card_id: str) -> Path:
    """The file a card's `sources` entry names (see the module's docstring): a path stays inside the
    cards' folder (no absolute path, no `..` out of it, no wildcard)."""
    if any(c in entry for c in "*?[]") or Path(entry).is_absolute():
        raise ConfigError(f"card '{card_id}': field 'sources': '{entry}' must name one file inside the cards' folder")
    if entry.endswith(".jsonl"):
        path = (cards / entry).resolve()
        if not path.is_relative_to(cards.resolve()):
            raise ConfigError(f"card '{card_id}': field 'sources': '{entry}' lies outside the cards' folder")
        if path.is_file():
            return path
        raise ConfigError(f"card '{card_id}': field 'sources': no file {path}")
    for folder in dict.fromkeys([cards / "sources", shipped_sources()]):
        found = sorted(folder.glob(f"*/{entry}.jsonl")) if folder.is_dir() else []
        if found:
            return found[0]
    raise ConfigError(
        f"card '{card_id}': field 'sources': no work '{entry}' (looked for sources/*/{entry}.jsonl beside the "
        "cards and among the shipped sources)"
    )


class Roster(tuple[Perspective, ...]):
    """An ordered, id-unique tuple of perspectives, and the folder their cards came from."""

    folder: Path = Path(".")

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self]

    def get(self, perspective_id: str) -> Perspective:
        for p in self:
            if p.id == perspective_id:
                return p
        raise InvalidRequest(
            f"unknown perspective '{perspective_id}'; known: {', '.join(self.ids)}", param="perspectives"
        )

    def subset(self, ids: Iterable[str] | None) -> Roster:
        if ids is None:
            return self
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            raise InvalidRequest("perspectives must name at least one perspective", param="perspectives")
        return roster_of((self.get(i) for i in wanted), self.folder)


def roster_of(cards: Iterable[Perspective], folder: Path) -> Roster:
    roster = Roster(cards)
    roster.folder = folder
    return roster


def load_card(path: Path) -> Perspective:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    try:
        return Perspective.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "card"
        message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
        raise ConfigError(f"{path}: field '{field}': {message}") from None


def load_roster(folder: Path | None = None) -> Roster:
    folder = folder or data_dir("agents")
    paths = sorted(folder.glob("*.toml"))
    if not paths:
        raise ConfigError(f"{folder}: no perspective cards (*.toml)")
    cards: list[Perspective] = []
    seen_ids: dict[str, Path] = {}
    seen_terms: dict[str, tuple[str, Path]] = {}
    for path in paths:
        card = load_card(path)
        if card.id in seen_ids:
            raise ConfigError(f"{path}: field 'id': '{card.id}' is already used by {seen_ids[card.id]}")
        seen_ids[card.id] = path
        for term in card.lexicon:
            key = term.casefold()
            if key in seen_terms and seen_terms[key][0] != card.id:
                owner, owner_path = seen_terms[key]
                raise ConfigError(f"{path}: field 'lexicon': term '{term}' is also listed by '{owner}' ({owner_path})")
            seen_terms[key] = (card.id, path)
        cards.append(card)
    for card in cards:  # a work a card names must exist: said at start-up, naming the card
        for entry in card.sources:
            resolve_source(entry, folder, card.id)
    return roster_of(sorted(cards, key=lambda c: _DEFAULT_ORDER.get(c.id, len(_DEFAULT_ORDER))), folder)


_DEFAULT_ORDER = {
    pid: i for i, pid in enumerate(["western", "islamic", "confucian", "hindu", "buddhist", "african", "indigenous"])
}


@lru_cache(maxsize=8)
def cached_roster(folder: Path | None) -> Roster:
    return load_roster(folder)
