"""Hand-written replies for tests that assert what the scorer says of an answer: each perspective
speaks from its tradition in words written here, never taken from the cards' lexicon. What they
quote, they quote word for word from the shipped sources (Pickthall's Qur'an 17:23, Legge's
Analects 1.2, Müller's Dhammapada 5), as a well-grounded agent would."""

from __future__ import annotations

import re

from multiplex.llm.fake import FakeCall

DRAFTS = {
    "western": "Kant held that duty binds us whatever the outcome. John Stuart Mill weighed the happiness of all.",
    "islamic": 'The Quran decrees "that ye worship none save Him, and (that ye show) kindness to parents." '
    "Mercy, in Islam, is owed to all.",
    "confucian": 'The Analects ask: "Filial piety and fraternal submission!—are they not the root of all benevolent '
    'actions?" Mencius added that a ruler must be humane.',
    "hindu": "In the Bhagavad Gita each person follows their own dharma. Karma binds every act to its fruit.",
    "buddhist": 'The Dhammapada holds that "hatred does not cease by hatred at any time." Compassion for all beings '
    "eases suffering.",
    "african": "Ubuntu says a person is a person through other persons. The ancestors watch over the living.",
    "indigenous": "The Haudenosaunee weigh each choice for seven generations. The land is a relative, not a resource.",
}
CLOSING = "These traditions share a sense of obligation. They differ on whether it comes from duty, faith or kin."
BASELINE = "Most people would weigh individual rights against the common good and decide case by case."


def panel(call: FakeCall) -> str:
    if call.role == "perspective" and call.perspective in DRAFTS:
        return DRAFTS[call.perspective]
    if call.role == "synthesizer":
        return CLOSING
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
