"""Quotations and attributions in what a model writes, checked against the source passages.

A quotation is a span in double quotes (straight or curly) or a block quote (lines opening with
`>`) of at least five words. It is verified when its words, compared without case, punctuation or
spacing, stand in one passage of the sources in that order (an ellipsis may skip words between
parts). Attributed speech is a sentence in which a named teacher, text or people is said to speak
("the Prophet said that ...", "Confucius taught that ...", "as the elders say"): it is supported
when the same sentence holds a verified quotation.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from multiplex.grounding.passages import Passage

MIN_WORDS = 5
_QUOTED = re.compile(r'"([^"\n]{3,}?)"|“([^”\n]{3,}?)”')
_BLOCK = re.compile(r"(?m)^[ \t]*>[ \t]?(.+)$")
_ELLIPSIS = re.compile(r"\.\s?\.\s?\.|…|\[\.\.\.\]")
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Who may be said to speak: named teachers, texts and the voices of a people. A tradition described
# ("the Confucian tradition teaches ...") is not among them: describing traditions is multiplex's job.
SPEAKERS = (
    r"the Prophet|Prophet Muhammad|Muhammad|the Buddha|Buddha|the Master|Confucius|Mencius|Xunzi|Zhu Xi|Laozi|"
    r"Lao Tzu|Krishna|Jesus|God|Allah|the Lord|Kant|Aristotle|Plato|Socrates|Mill|Marcus Aurelius|Epictetus|"
    r"al-Ghazali|Ghazali|Rumi|Ibn Khaldun|Ibn Sina|Shankara|Gandhi|Vivekananda|Nagarjuna|Desmond Tutu|Mandela|"
    r"Mbiti|Black Elk|Chief Seattle|Dekanawidah|Ohiyesa|Eastman|the elders|the ancestors|our ancestors|the sages?|"
    r"the scriptures?|scripture|the Quran|the Qur'an|the Koran|the hadiths?|a hadith|the Sunnah|the Analects|"
    r"the Gita|the Bhagavad Gita|the Upanishads|the Vedas|the Dhammapada|the sutras?|the Bible|the Torah|"
    r"the Great Law|(?:an?|the) (?:(?:old|ancient|African|Yoruba|Xhosa|Zulu|Akan|Chinese|Dakota|Native) ){0,2}"
    r"(?:proverb|saying)"
)
VERBS = (
    r"said|says|say|taught|teaches|teach|wrote|writes|declared|declares|commanded|commands|stated|states|told|"
    r"tells|instructed|instructs|reminded|reminds|asked|asks|warned|warns|preached|preaches|proclaimed|proclaims|"
    r"urged|urges|revealed|reveals|insisted|insists|advised|advises|put it|puts it"
)


_SPACED = str.maketrans(dict.fromkeys('—–‐‑‒―−…«»‹›“”„‟"(){}[]<>/\\|', " "))
_CONTRACTION = re.compile(r"(?<=[a-z0-9])'(?=[a-z])")


def normalise(text: str) -> str:
    """Lower case, ASCII letters and digits, one space between words: what a quotation is compared
    by. An apostrophe inside a word goes ("don't" and "dont", "Qur'an" and "Quran" compare alike);
    any other mark, a dash or a quotation mark included, parts words."""
    plain = text.replace("’", "'").replace("‘", "'").translate(_SPACED)
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_WORD.sub(" ", _CONTRACTION.sub("", plain)).split())


@dataclass(frozen=True)
class Quotation:
    text: str  # as written, without its quotation marks
    start: int  # where the quoted words start and end in the text they were found in
    end: int


def quotations(text: str, minimum: int = MIN_WORDS) -> list[Quotation]:
    """The quoted spans of `minimum` words or more in `text`, in order."""
    found: list[Quotation] = []
    for match in _QUOTED.finditer(text):
        group = 1 if match.group(1) is not None else 2
        found.append(Quotation(match.group(group), match.start(group), match.end(group)))
    for match in _BLOCK.finditer(text):
        found.append(Quotation(match.group(1), match.start(1), match.end(1)))
    return sorted((q for q in found if len(normalise(q.text).split()) >= minimum), key=lambda q: q.start)


def is_short(quotation: Quotation) -> bool:
    """Fewer than five words: a quotation only when it is a whole passage (a short proverb)."""
    return len(normalise(quotation.text).split()) < MIN_WORDS


def quoted_from(quoted: str, asked: str) -> bool:
    """The words stand in `asked` (the user's own messages): a reply quoting its question back is
    not putting words in anyone's mouth."""
    normal = normalise(quoted)
    return bool(normal) and f" {normal} " in f" {normalise(asked)} "


class QuoteChecker:
    """Finds where a quotation stands in the passages: one normalised text, searched as a whole."""

    def __init__(self, passages: Iterable[Passage]) -> None:
        self.passages = list(passages)
        self._whole = {normalise(p.text): p for p in self.passages}
        parts, self._starts = [], []
        at = 0
        for passage in self.passages:
            normal = f" {normalise(passage.text)} "
            self._starts.append(at)
            parts.append(normal)
            at += len(normal) + 1
        self._text = "\n".join(parts)

    def find(self, quoted: str) -> Passage | None:
        """The passage that holds `quoted` word for word (parts split by an ellipsis, in order); under
        five words, the passage that is `quoted` whole."""
        whole = self._whole.get(normalise(quoted))
        if whole is not None:  # a passage quoted whole: the common case, found at once
            return whole
        pieces = [f" {p} " for p in (normalise(part) for part in _ELLIPSIS.split(quoted)) if p]
        if not pieces or sum(len(p.split()) for p in pieces) < MIN_WORDS:
            return None
        at = self._text.find(pieces[0])
        while at != -1:
            index = bisect.bisect_right(self._starts, at) - 1
            end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self._text)
            cursor, ok = at + len(pieces[0]) - 1, True
            for piece in pieces[1:]:
                cursor = self._text.find(piece, cursor, end)
                if cursor == -1:
                    ok = False
                    break
                cursor += len(piece) - 1
            if ok:
                return self.passages[index]
            at = self._text.find(pieces[0], at + 1)
        return None


_ATTRIBUTED = re.compile(
    rf"\b(?:{SPEAKERS})(?:'s)?(?:\s+\w+){{0,3}}?\s+(?:{VERBS})\b|\b(?:according to|as)\s+(?:{SPEAKERS})\b",
    re.IGNORECASE,
)


def attributes_speech(sentence: str) -> bool:
    """The sentence says a named teacher, text or people spoke."""
    return _ATTRIBUTED.search(sentence) is not None
