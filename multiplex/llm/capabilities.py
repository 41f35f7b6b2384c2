"""What a model can do, declared once by its provider (the part of its litellm string before the
first `/`), so that no other layer, and not the page, tells models apart by their names.

- `in_process`: it runs inside this process (no network, no cost);
- `continues_openings`: it continues a final assistant message, so a card's `opening` and the
  closing's opening are sent to it (hosted APIs differ on what they do with one);
- `progress_deadline`: its calls time out when they stop making progress, not on the clock (the
  embedded model decodes every call of a run in one batch: a busy machine makes all of them slow
  alike);
- `plans`: MULTIPLEX_PLANNER=auto gives it the planner;
- `sections`: MULTIPLEX_SYNTHESIS=auto gives it the `sections` synthesis (a small model cannot
  merge seven drafts);
- `demo`: a small demonstration model, whose own sentences are illustrative and often wrong: the
  page and the handout say so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capabilities:
    in_process: bool
    continues_openings: bool
    progress_deadline: bool
    plans: bool
    sections: bool
    demo: bool


REMOTE = Capabilities(
    in_process=False, continues_openings=False, progress_deadline=False, plans=True, sections=False, demo=False
)
PROVIDERS = {
    "local": Capabilities(
        in_process=True, continues_openings=True, progress_deadline=True, plans=False, sections=True, demo=True
    ),
    "fake": Capabilities(
        in_process=True, continues_openings=False, progress_deadline=False, plans=False, sections=True, demo=False
    ),
}


def capabilities(model: str) -> Capabilities:
    """The capabilities of `model` (a litellm model string or a Router model name: remote)."""
    return PROVIDERS.get(model.split("/", 1)[0] if "/" in model else "", REMOTE)


def is_demo(model: str) -> bool:
    return capabilities(model).demo
