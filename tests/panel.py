"""Hand-written replies for tests that assert what the scorer says of an answer: each perspective
speaks from its tradition in words written here, as a well-grounded agent would: what it says of
its tradition its card supports, and what it quotes, it quotes word for word from the shipped
sources (Pickthall's Qur'an 17:23, Legge's Analects 1.2, Müller's Dhammapada 5)."""

from __future__ import annotations

import re

from multiplex.llm.fake import FakeCall, default_reply

DRAFTS = {
    "western": "Kant reasoned from duty, and John Stuart Mill weighed consequences. "
    "The tradition values individual dignity, human rights and the rule of law.",
    "islamic": 'The Quran decrees "that ye worship none save Him, and (that ye show) kindness to parents." '
    "Islam asks for justice (adl) and excellence (ihsan) in the ummah.",
    "confucian": 'The Analects ask: "Filial piety and fraternal submission!—are they not the root of all benevolent '
    'actions?" Mencius and Xunzi reason from roles and relationships.',
    "hindu": "In the Bhagavad Gita, Krishna tells Arjuna to do his own dharma. Karma is action and its consequence.",
    "buddhist": 'The Dhammapada holds that "hatred does not cease by hatred at any time." Buddhism reasons from the '
    "reduction of suffering and compassion for all sentient beings.",
    "african": "Ubuntu says a person is a person through other persons. The ancestors are a living presence in the "
    "community.",
    "indigenous": "The Haudenosaunee decide for the seventh generation to come. Kinship with the land calls for "
    "reciprocity and balance.",
}
CLOSING = "These traditions share a sense of obligation. They differ on whether it comes from duty, faith or kin."
BASELINE = "Most people would weigh individual rights against the common good and decide case by case."


def panel(call: FakeCall) -> str:
    if call.role == "perspective" and call.perspective in DRAFTS:
        return DRAFTS[call.perspective]
    if call.role == "synthesizer":
        return CLOSING
    if call.role in ("planner", "judge"):
        return default_reply(call)
    return BASELINE


def hindu_breaks(call: FakeCall) -> str:
    """A panel whose Hindu agent fails in a way of its own (with MULTIPLEX_FAKE_FAIL for another
    reason elsewhere: failures for different reasons)."""
    if call.perspective == "hindu":
        raise RuntimeError("another breakage")
    return panel(call)


def unmarked(text: str) -> str:
    """An answer without its reference numbers ("... parents." [2]), to compare with the drafts."""
    return re.sub(r" \[\d+\]", "", text)
