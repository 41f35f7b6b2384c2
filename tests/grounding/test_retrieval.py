"""Retrieval, checked against the labelled set it was chosen on (tests/grounding/retrieval_judgements.json:
172 judgements of (question, passage) pairs over the seven traditions, with the rule they follow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from multiplex.grounding.retrieval import index_for
from multiplex.grounding.sources import PASSAGES_PER_AGENT
from multiplex.resources import cache_dir
from multiplex.roster import load_roster
from tests.benchmarks.retrieval_choice import JUDGEMENTS, METHODS, precision_at, sources


def test_the_labelled_set_covers_every_tradition_with_enough_judgements() -> None:
    traditions = {q["tradition"] for q in JUDGEMENTS["questions"]}
    assert len(traditions) == 7 and len(JUDGEMENTS["judgements"]) >= 100
    assert JUDGEMENTS["rule"] and JUDGEMENTS["judged_by"]


def test_dense_is_the_best_method_measured_on_the_labelled_set() -> None:
    shipped = sources()
    scores = {method: [precision_at(shipped, method, k) for k in (1, 3)] for method in METHODS}
    assert all(scores["dense"][i] >= max(s[i] for s in scores.values()) for i in range(2)), scores
    assert scores["dense"][0] > scores["bm25"][0]  # the margin the choice rests on, not a tie


def test_every_judged_pair_is_reachable() -> None:
    """Each judged passage is one of its tradition's loaded passages (none is left out by the review)."""
    shipped = sources()
    loaded = {p.id for p in shipped.corpus.passages}
    missing = [j["passage_id"] for j in JUDGEMENTS["judgements"] if j["passage_id"] not in loaded]
    assert missing == []


def test_agents_are_given_the_dense_ranking() -> None:
    """What an agent is given (`Sources.for_question`) is the dense ranking the labelled set chose,
    question by question, not BM25's or the hybrid's."""
    shipped = sources()
    roster = load_roster()
    index = index_for(shipped.corpus, cache_dir())
    differs = 0
    for q in JUDGEMENTS["questions"]:
        card = roster.get(q["tradition"])
        given = [p.id for p in shipped.for_question(card, q["question"], k=PASSAGES_PER_AGENT)]
        works = shipped.works[card.id]
        ranked = {m: [h.passage.id for h in index.search(q["question"], works, PASSAGES_PER_AGENT, m)] for m in METHODS}
        assert given == ranked["dense"], q["question"]
        differs += ranked["bm25"] != ranked["dense"]
    assert differs >= len(JUDGEMENTS["questions"]) // 2  # the test can tell the methods apart


def test_the_relevance_gate_keeps_more_relevant_passages_than_chance_and_says_how_many() -> None:
    """The gate's measured precision (grounding/relevance.py, docs/evaluation.md) stays true: above
    the judged passages' base rate, and as low as documented until a better model replaces it."""
    from multiplex.grounding.relevance import RELEVANT_AT
    from tests.benchmarks.retrieval_choice import gate_precision, gate_scores

    scored = gate_scores(sources())
    base_rate = sum(relevant for _, relevant in scored) / len(scored)
    cleared, precision = gate_precision(scored, RELEVANT_AT)
    assert (len(scored), cleared) == (156, 11)
    assert base_rate < precision == pytest.approx(4 / 11)


def test_the_shown_passages_judged_by_reading() -> None:
    data = json.loads((Path(__file__).parent / "shown_passage_judgements.json").read_text())
    judged = data["judgements"]
    shown = sources().corpus.passages
    ids = {p.id for p in shown}
    assert all(j["passage_id"] in ids for j in judged)
    assert (len(judged), sum(j["relevant"] for j in judged)) == (26, 7)  # precision 0.27, docs/evaluation.md


def test_the_passages_a_cross_encoder_would_show_judged_by_reading() -> None:
    """The judgements behind scripts/passage_gate_models.py (a gate tried and not adopted):
    passages of the corpus, benchmark questions the bench asks, the counts docs/evaluation.md gives."""
    from multiplex.bench.viewpoint_sets import CLAIM_QUESTION

    data = json.loads((Path(__file__).parent / "reranker_passage_judgements.json").read_text())
    judged = data["judgements"]
    ids = {p.id for p in sources().corpus.passages}
    head = CLAIM_QUESTION.partition("{claim}")[0]
    assert all(j["passage_id"] in ids and j["question"].startswith(head) for j in judged)
    assert len({(j["question_id"], j["passage_id"]) for j in judged}) == len(judged)
    assert (len(judged), sum(j["relevant"] for j in judged)) == (29, 12)
