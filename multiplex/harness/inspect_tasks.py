"""WorldView-Bench, Perspectrum and ArgKP as inspect_ai tasks, scored by multiplex's scorer.

    inspect eval multiplex/worldview_bench --model openai/gpt-4o-mini
    inspect eval multiplex/argkp --model mockllm/model --limit 3 -T system_prompt=contextual

Each answer gets the scorer's figures (`measure.measure`) as one dict-valued score, with inspect's
mean and standard error for every key; the scorer JSON rides in the score's metadata, per sample.
`system_prompt`: `baseline` (the plain question, the papers' baseline column) or `contextual`
(multiplex's system prompt, their contextual column); a multiplex mas run is one more model
(`openai-api/multiplex/multiplex-mas`, see docs/harnesses.md)."""

from __future__ import annotations

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import Solver, TaskState, generate, system_message

from multiplex.harness.measure import measure, questions, system_prompt
from multiplex.harness.offline import use_bundled_encodings

use_bundled_encodings()


def dataset(name: str, split: str | None = None, domains: int | None = None) -> MemoryDataset:
    samples = [
        Sample(
            id=q.id,
            input=q.prompt,
            metadata={"domain": q.domain, "viewpoints": q.metadata.get("viewpoints")},
        )
        for q in questions(name, split=split, domains=domains)
    ]
    return MemoryDataset(samples, name=name)


def solver(mode: str) -> list[Solver]:
    prompt = system_prompt(mode)
    # inspect reads braces in a system message as template fields: the prompt is plain text
    return [system_message(prompt.replace("{", "{{").replace("}", "}}")), generate()] if prompt else [generate()]


@scorer(metrics={"*": [mean(), stderr()]})
def plurality() -> Scorer:
    """multiplex's scorer over the model's answer: PDS entropy, references per perspective, sentiment
    shares, quotations checked against the sources, and viewpoint coverage where the sample has
    viewpoints."""

    async def score(state: TaskState, target: Target) -> Score:  # noqa: ARG001 (inspect passes a target; there is none)
        text = state.output.completion
        measured = await measure(text, state.input_text, state.metadata.get("viewpoints"), str(state.sample_id))
        return Score(value=measured.values, answer=text, metadata={"multiplex": measured.scores})

    return score


def plural_task(name: str, system_prompt: str, split: str | None = None, domains: int | None = None) -> Task:
    return Task(dataset=dataset(name, split, domains), solver=solver(system_prompt), scorer=plurality(), name=name)


@task
def worldview_bench(system_prompt: str = "baseline", per_domain: int | None = None) -> Task:
    """WorldView-Bench's 175 questions in 7 domains (Mushtaq et al., arXiv 2505.09595)."""
    return plural_task("worldview-bench", system_prompt, domains=per_domain)


@task
def perspectrum(system_prompt: str = "baseline", split: str | None = "test", per_domain: int | None = None) -> Task:
    """Perspectrum's claims with the viewpoints people wrote on them (CogComp, CC BY-SA 4.0)."""
    return plural_task("perspectrum", system_prompt, split=split, domains=per_domain)


@task
def argkp(system_prompt: str = "baseline", split: str | None = None) -> Task:
    """ArgKP's 28 debate topics with their experts' key points (IBM, CDLA-Sharing-1.0)."""
    return plural_task("argkp", system_prompt, split=split)
