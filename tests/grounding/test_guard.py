"""The quotation guard on its own, over the shipped sources: invented quotations never pass, real
ones are numbered, a quotation is never cut in two while streaming, attributed speech is noted."""

from __future__ import annotations

import pytest

from multiplex.graph.guards import Guard, References
from multiplex.grounding.quotes import attributes_speech, normalise, quotations
from multiplex.text.sentences import units
from tests.benchmarks.retrieval_choice import sources

REAL = "Thy Lord hath decreed, that ye worship none save Him, and (that ye show) kindness to parents."  # Qur'an 17:23
ANALECTS = "Filial piety and fraternal submission!—are they not the root of all benevolent actions?"  # 1.2


async def guarded(text: str, *, stream: bool, numbered: bool = True) -> tuple[str, list[str], Guard]:
    out: list[str] = []

    async def emit(unit: str) -> None:
        out.append(unit)

    guard = Guard(emit, sources=sources(), references=References() if numbered else None)
    if stream:
        for i in range(0, len(text), 3):  # three characters at a time, as tokens arrive
            await guard.feed(text[i : i + 3])
    else:
        await guard.feed(text)
    return await guard.close(), out, guard


@pytest.mark.parametrize("stream", [False, True])
async def test_an_invented_quotation_never_passes_and_a_real_one_is_numbered(stream) -> None:
    text = (
        'The Prophet Muhammad said that "The meat you eat is not from Allah\'s creation." '
        f'The Quran says: "{REAL}" '
        "Elsewhere it is written: “A curly invention of five words or more.” "
        "Mercy is owed to all."
    )
    kept, out, guard = await guarded(text, stream=stream)
    assert "meat you eat" not in kept and "curly invention" not in kept
    assert f'"{REAL}" [1]' in kept and kept.endswith("Mercy is owed to all.")
    assert "".join(out).strip() == kept  # what streamed is what was kept
    g = guard.grounding
    assert (g.quotations, g.verified, g.removed) == (3, 1, 2) and g.quoted == ["islamic.quran_pickthall.02244"]


async def test_case_punctuation_and_an_ellipsis_do_not_stop_a_real_quotation() -> None:
    kept, _, guard = await guarded(
        'The Analects ask: "filial piety and fraternal submission ... the root of all benevolent actions". '
        '"THY LORD HATH DECREED, that ye worship none save Him!" Thus the verse.',
        stream=False,
    )
    assert guard.grounding.removed == 0 and guard.grounding.verified == 2
    assert "[1]" in kept and "[2]" in kept


async def test_a_quotation_across_sentences_is_judged_whole_while_streaming() -> None:
    half_real = '"Thy Lord hath decreed, that ye worship none save Him. Also eat only blue apples on Sundays." Then.'
    kept, out, _ = await guarded(half_real, stream=True)
    assert kept == "Then." and out == ["Then."]  # the real first sentence does not pass alone
    assert units(half_real)[0].endswith('Sundays." ')


@pytest.mark.parametrize("stream", [False, True])
async def test_a_quotation_mark_that_never_closes_joins_no_sentences(stream) -> None:
    """A stray mark is no quotation: each sentence after it is judged alone, so one left out (here
    talk of the process) takes no other with it; a quotation in curly marks around a stray straight
    one still holds together and is checked whole."""
    text = 'Duty binds "all of us. The drafts agree on this. Mercy is owed to all.'
    guard = Guard(sources=sources(), process_talk=True)
    if stream:
        for i in range(0, len(text), 3):
            await guard.feed(text[i : i + 3])
    else:
        await guard.feed(text)
    assert await guard.close() == 'Duty binds "all of us. Mercy is owed to all.' and guard.removed == 1
    assert units(text) == ['Duty binds "all of us. ', "The drafts agree on this. ", "Mercy is owed to all."]
    nested = '“The Master said, "You are filial. These qualities are displayed in government.” Then.'
    assert units(nested) == [nested[:-5], "Then."]
    cut = Guard(sources=sources())
    await cut.feed('The Gita says "Do your duty. Without attachment to')
    assert await cut.close(drop_unfinished=True) == ""  # cut off mid-quotation, after a sentence: not shown


async def test_short_quotes_and_block_quotes() -> None:
    kept, _, guard = await guarded('They call it "ren" and "li". They practise it.', stream=False)
    assert guard.grounding.quotations == 0 and kept == 'They call it "ren" and "li". They practise it.'
    kept, _, guard = await guarded(f"> {ANALECTS}\n> Invented words that no source has ever held.\n", stream=False)
    assert guard.grounding.verified == 1 and guard.grounding.removed == 1 and "Invented" not in kept


async def test_attributed_speech_without_a_verified_quotation_is_noted() -> None:
    _, _, guard = await guarded(
        f'Confucius taught that a teacher must be patient. The Analects ask: "{ANALECTS}" '
        "The Confucian tradition teaches that ritual matters.",
        stream=False,
    )
    assert guard.grounding.unsupported_attributions == ["Confucius taught that a teacher must be patient."]


def test_what_counts_as_attributed_speech() -> None:
    said = [
        "The Prophet Muhammad said that mercy is owed.",
        "As the elders say, a child belongs to all.",
        "According to the Quran, mercy is owed.",
        "The Buddha taught his disciples that craving breeds suffering.",
        "An old Yoruba proverb says that patience is the father of character.",
    ]
    described = [
        "The Confucian tradition teaches that ritual matters.",
        "Ubuntu holds that a person is a person through others.",
        "Buddhism asks us to be mindful.",
        "Kant held that duty binds us whatever the outcome.",
    ]
    assert all(attributes_speech(s) for s in said) and not any(attributes_speech(s) for s in described)


def test_quotations_and_how_they_are_compared() -> None:
    found = quotations('He said "one two three four five" and “six seven eight nine ten” and "too short".')
    assert [q.text for q in found] == ["one two three four five", "six seven eight nine ten"]
    assert normalise("Qur’an: “Be just!”—always.") == normalise("quran be JUST always")


async def test_a_reply_may_quote_its_question_back() -> None:
    asked = "Consider this claim: Vaccination must be made compulsory. What should we think about it?"
    guard = Guard(sources=sources(), asked=asked)
    await guard.feed('The claim that "vaccination must be made compulsory" divides people. Some agree.')
    assert await guard.close() == 'The claim that "vaccination must be made compulsory" divides people. Some agree.'
    assert guard.grounding.quotations == 0 and guard.grounding.removed == 0


def test_every_line_a_section_may_quote_is_verified() -> None:
    """Whatever quotation marks, dashes or apostrophes a passage holds, quoting a line of it as a
    section does never turns it into something its source does not hold."""
    from multiplex.graph.sections import quoted
    from multiplex.grounding.relevance import excerpts

    shipped = sources()
    unverified = []
    for passage in shipped.corpus.passages:
        for excerpt in excerpts(passage):
            found = [q for unit in units(quoted(excerpt)) for q in quotations(unit, minimum=1)]
            if not found or any(shipped.find(q.text) is None for q in found):
                unverified.append((passage.id, excerpt))
    assert unverified == []


@pytest.mark.parametrize(
    "text",
    [
        "Mercy is owed to all.\n",
        "  Mercy is owed to all.\n\nKindness too.  \n",
        "\n\nMercy is owed to all. Kindness too.\n\n",
        "Groundwork (First Section, para. 1 (part 2 of 4)) says talents may become bad. Kindness too.",
    ],
)
async def test_what_streams_is_exactly_what_is_kept(text) -> None:
    """A client that joins the deltas holds the record's content: whitespace around the kept text
    is sent only between words (a draft ending in a newline once streamed one the record lacked)."""
    kept, out, _ = await guarded(text, stream=True)
    assert "".join(out) == kept == text.strip()
    assert len(out) == len(units(text.strip()))  # sentences streamed as the whole text is read
