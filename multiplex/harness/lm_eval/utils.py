"""lm-eval's hooks for worldview_bench.yaml: the questions (`load`) and each answer's scores
(`process_results`), both multiplex's own (multiplex/harness/measure.py)."""

from __future__ import annotations

from typing import Any

import datasets

from multiplex.harness.measure import measure_now, questions
from multiplex.harness.offline import use_bundled_encodings

use_bundled_encodings()

# the figures worldview_bench.yaml lists (lm-eval wants each named there)
METRICS = (
    "pds_entropy",
    "references",
    *(f"references_{p}" for p in ("western", "islamic", "confucian", "hindu", "buddhist", "african", "indigenous")),
    "positive",
    "negative",
    "quotations",
    "quotations_not_found",
)


def load(per_domain: int | None = None, **_: Any) -> dict[str, datasets.Dataset]:
    rows = [
        {"id": q.id, "domain": q.domain or "", "prompt": q.prompt}
        for q in questions("worldview-bench", domains=per_domain)
    ]
    return {"test": datasets.Dataset.from_list(rows)}


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    values = measure_now(results[0], doc["prompt"], question_id=doc["id"]).values
    return {name: values.get(name, 0.0) for name in METRICS}
