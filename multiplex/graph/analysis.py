"""The structured analysis beside a mas answer, measured from its drafts (no model call):

- agreements: a point one voice makes that others make too (a sentence of theirs as close as a
  paraphrase, cosine of the WordLlama embeddings at least AGREE), with the voices that share it;
- tensions: two voices on the same matter (cosine at least TOPIC, short of agreeing) with opposite
  sentiment (VADER compound at least 0.3 one way and the other), with what each says;
- distinctive: per voice, its point least like anything another voice said, when nothing another
  voice said comes near it (best cosine below ALONE);
- missing: the voices that did not answer.

Thresholds were set on people's labels, ArgKP's (argument, key point) pairs of its train split:
at a cosine of 0.70, 57% of pairs are ones annotators judged to make the same point (more often
than not: AGREE); two sentences on one debate topic have a median cosine of 0.42 (TOPIC, and ALONE:
nothing another voice said is even on the same matter).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from multiplex.scoring.sentiment import compound
from multiplex.scoring.synthesis import mentions_process
from multiplex.text.embedding import embed
from multiplex.text.sentences import units

AGREE = 0.70
TOPIC = 0.42
ALONE = 0.42
POLAR = 0.3
MOST = 5  # of each kind


class Agreement(BaseModel):
    point: str = Field(description="the point, in the words of the first voice that makes it")
    voices: list[str]


class Tension(BaseModel):
    voices: list[str]
    sides: dict[str, str] = Field(description="voice id -> what it says on the matter")


class Contribution(BaseModel):
    voice: str
    point: str


class Analysis(BaseModel):
    method: Literal["measured"] = "measured"
    agreements: list[Agreement] = Field(default_factory=list)
    tensions: list[Tension] = Field(default_factory=list)
    distinctive: list[Contribution] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="the voices that did not answer")


def _sentences(draft: str) -> list[str]:
    out = []
    for unit in units(" ".join(draft.split())):
        sentence = unit.strip()
        if len(sentence.split()) >= 5 and not mentions_process(sentence):
            out.append(sentence)
    return out


def analyse(drafts: dict[str, str], missing: list[str]) -> Analysis:
    owner: list[str] = []
    sentences: list[str] = []
    for pid, draft in drafts.items():
        for sentence in _sentences(draft):
            owner.append(pid)
            sentences.append(sentence)
    if len(set(owner)) < 2:
        return Analysis(missing=missing)
    rows = embed(sentences)
    similar = rows @ rows.T
    voices = np.array(owner)
    other = voices[:, None] != voices[None, :]
    return Analysis(
        agreements=_agreements(sentences, owner, similar, other),
        tensions=_tensions(sentences, owner, similar, other),
        distinctive=_distinctive(sentences, owner, similar, other),
        missing=missing,
    )


def _agreements(sentences: list[str], owner: list[str], similar: np.ndarray, other: np.ndarray) -> list[Agreement]:
    found: list[Agreement] = []
    covered: set[int] = set()
    matches = (similar >= AGREE) & other
    for i in np.argsort(-matches.sum(axis=1), kind="stable"):
        if i in covered or not matches[i].any():
            continue
        partners = np.flatnonzero(matches[i])
        voices = list(dict.fromkeys([owner[i], *(owner[j] for j in partners)]))
        covered.update(int(j) for j in partners)
        covered.add(int(i))
        found.append(Agreement(point=sentences[i], voices=voices))
        if len(found) == MOST:
            break
    return found


def _tensions(sentences: list[str], owner: list[str], similar: np.ndarray, other: np.ndarray) -> list[Tension]:
    tone = np.array([compound(s) for s in sentences])
    opposed = (tone[:, None] * tone[None, :] < 0) & (np.abs(tone[:, None]) >= POLAR) & (np.abs(tone[None, :]) >= POLAR)
    candidates = (similar >= TOPIC) & (similar < AGREE) & other & opposed
    pairs = sorted(zip(*np.nonzero(np.triu(candidates)), strict=True), key=lambda ij: -similar[ij])
    found, seen = [], set()
    for i, j in pairs:
        key = frozenset((owner[i], owner[j]))
        if key in seen:
            continue
        seen.add(key)
        found.append(Tension(voices=[owner[i], owner[j]], sides={owner[i]: sentences[i], owner[j]: sentences[j]}))
        if len(found) == MOST:
            break
    return found


def _distinctive(sentences: list[str], owner: list[str], similar: np.ndarray, other: np.ndarray) -> list[Contribution]:
    nearest = np.where(other, similar, -1.0).max(axis=1)
    found = []
    for voice in dict.fromkeys(owner):
        mine = [i for i, o in enumerate(owner) if o == voice]
        i = min(mine, key=lambda k: nearest[k])
        if nearest[i] < ALONE:
            found.append(Contribution(voice=voice, point=sentences[i]))
    return found
