import math

import pytest

from multiplex.errors import InvalidRequest
from multiplex.roster import load_roster
from multiplex.scoring import aggregate, score_text
from multiplex.scoring.lexicon import LexiconExtractor, sentences

ROSTER = load_roster()


def score(text: str):
    return score_text(text, ROSTER)


def test_one_perspective_only_gives_entropy_zero() -> None:
    result = score("The Quran speaks of mercy. The hadith and the ummah agree.")
    assert result.counts["islamic"] == 3
    assert result.distribution["islamic"] == 1.0
    assert result.pds_entropy == 0.0


def test_each_of_seven_once_gives_entropy_one() -> None:
    text = "Kant. The Quran. Confucius. The Upanishads. The Buddha. Ubuntu. The Haudenosaunee."
    result = score(text)
    assert set(result.counts.values()) == {1}
    assert result.pds_entropy == pytest.approx(1.0)


def test_two_perspectives_once_each_give_log2_over_log7() -> None:
    result = score("Kant wrote on duty. Ubuntu speaks of community.")
    assert result.pds_entropy == pytest.approx(math.log(2) / math.log(7))
    assert round(result.pds_entropy, 3) == 0.356
    assert sum(result.distribution.values()) == pytest.approx(1.0)


def test_sentiment_labels_and_shares() -> None:
    result = score("The Buddha taught wonderful, joyful love. Kant was a terrible, hateful failure.")
    per = result.sentiment.per_perspective
    assert per["buddhist"].label == "positive" and per["buddhist"].compound >= 0.05
    assert per["western"].label == "negative" and per["western"].compound <= -0.05
    assert result.sentiment.positive == 0.5 and result.sentiment.negative == 0.5
    assert result.sentiment.neutral == 0.0


def test_matching_is_whole_word_case_insensitive_with_plurals_and_possessives() -> None:
    refs = LexiconExtractor(ROSTER).extract(
        "MUSLIMS pray. Confucius's students. The elders' council. Islamabad is a city. Karmic? No: karma."
    )
    terms = [(r.perspective, r.term) for r in refs]
    assert ("islamic", "Muslim") in terms
    assert ("confucian", "Confucius") in terms
    assert ("indigenous", "elders") in terms
    assert ("hindu", "karma") in terms
    assert not any(r.term == "Islam" for r in refs)  # no match inside Islamabad
    assert len(refs) == 4


def test_longest_term_wins_and_multiword_terms_span_whitespace() -> None:
    refs = LexiconExtractor(ROSTER).extract("The Noble   Eightfold\nPath guides. The Eightfold Path too.")
    assert [r.term for r in refs] == ["Noble Eightfold Path", "Eightfold Path"]


def test_reference_keeps_its_sentence() -> None:
    refs = LexiconExtractor(ROSTER).extract("First sentence here. Then Ubuntu appears! Last one?")
    assert refs[0].sentence == "Then Ubuntu appears!"
    assert sentences("A. B!  C?") == [(0, 2), (3, 5), (7, 9)]


def test_unicode_apostrophes_and_accents() -> None:
    refs = LexiconExtractor(ROSTER).extract("The Qur’an and the Māori way; ﻿Ubuntu.")
    assert [r.perspective for r in refs] == ["islamic", "indigenous", "african"]


def test_empty_and_reference_free_text() -> None:
    for text in ("", "   ", "The weather is nice today."):
        result = score(text)
        assert result.no_references
        assert result.distribution == {}
        assert result.pds_entropy == 0.0
        assert result.sentiment.positive == 0.0


def test_one_megabyte_text_is_scored() -> None:
    block = "Ubuntu teaches that we are people through other people. " * 200
    text = (block + "Plain words without any tradition named at all. " * 120) * 60
    assert len(text) > 1_000_000
    result = score(text)
    assert result.counts["african"] == 200 * 60


def test_oversized_text_is_a_clear_error() -> None:
    with pytest.raises(InvalidRequest, match="at most"):
        score("x" * 2_000_001)


def test_corpus_aggregation_mean_stderr_and_pooled() -> None:
    one = score("Kant.")  # entropy 0
    two = score("Kant. Ubuntu.")  # log2/log7
    corpus = aggregate([one, two], len(ROSTER))
    h2 = math.log(2) / math.log(7)
    assert corpus.mean_pds_entropy == pytest.approx(h2 / 2)
    assert corpus.stderr_pds_entropy == pytest.approx(h2 / math.sqrt(2) / math.sqrt(2))
    pooled = -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(7)
    assert corpus.pooled_pds_entropy == pytest.approx(pooled)
    assert corpus.counts["western"] == 2


def test_short_terms_take_no_inflection() -> None:
    refs = LexiconExtractor(ROSTER).extract("Authority lies elsewhere; rent is due. Li and ren matter.")
    assert [r.term for r in refs] == ["li", "ren"]
