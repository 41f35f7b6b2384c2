"""The parts a mas answer is made of, composed without a model: its considerations, kept to its
budget, and one section per answered voice.

A voice's section says where its tradition stands, in the voice's own sentences, but only those
its tradition's texts or card support (`grounding/support.py`), most relevant to the question
first, none that repeats the considerations, and none that only lists its tradition's names ("The
Islamic tradition answers this with sources such as the Quran and Sunnah" says nothing of the
question), and none that copies its card's example on another question; then, when one fits the
question (`grounding/relevance.py`), a line of its tradition's texts, quoted word for word. The
voices with nothing supported to say and no passage that fits are named together in one line after
the others: less, not filler.

Lengths are words, as a reader counts them: an answer is at most MULTIPLEX_ANSWER_LENGTH times
the words of its considerations (a plain answer to the same question), its sections and closing
included, its sources list and citation marks not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from multiplex.graph.record import Claim
from multiplex.grounding.passages import inner_quotes
from multiplex.grounding.relevance import Fit
from multiplex.grounding.retrieval import terms
from multiplex.grounding.support import Evidence, check
from multiplex.roster import Perspective
from multiplex.scoring.synthesis import mentions_process
from multiplex.text.copies import copied
from multiplex.text.embedding import embed
from multiplex.text.headings import listed
from multiplex.text.sentences import split_sentences, units

SECTION_DRAFT_TOKENS = 96  # a draft longer than a section keeps only feeds the choice
BRIEF_WORDS = 30  # what the closing reads of each section
CLOSING_TOKENS = 120  # the most the closing may write
CLOSING_WORDS = 45  # what the budget keeps for it
CLOSING_OPENING = "Across these traditions,"  # continued by in-process models, which otherwise wander
PLAIN_WORDS = 150  # the least a budget assumes a plain answer has (the considerations failed, or said little)
VOICE_WORDS = 14  # the least a voice's section is given, its heading aside
REPEATS = 0.70  # cosine at which a sentence repeats one already in the answer (graph/analysis.AGREE)
WORDS_PER_TOKEN = 0.72  # cl100k on these answers: a budget of tokens as words
_MARK = re.compile(r"\[\d+\]|\*+")
_WORD = re.compile(r"[\w'’\-]+")

CONSIDERATIONS_HEADING = "**Main considerations.** "
CLOSING_HEADING = "**Common ground and tensions.** "
SOURCES_HEADING = "**Sources.**"
BLOCKS = "\n\n"  # between an answer's blocks: considerations, sections, the closing, the references
# What the answer says of its voices with nothing supported to say and no passage that fits the
# question, in one line after the others' sections: a voice is never dropped unannounced, nothing is
# put in its mouth, and it says less rather than fill its share.
NOTHING_TRACED = "*Nothing it wrote here on the question could be traced to its texts.*"
NOTHING_TRACED_OF_SEVERAL = "*Nothing they wrote here on the question could be traced to their texts.*"
NOTHING_TRACED_BRIEFLY = "*Nothing traced to its texts.*"  # the same, within a client's tight budget
NOTHING_TRACED_OF_SEVERAL_BRIEFLY = "*Nothing traced to their texts.*"


def count_words(text: str) -> int:
    """Words as a reader counts them: citation marks and emphasis aside."""
    return len(_WORD.findall(_MARK.sub(" ", text)))


def answer_words(text: str) -> int:
    """An answer's words as `count_words` counts them, its sources list aside."""
    return count_words(text.split(SOURCES_HEADING, 1)[0])


def section_heading(card: Perspective) -> str:
    """A section's heading, outside every guard: a voice that answered is always named."""
    return f"**{card.name}.** "


def voice_blocks(said: list[tuple[Perspective, str]], brief: bool = False) -> list[str]:
    """The answer's blocks for its voices, given what each says: a section for each voice with
    something to say, in order, then one line naming together those with nothing (`brief`: within
    a client's tight budget)."""
    blocks = [section_heading(card) + text for card, text in said if text]
    silent = [card.name for card, text in said if not text]
    if len(silent) == 1:
        blocks.append(f"**{silent[0]}.** " + (NOTHING_TRACED_BRIEFLY if brief else NOTHING_TRACED))
    elif silent:
        line = NOTHING_TRACED_OF_SEVERAL_BRIEFLY if brief else NOTHING_TRACED_OF_SEVERAL
        blocks.append(f"**{listed(silent)}.** {line}")
    return blocks


def quoted(excerpt: str) -> str:
    """A line of a passage, word for word, in curly quotation marks (the answer's references name
    its work and place)."""
    return f"“{inner_quotes(excerpt)}”"


def quotes(sentence: str) -> bool:
    """The sentence quotes something (a quotation costs the answer a line of its sources)."""
    return any(mark in sentence for mark in '"“”')


def head_words(text: str, words: int) -> str:
    """The first whole sentences of `text` within `words` words (at least one)."""
    kept: list[str] = []
    for unit in units(text):
        if kept and count_words("".join(kept) + unit) > words:
            break
        kept.append(unit)
    return "".join(kept).strip()


def brief(section: str, words: int = BRIEF_WORDS) -> str:
    """A section's opening sentences, within `words` words (at least one sentence)."""
    kept: list[str] = []
    for sentence in split_sentences(section):
        if kept and len(" ".join(kept).split()) + len(sentence.split()) > words:
            break
        kept.append(sentence)
    return " ".join(kept)


@dataclass
class VoiceSection:
    card: Perspective
    sentences: list[str] = field(default_factory=list)  # its supported sentences, in its order
    fit: Fit | None = None  # the line of its texts shown, when one fits the question
    withheld: bool = False  # it had passages, none close enough to the question to quote
    dropped: list[Claim] = field(default_factory=list)  # its claims its texts do not support
    brief: bool = False  # within a client's tight budget: say that nothing was traced briefly

    @property
    def body(self) -> str:
        """What the voice says: its sentences and the line of its texts shown ("" for nothing)."""
        parts = [*self.sentences, quoted(self.fit.excerpt) if self.fit else ""]
        return " ".join(p for p in parts if p)


# Words a model fills its card's opening with ("answers this with ideas such as the importance of
# community, and its own texts"): with the card's own words, still nothing on the question.
FILLER = "importance key own texts ideas teaching teachings sources thinkers works values"  # as `terms` reads them
EXAMPLE_RUN = 6  # a run of this many words shared with the card's example is a copy of it


def only_names(sentence: str, card: Perspective) -> bool:
    """The sentence holds nothing but its tradition's names (its lexicon's terms: texts, teachers,
    words of its own), or, after its opening, nothing but words of its card and filler (the model
    reciting "the Four Noble Truths, the Middle Way, and its own texts"): a list of what it draws
    on, not a word on the question."""
    opening = card.opening or ""
    claim = sentence.removeprefix(opening)
    named = {word for term in (card.name, *card.lexicon) for word in terms(term)}
    if opening and claim != sentence:
        named |= set(terms(f"{card.description} {card.persona} {FILLER}"))
    return all(word in named for word in terms(claim))


def restates(sentence: str, question: str) -> bool:
    """The sentence only says the question again ("The question is: what makes a good teacher?"):
    every word of it is the question's, or names it as a question."""
    words = set(terms(sentence))
    return bool(words) and words <= set(terms(question)) | {"question", "ask"}


def _example(card: Perspective) -> tuple[str, str]:
    """The question of the card's example and its answer."""
    found = re.search(r'On the question "([^"]+)"\s*:?(.*)', card.example or "", re.S)
    return (found.group(1), found.group(2)) if found else ("", card.example or "")


def _stems(text: str) -> set[str]:
    return {word[:5] for word in terms(text)}  # "teacher", "teaching", "teach": one subject


def off_example(sentence: str, card: Perspective, question: str) -> bool:
    """The sentence copies a run of its card's example, which shows the voice on another question,
    and speaks of that question's subject, not this one's ("The Upanishads are dialogues between
    teacher and student" in an answer on term limits). A copy on this question's subject stays
    ("Ubuntu says a person is a person through other persons", asked what we owe our parents)."""
    asked, shown = _example(card)
    if not shown or not copied(sentence, shown, EXAMPLE_RUN):
        return False
    return bool(_stems(sentence) & (_stems(asked) - _stems(question)))


def says_nothing(sentence: str, card: Perspective, question: str) -> bool:
    """A sentence of a voice's draft that says nothing of the question: it only recites its card
    (`only_names`), or only says a question again, this one or its card's example's (the model
    copying 'On the question "What makes a good teacher?"' into an answer on flag burning), or
    repeats its card's example on that example's subject (`off_example`)."""
    asked, _ = _example(card)
    asked_again = restates(sentence, question) or bool(asked) and restates(sentence, asked)
    return asked_again or only_names(sentence, card) or off_example(sentence, card, question)


def budget_words(considerations: int, ratio: float) -> int:
    """The most words of an answer whose considerations have `considerations` words."""
    return round(ratio * max(considerations, PLAIN_WORDS))


def voice_words(budget: int, considerations: int, voices: int) -> int:
    """Each voice's share of what the considerations and the closing leave of the budget."""
    left = budget - considerations - CLOSING_WORDS - voices  # a heading is a word
    return max(VOICE_WORDS, left // max(1, voices))


@dataclass(frozen=True)
class Voice:
    """What a voice's section is chosen from, judged once however often the budget changes: its
    supported sentences with their embeddings, most relevant to the question first."""

    card: Perspective
    supported: list[str]
    rows: np.ndarray  # one embedding row per supported sentence
    ranked: list[int]  # indexes into `supported`, most relevant first
    fit: Fit | None
    dropped: list[Claim]


def judge_voice(card: Perspective, draft: str, evidence: Evidence, fit: Fit | None, question: str) -> Voice:
    """A voice's sentences its texts or card support (see the module's docstring), ranked."""
    supported, dropped = [], []
    for unit in units(" ".join(draft.split())):
        sentence = unit.strip()
        if not sentence or mentions_process(sentence):
            continue
        verdict = check(sentence, evidence)
        if verdict.supported:
            if not says_nothing(sentence, card, question):
                supported.append(sentence)
        else:
            dropped.append(Claim(perspectives=[card.id], sentence=sentence, reason=verdict.reason))
    if not supported:
        return Voice(card, [], np.zeros((0, 0), dtype=np.float32), [], fit, dropped)
    rows = embed([question, *supported])
    relevance = rows[1:] @ rows[0]
    ranked = [int(i) for i in np.argsort(-relevance, kind="stable")]
    return Voice(card, supported, rows[1:], ranked, fit, dropped)


def compose_voice(voice: Voice, taken: np.ndarray, words: int, quote: bool = True) -> VoiceSection:
    """A voice's section within `words` words (see the module's docstring). `taken`: rows of the
    sentences already in the answer (its considerations), which the voice need not repeat.
    Without `quote` (a client's tight budget, where every quotation costs a line of sources) it
    quotes only when it has nothing else to say."""
    section = VoiceSection(voice.card, dropped=list(voice.dropped), brief=not quote)
    ranked = voice.ranked
    if not quote:
        plain = [i for i in ranked if not quotes(voice.supported[i])]
        ranked = plain or ranked
    chosen: list[int] = []
    used = 0
    for i in ranked:
        seen = np.concatenate([taken, voice.rows[chosen]]) if chosen else taken
        if len(seen) and float((seen @ voice.rows[i]).max()) >= REPEATS:
            continue  # said already, by the considerations or this voice
        length = count_words(voice.supported[i])
        if used + length > words and (chosen or length > 2 * words):
            continue
        chosen.append(i)
        used += length
    section.sentences = [voice.supported[i] for i in sorted(chosen)]
    fit = voice.fit
    if fit is not None:
        left = words - used
        if not fit.relevant:
            section.withheld = True
        elif not section.sentences or (quote and count_words(fit.excerpt) <= max(left, VOICE_WORDS)):
            section.fit = fit
    return section
