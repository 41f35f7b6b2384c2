"""The synthesis metrics against hand-made cases, and the similarity under them against a labelled set."""

import statistics

import pytest

from multiplex.scoring.synthesis import mentions_process, synthesis_score
from multiplex.text.embedding import similarity
from tests.benchmarks.similarity_choice import auc
from tests.panel import DRAFTS
from tests.scoring.labelled_pairs import OTHER_VIEW, PARAPHRASE, UNRELATED

# A synthesis of the panel's drafts in other words, keeping six voices and dropping the Buddhist one.
KEEPS_SIX = (
    "For Kant, duty holds whatever it leads to, while Mill asked what brings the most happiness. "
    "The Quran asks for kindness toward one's parents, and the hadith teach mercy toward everyone. "
    "Confucius saw filial piety as the root of every virtue; Mencius wanted rulers to be humane. "
    "The Gita tells each person to follow their own dharma, and karma ties each deed to its result. "
    "Ubuntu holds that we are persons through other persons, with the ancestors watching the living. "
    "The Haudenosaunee think seven generations ahead and treat the land as kin, not as a resource."
)


def kinds(measure):
    return [[measure(a, b) for a, b in pairs] for pairs in (PARAPHRASE, OTHER_VIEW, UNRELATED)]


def test_the_similarity_separates_paraphrases_other_views_and_unrelated_text() -> None:
    para, other, unrelated = kinds(similarity)
    assert statistics.fmean(para) > statistics.fmean(other) > statistics.fmean(unrelated)
    assert auc(para, other) >= 0.65
    assert auc(other, unrelated) >= 0.9


def test_a_dropped_voice_has_the_lowest_retention() -> None:
    result = synthesis_score(KEEPS_SIX, DRAFTS)
    kept = {pid: value for pid, value in result.retention.items() if pid != "buddhist"}
    assert result.retention_min == result.retention["buddhist"]
    assert min(kept.values()) - result.retention["buddhist"] > 0.1
    every_word = synthesis_score(" ".join(DRAFTS.values()), DRAFTS)
    assert every_word.retention_min == pytest.approx(1.0, abs=1e-3)


def test_distinct_drafts_is_one_for_copies_and_near_n_for_unrelated_texts() -> None:
    copies = synthesis_score("x", dict.fromkeys(["a", "b", "c", "d", "e", "f", "g"], DRAFTS["hindu"]))
    assert copies.distinct_drafts == pytest.approx(1.0, abs=0.01)
    unrelated = {f"u{i}": b for i, (_, b) in enumerate(UNRELATED[:7])}
    assert synthesis_score("x", unrelated).distinct_drafts > 5
    panel = synthesis_score("x", DRAFTS).distinct_drafts
    assert 1.5 < panel <= 7


@pytest.mark.parametrize(
    "text",
    [
        "The first draft argues for duty.",
        "These drafts all agree.",
        "The perspective agents disagree on the source of duty.",
        "As an AI, I cannot hold a view.",
        "Each panel member spoke well.",
        "The user asks whether fasting is wise.",
        "Based on the provided perspectives, the answer is yes.",
    ],
)
def test_process_talk_is_flagged(text: str) -> None:
    assert mentions_process(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kant treats persons as moral agents with duties.",
        "A council of elders weighs the matter for seven generations.",
        "The Buddha taught the Middle Way between indulgence and denial.",
    ],
)
def test_plain_answers_are_not_flagged(text: str) -> None:
    assert not mentions_process(text)
