"""Coverage of human viewpoints: the matcher's threshold is the one people's labels choose, its
agreement with them on held-out labels stays where it was measured, and coverage is computed as
documented."""

from __future__ import annotations

import pytest

from multiplex.scoring.viewpoints import MATCH_THRESHOLD, Viewpoint, coverage, match
from tests.benchmarks.viewpoint_matcher import argkp, best_threshold, figures, perspectrum_clusters
from tests.conftest import ARGKP, PERSPECTRUM, needs_viewpoints


@needs_viewpoints
def test_the_threshold_is_calibrated_on_argkp_train_and_checked_on_dev() -> None:
    scores, labels = argkp("train", str(ARGKP))
    assert best_threshold(scores, labels) == pytest.approx(MATCH_THRESHOLD)
    dev = figures(*argkp("dev", str(ARGKP)), MATCH_THRESHOLD)
    # as measured (python tests/benchmarks/viewpoint_matcher.py): P 0.32, R 0.40, F1 0.36, AUC 0.658
    assert dev.auc == pytest.approx(0.658, abs=0.005) and dev.f1 == pytest.approx(0.36, abs=0.01)
    assert dev.precision > labels.mean()  # better than saying "match" at the base rate


@needs_viewpoints
def test_paraphrases_of_one_viewpoint_score_above_other_viewpoints() -> None:
    scores, same = perspectrum_clusters(str(PERSPECTRUM))
    assert figures(scores, same, MATCH_THRESHOLD).auc > 0.8


VIEWPOINTS = [
    Viewpoint(text="Compulsory vaccination protects the whole community from disease", stance="support"),
    Viewpoint(text="The state must not force medical treatment on a person's body", stance="undermine"),
    Viewpoint(text="Football is the most popular sport in Brazil", stance="support"),
]


def test_an_answer_covers_the_viewpoints_it_expresses_and_no_other() -> None:
    answer = (
        "Many argue that vaccines protect the whole community from disease when everyone takes them. "
        "Others hold that the state should never force a medical treatment on anyone's body."
    )
    score = match(answer, VIEWPOINTS)
    assert score.covered == [True, True, False] and score.coverage == pytest.approx(2 / 3)
    assert score.by_stance == {"support": 0.5, "undermine": 1.0} and score.balance == 0.5
    assert match("", VIEWPOINTS).covered == [False, False, False]


def test_a_sections_heading_is_read_apart_from_the_sentence_it_opens() -> None:
    """A mas answer's headings ("**Main considerations.**", "**Western.**") are units of their own:
    read as part of the first sentence, they once diluted it below the threshold."""
    sentence = "- The state should not force treatment on anyone."  # cosine 0.65 alone, 0.40 with the heading
    headed = f"**Main considerations.** Main considerations:\n{sentence}\n\n**Western.** *Nothing here.*"
    assert match(headed, VIEWPOINTS).covered == match(sentence, VIEWPOINTS).covered == [False, True, False]


def test_coverage_by_stance_and_balance() -> None:
    one_side = coverage([True, False, False], VIEWPOINTS, "judge")
    assert one_side.by_stance == {"support": 0.5, "undermine": 0.0} and one_side.balance == 0.0
    unstated = coverage([True], [Viewpoint(text="A view")], "wordllama")
    assert unstated.by_stance == {"unstated": 1.0} and unstated.balance is None
    with pytest.raises(ValueError, match="empty"):
        Viewpoint(text="   ")
