"""Our own instructions, repeated back as if they were an answer: "This is a classic example of how
you speak in the third person, accurately and respectfully", "Your task: Answer the user's latest
question in this perspective." A small model does this often; such a sentence never reaches the
user, the analysis or the classroom.

A sentence echoes when ECHO_SHARE of its word triples (and at least ECHO_TRIPLES of them) stand in
the words multiplex itself writes into its prompts: every template with its placeholders left
empty (what the cards, the passages and the user supply is not ours, and a voice may repeat its
card), and the few fixed lines of `messages`. On the 490 draft sentences of
tests/grounding/support_judgements.json, 30 of them marked by reading as echoing the instructions,
it flags 12, all of them marked (precision 1.00, recall 0.40): it catches a repeat, not a
paraphrase ("You say what your tradition's texts suggest"); a voice's section also leaves out
every sentence that speaks to the reader (grounding/support.py). Counting the cards' second-person
persona lines as instructions too flagged 29 sentences that were not echoes, so they are not
(`python tests/benchmarks/support_check.py` prints these figures).
"""

from __future__ import annotations

from string import Template

from multiplex.graph import messages
from multiplex.grounding.quotes import normalise
from multiplex.prompts import TEMPLATES, Prompts

ECHO_SHARE = 0.15
ECHO_TRIPLES = 3


def triples(text: str) -> set[tuple[str, ...]]:
    words = normalise(text).split()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


class Instructions:
    """The word triples of everything multiplex writes into its prompts."""

    def __init__(self, prompts: Prompts) -> None:
        ours = [
            Template(text).safe_substitute(dict.fromkeys(TEMPLATES.get(name, ()), " "))
            for name, text in prompts.texts.items()
        ]
        self.triples = set().union(*(triples(text) for text in [*ours, *messages.OUR_LINES]))

    def echoed(self, sentence: str) -> bool:
        found = triples(sentence)
        shared = len(found & self.triples)
        return shared >= ECHO_TRIPLES and shared / len(found) >= ECHO_SHARE
