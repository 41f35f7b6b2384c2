"""The support check: is what a sentence says of a tradition in that tradition's texts or card?

A voice speaks for its tradition, so every sentence of its section is a claim about what the
tradition holds; elsewhere in an answer, a sentence that names a tradition is one. A claim is kept
only when its `Evidence` (the tradition's card and the passages retrieved for this question)
supports it:

- it is a whole sentence that speaks of the tradition, not to the reader (an unfinished line, a
  list number, "you" and "your" outside quotation marks: a small model echoing its instructions);
- it names no one and nothing its evidence does not (capitalised words past the first, "Ibn
  Hadath", "the Three Marks of Sanity"), and no work by an author that no source or card holds
  ("Sankofa by John Mbiti");
- its content words stand in the evidence: all of them, or at least LEXICAL of them with a
  sentence of the evidence as close as DENSE (cosine of the WordLlama embeddings). A quotation
  with a few words that present it is the quotation guard's to check, word for word.

The opening an in-process model continues ("The Confucian tradition answers this with teachings
such as") is multiplex's, not the claim's, and is not weighed. Thresholds were chosen on 490
sentences of the embedded model's drafts judged by reading against their evidence, with the rule
kept beside them (tests/grounding/support_judgements.json); `python
tests/benchmarks/support_check.py` reruns the choice and reports precision and recall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from multiplex.grounding.passages import Quotable
from multiplex.grounding.retrieval import terms
from multiplex.roster import Perspective
from multiplex.text.embedding import embed
from multiplex.text.sentences import COMPLETE, units

LEXICAL = 0.7  # share of a claim's content words found in its evidence, with a close sentence ...
DENSE = 0.525  # ... at least this close (or every content word found, however phrased)
FRAMING = 4  # content words that may present a quotation ("The Quran decrees: ...") unchecked
MIN_QUOTED = 5  # a quotation proper (the quotation guard's); a shorter quoted phrase is a title or a name
_LIST_NUMBER = re.compile(r"(?:^|[\s:;,(])\d{1,2}\.$")
_ABBREVIATED = re.compile(r"\b(?:ch|no|nos|vol|para|pp?|vv?|cf|ed|tr|St|Mr|Dr)\.$")  # a line cut at a reference
_TO_READER = re.compile(r"\b(?:[Yy]ou|[Yy]our|[Yy]ours|[Yy]ourself|I|I'll|I'm|I've|[Mm]e|[Mm]y)\b")
_QUOTED = re.compile(r'"[^"]*"|“[^”]*”')
_NAME = re.compile(r"\b[A-Z][a-z][\w'’\-]*")
_PHRASE = re.compile(r"\b[A-Z][\w'’\-]*(?:\s+[A-Z][\w'’\-]*)+")  # "Three Truths", "Mahayana Buddhism"
_WORK_BY = re.compile(  # "Title" by Name, Title (gloss) by Name
    r"[\"“']?\b([A-Z][\w'’\-]*(?:\s+(?:of|the|and|[A-Z][\w'’\-]*))*)[\"”']?"
    r"\s*(?:\([^)]*\)\s*)?,?\s+by\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)"
)


@dataclass(frozen=True)
class Evidence:
    """What claims about one or more traditions may rest on, for one question."""

    terms: frozenset[str]
    text: str  # lower-cased, for the names a claim may use
    rows: np.ndarray  # one unit row per sentence of it
    openings: tuple[str, ...] = ()
    works: tuple[tuple[str, str], ...] = ()  # (work, author) of its passages, lower-cased

    @classmethod
    def of(cls, card: Perspective, passages: Iterable[Quotable] = ()) -> Evidence:
        passages = list(passages)
        base = _card_evidence(card)
        if not passages:
            return base
        texts = [p.text for p in passages]
        named = " ".join(f"{p.work} {p.author or ''}" for p in passages)
        sentences = [s for text in texts for s in _sentences(text)]
        return base + cls(
            terms=frozenset(terms(" ".join([*texts, named]))),
            text=" ".join([*texts, named]).lower(),
            rows=embed(sentences),
            works=tuple((p.work.lower(), (p.author or "").lower()) for p in passages),
        )

    def __add__(self, other: Evidence) -> Evidence:
        return Evidence(
            terms=self.terms | other.terms,
            text=f"{self.text} {other.text}",
            rows=np.concatenate([self.rows, other.rows]),
            openings=self.openings + other.openings,
            works=self.works + other.works,
        )


@lru_cache(maxsize=64)
def _card_evidence(card: Perspective) -> Evidence:
    said = " ".join(" ".join(part.split()) for part in (card.description, card.persona, card.example or ""))
    listed = f"{card.name} {'; '.join(card.lexicon)}"
    return Evidence(
        terms=frozenset(terms(f"{said} {listed}")),
        text=f"{said} {listed}".lower(),
        rows=embed(_sentences(said)),
        openings=(card.opening,) if card.opening else (),
    )


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in units(" ".join(text.split())) if s.strip()]


@dataclass(frozen=True)
class Verdict:
    supported: bool
    reason: str = ""


def check(sentence: str, evidence: Evidence) -> Verdict:
    """Whether `evidence` supports what `sentence` says of its tradition (see the module's docstring)."""
    sentence = " ".join(sentence.split())
    if (
        not COMPLETE.search(sentence)
        or sentence.endswith("…")  # a draft cut at its budget, shown as cut
        or _LIST_NUMBER.search(sentence)
        or _ABBREVIATED.search(sentence)
    ):
        return Verdict(False, "unfinished")
    claim = _without_opening(sentence, evidence.openings)
    plain = _QUOTED.sub(" ", claim)
    if _TO_READER.search(plain):
        return Verdict(False, "speaks to the reader, not of the tradition")
    unknown = _unknown_name(claim, evidence)
    if unknown:
        return Verdict(False, f"names {unknown}, which its texts and card do not")
    invented = invented_work(claim, evidence)
    if invented:
        return Verdict(False, invented)
    words = terms(plain)
    if _QUOTED.search(claim) and len(words) <= FRAMING:
        return Verdict(True)  # a quotation and the words that present it: the quotation guard decides
    if not words:
        return Verdict(False, "says nothing of the tradition")
    share = sum(w in evidence.terms for w in words) / len(words)
    if share >= 1.0 or (share >= LEXICAL and _closest(plain, evidence) >= DENSE):
        return Verdict(True)
    return Verdict(False, "not found in its texts or card")


def invented_work(sentence: str, evidence: Evidence) -> str:
    """A reason when `sentence` names a work by an author that neither a source passage nor the
    card holds ("'The African Path' by Mbiti"); else ""."""
    for match in _WORK_BY.finditer(sentence):
        work, author = match.group(1).strip().lower(), match.group(2).strip().lower()
        if f"{work} by {author}" in evidence.text:
            continue
        if any(work in w and author.split()[-1] in a for w, a in evidence.works):
            continue
        return f"names a work, '{match.group(1).strip()}' by {match.group(2)}, that no source or card holds"
    return ""


def _unknown_name(claim: str, evidence: Evidence) -> str:
    """A name in `claim` (a capitalised word past the first, or a run of them) that its evidence
    does not hold. Short quoted phrases are titles and names too; quotations proper are the
    quotation guard's."""
    named = _long_quotations(claim)
    for name in _NAME.findall(named)[1:]:
        lowered = name.lower()
        if lowered not in evidence.text and lowered.removesuffix("'s").removesuffix("s") not in evidence.text:
            return name
    for phrase in _PHRASE.findall(named):
        words = phrase.split()
        if words[0] in ("The", "A", "An"):
            words = words[1:]
        if len(words) >= 2 and " ".join(words).lower() not in evidence.text:
            return " ".join(words)
    return ""


def _long_quotations(text: str) -> str:
    """`text` with its quotations of MIN_QUOTED words or more taken out."""
    return _QUOTED.sub(lambda m: " " if len(m.group(0).split()) >= MIN_QUOTED else m.group(0).strip('"“”'), text)


def _without_opening(sentence: str, openings: tuple[str, ...]) -> str:
    for opening in openings:
        if sentence.startswith(opening):
            return sentence[len(opening) :].lstrip(" :,")
    return sentence


def _closest(claim: str, evidence: Evidence) -> float:
    if not len(evidence.rows):
        return 0.0
    return float((evidence.rows @ embed([claim])[0]).max())


class Claims:
    """The support check for text that is no one voice's (the considerations, the closing, a
    synthesizer's answer): a sentence that names a tradition, by its card's name or a capitalised
    term of its lexicon (Islam, Confucius, Ubuntu; not "elders" or "karma", which a plain sentence
    uses too), is checked against the evidence of each tradition it names, the other traditions'
    names aside: "Confucians and Buddhists alike honour the old" must hold for both, and
    "Confucius taught the Four Noble Truths" fails for the Confucian, whose texts lack them."""

    def __init__(self, cards: Iterable[Perspective], evidence: dict[str, Evidence]) -> None:
        self.evidence = evidence
        cards = [card for card in cards if card.id in evidence]
        self._terms = {card.id: _pattern(_proper_terms(card)) for card in cards}
        self._names = {card.id: _pattern(_name_forms(card)) for card in cards}

    def named(self, sentence: str) -> list[str]:
        """The traditions `sentence` speaks of, in the roster's order."""
        plain = _QUOTED.sub(" ", sentence)
        return [pid for pid, pattern in self._terms.items() if pattern.search(plain)]

    def check(self, sentence: str) -> tuple[list[str], Verdict] | None:
        """The traditions `sentence` speaks of and the verdict, or None when it names none."""
        named = self.named(sentence)
        if not named:
            return None
        for pid in named:
            about = sentence
            for other in named:
                if other != pid:
                    about = self._names[other].sub("", about)
            verdict = check(" ".join(about.split()), self.evidence[pid])
            if not verdict.supported:
                return named, verdict
        return named, Verdict(True)


def _pattern(terms_: list[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in terms_) + r")(?:'s|’s|s|es)?\b")


def _proper_terms(card: Perspective) -> list[str]:
    terms_ = [card.name, *(t for t in card.lexicon if t[:1].isupper())]
    return sorted(set(terms_), key=len, reverse=True)


def _name_forms(card: Perspective) -> list[str]:
    """The words that name the tradition itself (Buddhist, Buddhism, Buddha), not its teachings."""
    stem = card.name[:4].lower()
    return sorted({card.name, *(t for t in card.lexicon if t.lower().startswith(stem))}, key=len, reverse=True)
