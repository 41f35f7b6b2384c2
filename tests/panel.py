"""Hand-written replies for tests that assert what the scorer says of an answer: each perspective
speaks from its tradition in words written here, never taken from the cards' lexicon."""

from __future__ import annotations

from multiplex.llm.fake import FakeCall

DRAFTS = {
    "western": "Kant held that duty binds us whatever the outcome. John Stuart Mill weighed the happiness of all.",
    "islamic": "The Quran commands kindness to parents. The hadith remind the believer that mercy is owed to all.",
    "confucian": "Confucius taught that filial piety is the root of virtue. Mencius added that a ruler must be humane.",
    "hindu": "The Bhagavad Gita asks each to follow their dharma. Karma binds every act to its fruit.",
    "buddhist": "The Buddha taught that craving breeds suffering. Compassion for all beings eases it.",
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
