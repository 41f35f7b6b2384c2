"""A roster's sources: the passages each card may quote, the ones most relevant to a question, and
the check of any quotation against all of them."""

from __future__ import annotations

import threading
from pathlib import Path

from multiplex.grounding.passages import Corpus, Passage, corpus_of
from multiplex.grounding.quotes import QuoteChecker
from multiplex.grounding.retrieval import index_for
from multiplex.roster import Perspective, Roster, resolve_source

PASSAGES_PER_AGENT = 3


_checkers: dict[str, QuoteChecker] = {}
_lock = threading.Lock()


def _checker(corpus: Corpus) -> QuoteChecker:
    """The corpus's quotation checker, built once per process (keyed by the corpus's digest)."""
    with _lock:
        if corpus.digest not in _checkers:
            _checkers[corpus.digest] = QuoteChecker(corpus.passages)
        return _checkers[corpus.digest]


class Sources:
    def __init__(self, roster: Roster, cards: Path, cache: Path) -> None:
        self.files = {card.id: [resolve_source(entry, cards, card.id) for entry in card.sources] for card in roster}
        everything = [path for paths in self.files.values() for path in paths]
        self.corpus = corpus_of(everything) if everything else None
        self._cache = cache
        self.works = {card_id: [path.stem for path in paths] for card_id, paths in self.files.items()}
        self.owner = {stem: card_id for card_id, stems in self.works.items() for stem in stems}

    def __bool__(self) -> bool:
        return self.corpus is not None

    def for_question(self, card: Perspective, question: str, k: int = PASSAGES_PER_AGENT) -> list[Passage]:
        """The card's `k` passages most relevant to `question` (none when the card names no sources)."""
        if self.corpus is None or not self.works.get(card.id) or not question.strip():
            return []
        index = index_for(self.corpus, self._cache)
        return [hit.passage for hit in index.search(question, self.works[card.id], k)]

    def find(self, quoted: str) -> Passage | None:
        """The passage that holds `quoted` word for word, in any card's works."""
        return _checker(self.corpus).find(quoted) if self.corpus is not None else None

    def voice_of_id(self, passage_id: str) -> str | None:
        """The card whose works hold the passage (ids read `tradition.work.number`)."""
        parts = passage_id.split(".")
        return self.owner.get(parts[1]) if len(parts) > 2 else None
