"""The support check and the echo filter: against the reading they were calibrated on, and on the
kinds of sentence they exist for (a tradition credited with another's teaching, an invented work,
instructions repeated as an answer)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from multiplex.graph.echo import Instructions
from multiplex.graph.guards import Guard
from multiplex.grounding import support
from multiplex.grounding.sources import Sources
from multiplex.prompts import Prompts
from multiplex.resources import cache_dir
from multiplex.roster import load_roster
from tests.benchmarks.support_check import evidence_of, precision_recall

JUDGEMENTS = Path(__file__).resolve().parent / "support_judgements.json"
ROSTER = load_roster()


def evidence(card_id: str, question: str = "What do we owe our parents?") -> support.Evidence:
    sources = Sources(ROSTER, ROSTER.folder, cache_dir())
    card = ROSTER.get(card_id)
    return support.Evidence.of(card, sources.for_question(card, question))


@pytest.fixture(scope="module")
def judged() -> tuple[list[dict], list[support.Evidence]]:
    items = json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["items"]
    return items, evidence_of(items)


def test_the_support_check_agrees_with_the_reading(judged) -> None:
    """Measured when shipped: precision 0.86, recall 0.73 of 'supported' on the 490 judgements."""
    items, evidence = judged
    verdicts = [support.check(i["sentence"], ev).supported for i, ev in zip(items, evidence, strict=True)]
    precision, recall, _ = precision_recall(list(zip(verdicts, (i["supported"] for i in items), strict=True)))
    assert precision >= 0.85 and recall >= 0.70, (precision, recall)


def test_the_echo_filter_flags_only_what_repeats_the_instructions(judged) -> None:
    items, _ = judged
    echo = Instructions(Prompts())
    precision, recall, _ = precision_recall([(echo.echoed(i["sentence"]), i["echo"]) for i in items])
    assert precision == 1.0 and recall >= 0.4, (precision, recall)
    assert echo.echoed("Your task: Answer the user's latest question from this perspective.")
    assert echo.echoed(
        "This is how you speak of the tradition in the third person, accurately and respectfully, and acknowledge "
        "inner diversity where it matters."
    )
    assert not echo.echoed("Filial piety asks children to care for their parents in old age.")


@pytest.mark.parametrize(
    ("card_id", "sentence", "reason"),
    [
        ("confucian", "Confucian teaching rests on the Four Noble Truths and the Eightfold Path.", "names Four"),
        ("african", "This is the message of Sankofa (Santé) by John Mbiti.", "names Santé"),
        ("african", 'As "The African Path" by Mbiti teaches, elders keep the peace.', "names"),
        ("buddhist", "Buddhism answers this with the Three Marks of Sanity.", "names"),
        ("islamic", "You should follow the Quran in every choice you make.", "speaks to the reader"),
        ("african", "The Yoruba-Speaking Peoples of the Slave Coast of West Africa, ch.", "unfinished"),
        ("buddhist", "The Four Noble Truths are: 1.", "unfinished"),
        (
            "islamic",
            "Routine child vaccinations are mandatory for all Muslims by the law of every mosque.",
            "not found",
        ),
    ],
)
def test_claims_its_texts_do_not_hold_are_unsupported(card_id: str, sentence: str, reason: str) -> None:
    verdict = support.check(sentence, evidence(card_id))
    assert not verdict.supported and verdict.reason.startswith(reason), verdict


@pytest.mark.parametrize(
    ("card_id", "sentence"),
    [
        ("african", "Ubuntu says a person is a person through other persons."),
        ("confucian", "The Confucian tradition answers this with teachings such as ren and li."),  # its opening aside
        ("islamic", 'The Quran decrees "that ye worship none save Him, and (that ye show) kindness to parents."'),
        ("hindu", "It teaches dharma (duty fitting one's stage and role) and karma (action and its consequence)."),
    ],
)
def test_claims_its_card_or_texts_hold_are_supported(card_id: str, sentence: str) -> None:
    assert support.check(sentence, evidence(card_id)).supported


async def test_in_text_that_is_no_voices_a_sentence_naming_a_tradition_is_checked_against_it() -> None:
    """The considerations, a closing or a synthesis: a claim about a tradition its evidence does not
    support is left out and listed; a plain argument, which names none, passes."""
    claims = support.Claims(ROSTER, {card.id: evidence(card.id) for card in ROSTER})
    assert claims.named("Confucians and Buddhists alike honour the old.") == ["confucian", "buddhist"]
    assert claims.named("Respect for elders and ancestors matters to many.") == []  # common words name no one
    guard = Guard(claims=claims)
    await guard.feed(
        "Caring for parents costs time and money. Confucius taught the Four Noble Truths to his sons. "
        "Ubuntu says a person is a person through other persons."
    )
    kept = await guard.close()
    assert kept == "Caring for parents costs time and money. Ubuntu says a person is a person through other persons."
    [claim] = guard.grounding.unsupported_claims
    assert claim.perspectives == ["confucian", "buddhist"] and claim.sentence.startswith("Confucius taught")


@pytest.mark.parametrize(
    ("card_id", "sentence", "says_nothing"),
    [
        ("buddhist", "Buddhism answers this with teachings such as the Four Noble Truths and the Middle Way.", True),
        (
            "buddhist",
            "Buddhism answers this with teachings such as the Four Noble Truths, the Middle Way, compassion for "
            "all beings, and the Sangha as community.",
            True,
        ),
        ("african", "African philosophy answers this with ideas such as ubuntu and the palaver.", True),
        # seen in the embedded runs: the card's words with filler, 10 of 177 section sentences
        (
            "african",
            "African philosophy answers this with ideas such as the importance of community, solidarity "
            "and hospitality.",
            True,
        ),
        ("buddhist", "Buddhism answers this with teachings such as the Four Noble Truths, and its own texts.", True),
        ("buddhist", "Buddhism answers this with teachings such as patience with a slow student.", False),
        ("buddhist", "Compassion for all beings asks a teacher to be patient.", False),  # no opening: an argument
    ],
)
def test_a_sentence_that_only_recites_its_card_says_nothing_of_the_question(card_id, sentence, says_nothing) -> None:
    from multiplex.graph.sections import only_names

    card = next(card for card in ROSTER if card.id == card_id)
    assert only_names(sentence, card) is says_nothing


@pytest.mark.parametrize(
    ("sentence", "restated"),
    [
        ("The question is: What makes a good teacher?", True),
        ("You ask what makes a teacher good.", True),
        ("A good teacher makes the student think.", False),
    ],
)
def test_a_sentence_that_only_restates_the_question_says_nothing(sentence, restated) -> None:
    from multiplex.graph.sections import restates

    assert restates(sentence, "What makes a good teacher?") is restated


def test_a_sentence_that_repeats_its_cards_example_question_says_nothing() -> None:
    """Seen in the evaluation: 'The question is: What makes a good teacher?' (the cards' example)
    in a section on flag burning."""
    from multiplex.graph.sections import says_nothing

    islamic = next(card for card in ROSTER if card.id == "islamic")
    question = "Consider this claim: We should prohibit flag burning. What should we think about it, and why?"
    assert says_nothing("The question is: What makes a good teacher?", islamic, question)
    assert not says_nothing("Burning a flag insults those who hold it dear.", islamic, question)


TERM_LIMITS = (
    "Consider this claim: We must enforce term limits on the legislative branch. What should we think about it?"
)


@pytest.mark.parametrize(
    ("card_id", "sentence", "question", "says_nothing"),
    [
        # seen in the embedded runs: 30 of 177 section sentences copied the cards' example on teachers
        (
            "hindu",
            "The Upanishads are dialogues between teacher and student, and the Bhagavad Gita is Krishna "
            "teaching Arjuna his dharma.",
            TERM_LIMITS,
            True,
        ),
        ("hindu", "The Bhagavad Gita is Krishna teaching Arjuna his dharma.", TERM_LIMITS, True),
        (
            "islamic",
            "The Prophet Muhammad is remembered as a patient teacher who taught by example.",
            TERM_LIMITS,
            True,
        ),
        ("hindu", "The Bhagavad Gita is Krishna teaching Arjuna his dharma.", "What makes a good teacher?", False),
        # a copy on the question's own subject stays; so does a sentence that copies nothing
        ("african", "Ubuntu says a person is a person through other persons.", "What do we owe our parents?", False),
        ("hindu", "The Bhagavad Gita asks a ruler to serve the people before himself.", TERM_LIMITS, False),
    ],
)
def test_a_sentence_that_copies_its_cards_example_on_its_subject_says_nothing(
    card_id, sentence, question, says_nothing
) -> None:
    """The card's example shows a voice on another question ("What makes a good teacher?"); a run
    of it in an answer on term limits says nothing of term limits."""
    from multiplex.graph.sections import says_nothing as nothing

    card = next(card for card in ROSTER if card.id == card_id)
    assert nothing(sentence, card, question) is says_nothing
