"""A markdown table of multiplex's figures from inspect_ai's own logs: one row per eval log in a
folder (model, system prompt, samples, then each figure's mean with its standard error).

    python scripts/harness_table.py LOG_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

from inspect_ai.log import list_eval_logs, read_eval_log

FIGURES = ("pds_entropy", "references", "positive", "negative", "quotations", "quotations_not_found", "coverage")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log_dir", type=Path)
    args = parser.parse_args()
    logs = [read_eval_log(info, header_only=True) for info in list_eval_logs(str(args.log_dir))]
    shown = [
        f for f in FIGURES if any(s.name == f for log in logs for s in (log.results.scores if log.results else []))
    ]
    print("| task | model | system prompt | samples | " + " | ".join(shown) + " |")
    print("|---" * (4 + len(shown)) + "|")
    for log in sorted(logs, key=lambda log: (log.eval.task, log.eval.model, str(log.eval.task_args))):
        if log.results is None:
            continue
        scores = {s.name: s.metrics for s in log.results.scores}
        cells = [
            f"{scores[f]['mean'].value:.3g} ± {scores[f]['stderr'].value:.2g}" if f in scores else "-" for f in shown
        ]
        prompt = log.eval.task_args.get("system_prompt", "baseline")
        row = [log.eval.task, log.eval.model, prompt, str(log.results.completed_samples), *cells]
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
