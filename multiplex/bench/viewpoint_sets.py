"""Question sets that come with human-written viewpoints: `perspectrum` and `argkp`.

- perspectrum (Chen et al., NAACL 2019; CogComp/perspectrum, CC BY-SA 4.0): 907 claims, each with
  clusters of equivalent perspectives written by people (idebate, debatewise, procon) and checked
  by crowd workers, each supporting or undermining the claim; split train/dev/test. A cluster is a
  viewpoint: its first text, with the others as its paraphrases.
- argkp (Bar-Haim et al., ACL 2020; IBM/KPA_2021_shared_task, CDLA-Sharing-1.0): 28 debate topics
  (train 24, dev 4) with key points written by expert debaters for each stance, and 27,519 crowd
  labels of which argument matches which key point. A key point is a viewpoint.

Both are read from the upstream files at a pinned commit (fetched once, checked by sha256, cached),
or from a folder of the same files (`MULTIPLEX_PERSPECTRUM_URL`, `MULTIPLEX_ARGKP_URL`). A claim
becomes a question by one template, the same for every mode (CLAIM_QUESTION). Each question holds
its viewpoints (`metadata["viewpoints"]`: text, stance, paraphrases) and its split.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from dataclasses import dataclass

from multiplex.bench.fetch import fetched
from multiplex.bench.questions import Question, Questions
from multiplex.settings import ARGKP_SOURCE, PERSPECTRUM_SOURCE

PERSPECTRUM = "perspectrum"
ARGKP = "argkp"
PERSPECTRUM_FILES = {
    "perspectrum_with_answers_v1.0.json": "39d0391d26ebe21efb1cc3162abcc3c4212d2eadfb07514129c3015d6f6ae1f1",
    "perspective_pool_v1.0.json": "d4d4e78c4777ea971d26546a8819aa9e02c5a68ffff45e10b40ca0cb91b43ae4",
    "dataset_split_v1.0.json": "5ba5296f6e5956c44a2fd014b15a3f7c10b9a253451162932acaf217f20cd7da",
}
ARGKP_FILES = {
    "kpm_data/arguments_train.csv": "aa7eaa6b399bdc1b2b679e23185591c5bd59264234b1cba87a3c1df534db6235",
    "kpm_data/arguments_dev.csv": "e06b763c41606c3290ddfa414109b3d3d47331ddd322ff5e4dfa0079ec9afb1c",
    "kpm_data/key_points_train.csv": "dc9625378749b8e0f85ba9d5babec7823fa4d8c6a9da5906b42f3401c7feaf60",
    "kpm_data/key_points_dev.csv": "328beb1551afa445518ff97c6e6706249e470571dcdc81b72713e5c05a6ff73c",
    "kpm_data/labels_train.csv": "e6d866cdd426f63e143e4e9aea1d33d5c3eb9f06777fc29508cf54e1810319ab",
    "kpm_data/labels_dev.csv": "d321711a07ca449bd1fe438fcfc55bfa478d2fdf7e8b74bd7a7394f17aff7fc4",
}
CLAIM_QUESTION = "Consider this claim: {claim}. What should we think about it, and why?"


def _claim(text: str) -> str:
    return text.strip().rstrip(".")


def _json(source: str, name: str) -> object:
    return json.loads(fetched(source, name, PERSPECTRUM_FILES[name], "MULTIPLEX_PERSPECTRUM_URL"))


def _csv(source: str, name: str) -> list[dict[str, str]]:
    text = fetched(source, name, ARGKP_FILES[name], "MULTIPLEX_ARGKP_URL").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _clusters(count: int) -> str:
    """Perspectrum's claims, grouped by how many viewpoints people wrote: the domain a stratified
    sample (`--per-domain`) draws evenly from."""
    for top, label in ((2, "1-2 viewpoints"), (4, "3-4 viewpoints"), (7, "5-7 viewpoints")):
        if count <= top:
            return label
    return "8+ viewpoints"


def load_perspectrum(source: str = PERSPECTRUM_SOURCE) -> Questions:
    claims = _json(source, "perspectrum_with_answers_v1.0.json")
    pool = {row["pId"]: row["text"] for row in _json(source, "perspective_pool_v1.0.json")}  # type: ignore[attr-defined]
    splits = _json(source, "dataset_split_v1.0.json")
    questions = []
    for claim in claims:  # type: ignore[attr-defined]
        viewpoints: list[dict[str, object]] = []
        for cluster in claim["perspectives"]:
            texts = [pool[pid].strip() for pid in cluster["pids"] if pid in pool and pool[pid].strip()]
            if texts:
                stance = "support" if cluster["stance_label_3"] == "SUPPORT" else "undermine"
                viewpoints.append({"text": texts[0], "stance": stance, "paraphrases": texts[1:]})
        if viewpoints:
            questions.append(
                Question(
                    f"perspectrum-{claim['cId']}",
                    CLAIM_QUESTION.format(claim=_claim(claim["text"])),
                    _clusters(len(viewpoints)),
                    {"claim": claim["text"], "split": splits[str(claim["cId"])], "viewpoints": viewpoints},  # type: ignore[index]
                )
            )
    return Questions(questions)


def load_argkp(source: str = ARGKP_SOURCE) -> Questions:
    questions = []
    for split in ("train", "dev"):
        by_topic: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _csv(source, f"kpm_data/key_points_{split}.csv"):
            by_topic[row["topic"]].append(row)
        for topic, rows in by_topic.items():
            number = rows[0]["key_point_id"].split("_")[1]
            viewpoints: list[dict[str, object]] = [
                {"text": r["key_point"].strip(), "stance": "pro" if r["stance"] == "1" else "con", "paraphrases": []}
                for r in rows
            ]
            questions.append(
                Question(
                    f"argkp-{number}",
                    CLAIM_QUESTION.format(claim=_claim(topic)),
                    None,
                    {"claim": topic, "split": split, "viewpoints": viewpoints},
                )
            )
    return Questions(sorted(questions, key=lambda q: int(q.id.split("-")[1])))


@dataclass(frozen=True)
class LabelledPair:
    """A person's judgement of whether a sentence says what a viewpoint says."""

    sentence: str
    viewpoint: str
    match: bool


def argkp_pairs(split: str, source: str = ARGKP_SOURCE) -> list[LabelledPair]:
    """ArgKP's labelled (argument, key point) pairs of a split: crowd arguments against expert key
    points, 1 where the majority of annotators said the argument makes the key point."""
    arguments = {r["arg_id"]: r["argument"] for r in _csv(source, f"kpm_data/arguments_{split}.csv")}
    points = {r["key_point_id"]: r["key_point"] for r in _csv(source, f"kpm_data/key_points_{split}.csv")}
    return [
        LabelledPair(arguments[r["arg_id"]], points[r["key_point_id"]], r["label"] == "1")
        for r in _csv(source, f"kpm_data/labels_{split}.csv")
    ]
