"""The pure logic that the API and engine tests reach only end to end: retry spacing, credential
redaction, the embedded model's stop strings, the sentence guard, and SSE framing."""

from __future__ import annotations

import asyncio
import json
import random
import time

import httpx
import pytest

from multiplex.api.chat.frames import Chunks
from multiplex.api.errors import sse_error_frame
from multiplex.errors import QuorumNotMet
from multiplex.graph.guards import Guard
from multiplex.graph.record import PerspectiveRecord
from multiplex.llm.failures import BACKOFF_CAP_S, backoff_s, redact, retry_after_of
from multiplex.llm.local import _stops
from multiplex.text.sentences import ends, sentence_pieces


def test_backoff_doubles_with_jitter_within_a_cap_and_honours_retry_after() -> None:
    rng = random.Random(1)
    for attempt, base in ((1, 0.25), (2, 0.5), (3, 1.0), (4, 2.0)):
        waits = [backoff_s(attempt, None, rng) for _ in range(200)]
        assert base / 2 <= min(waits) and max(waits) <= base  # full base at most, half at least
        assert max(waits) - min(waits) > base / 4  # jittered, not a fixed step
    assert all(backoff_s(30, None, rng) <= BACKOFF_CAP_S for _ in range(50))
    assert backoff_s(1, 7.0, rng) == 7.0  # the provider's Retry-After when it is longer
    assert backoff_s(3, 0.1, rng) >= 0.5  # our own spacing when it is longer


def test_retry_after_reads_seconds_and_http_dates() -> None:
    def failure(value: str) -> Exception:
        exc = Exception("429")
        exc.response = httpx.Response(429, headers={"retry-after": value})  # type: ignore[attr-defined]
        return exc

    assert retry_after_of(failure("12")) == 12.0
    assert (
        25 <= (retry_after_of(failure("Wed, 21 Oct 2099 07:28:00 GMT")) or 0) and retry_after_of(failure("x")) is None
    )
    assert retry_after_of(Exception("no response")) is None


@pytest.mark.parametrize(
    "secret",
    [
        "sk-abcdef1234567890",
        "Bearer sk-proj-XYZ123456789",
        "key=AKIA1234567890",
        "api_key: 'abc/def+123456'",
        "sk-te**********-key",
    ],
)
def test_redaction_hides_credentials_and_keeps_the_rest(secret) -> None:
    text = redact(f"Incorrect API key provided: {secret}. See the docs.")
    assert secret.split()[-1].split("=")[-1].strip("'") not in text and "[redacted]" in text
    assert text.startswith("Incorrect API key provided: ") and text.endswith(". See the docs.")
    assert redact("the token limit was reached; the key point is the tokenizer") == (
        "the token limit was reached; the key point is the tokenizer"
    )


def test_stop_strings_for_the_embedded_model() -> None:
    assert _stops({"stop": "\n\n"}) == ("\n\n",)
    assert _stops({"stop": ["END", "", "STOP"]}) == ("END", "STOP")  # an empty stop string stops nothing
    assert _stops({}) == ()


def test_sentence_pieces_keep_every_character() -> None:
    text = 'One. "Two?" Three! (Four.) Five'
    pieces = sentence_pieces(text)
    assert "".join(pieces) == text
    assert pieces == ["One. ", '"Two?" ', "Three! ", "(Four.) ", "Five"]


def test_a_full_stop_after_an_abbreviation_or_before_a_locators_number_ends_no_sentence() -> None:
    cited = "Groundwork (First Section, para. 1 (part 2 of 4)) says talents may become bad."
    assert sentence_pieces(f"{cited} Then more.") == [f"{cited} ", "Then more."]
    dhammapada = "Dhammapada 5 (ch. 1, The Twin-Verses), tr. F. Max Müller (1881), says hatred ceases by love."
    assert sentence_pieces(dhammapada) == [dhammapada]
    assert sentence_pieces("Read ch. III of vol. 2, e.g. now. Then stop.") == [
        "Read ch. III of vol. 2, e.g. now. ",
        "Then stop.",
    ]
    assert sentence_pieces("The answer is no. Then we go on.") == ["The answer is no. ", "Then we go on."]
    # markdown's emphasis closes around an end mark as quotation marks do
    assert sentence_pieces("**Western.** *Nothing.* Kant.") == ["**Western.** ", "*Nothing.* ", "Kant."]
    # what is read before a full stop is a few characters, not the whole text before it (that made
    # 20,000 characters take a second to cut; they take milliseconds)
    long = "See ch. 2 and para. 4 of it. Kindness is owed to all, e.g. to strangers. " * 270
    started = time.perf_counter()
    assert len(sentence_pieces(long)) == 540 and time.perf_counter() - started < 0.2
    # at the end of what has arrived, a locator's full stop cannot be told yet: a stream waits
    assert ends("It is in para. ") == [] and ends("It is in para. The next") == [len("It is in para. ")]


async def test_the_process_talk_guard_streams_whole_sentences_and_drops_process_talk() -> None:
    out: list[str] = []

    async def emit(sentence: str) -> None:
        out.append(sentence)

    guard = Guard(emit, process_talk=True)
    for token in ["Duty binds ", "us. The dra", "fts agree. Kin", "ship ma", "tters"]:
        await guard.feed(token)
    assert out == ["Duty binds us."]  # nothing unfinished leaves before its end, nor the space after it
    assert await guard.close() == "Duty binds us. Kinship matters"
    assert out == ["Duty binds us.", " Kinship matters"] and guard.removed == 1
    cut = Guard(process_talk=True)
    await cut.feed("A whole sentence. A sentence cut off by the tok")
    assert await cut.close(drop_unfinished=True) == "A whole sentence."


def test_sse_frames_carry_only_what_they_carry() -> None:
    chunks = Chunks("multiplex-mas")
    role = json.loads(chunks.role()[6:])
    assert role["object"] == "chat.completion.chunk" and role["choices"][0]["delta"] == {
        "role": "assistant",
        "content": "",
    }
    assert "usage" not in role and "multiplex" not in role and role["choices"][0]["finish_reason"] is None
    content = json.loads(chunks.content("Ubuntu ")[6:])
    assert content["choices"][0]["delta"] == {"content": "Ubuntu "} and content["id"] == role["id"]
    record = PerspectiveRecord(id="hindu", name="Hindu", status="ok", content="Dharma.", model="fake/x")
    done = json.loads(chunks.done(record, events=True).removeprefix("data: "))
    assert done["multiplex"]["event"] == "perspective_done" and done["multiplex"]["perspective"]["content"] == "Dharma."
    assert done["choices"][0]["delta"] == {"reasoning_content": "**Hindu**\nDharma.\n\n"}
    for frame in (chunks.role(), chunks.content("x"), chunks.delta("hindu", "D")):
        assert frame.startswith("data: {") and frame.endswith("}\n\n") and "\n" not in frame[:-2]
    error = json.loads(sse_error_frame(QuorumNotMet("only 2 of 7"))[6:])
    assert error == {
        "error": {"message": "only 2 of 7", "type": "server_error", "param": None, "code": "quorum_not_met"}
    }
    assert json.loads(sse_error_frame(RuntimeError("secret"))[6:])["error"]["code"] == "internal_error"


def test_a_guard_fed_concurrently_keeps_order() -> None:
    async def run() -> list[str]:
        out: list[str] = []

        async def emit(sentence: str) -> None:
            await asyncio.sleep(0)
            out.append(sentence)

        guard = Guard(emit, process_talk=True)
        for token in "First one. Second one. Third".split(" "):
            await guard.feed(token + " ")
        await guard.close()
        return out

    assert "".join(asyncio.run(run())).strip() == "First one. Second one. Third"


def test_an_operators_mistake_is_a_server_error_that_a_retry_cannot_mend() -> None:
    from multiplex.api.errors import multiplex_error_response
    from multiplex.errors import ClientError, ConfigError

    response = multiplex_error_response(ConfigError("prompts/closing.md: unknown placeholder ${x}"))
    assert response.status_code == 500 and response.headers["x-should-retry"] == "false"
    assert json.loads(response.body)["error"]["code"] == "invalid_config"
    assert not issubclass(ConfigError, ClientError)


def test_voices_with_nothing_traced_share_one_line_after_those_that_speak() -> None:
    from multiplex.graph.sections import (
        NOTHING_TRACED,
        NOTHING_TRACED_BRIEFLY,
        NOTHING_TRACED_OF_SEVERAL,
        NOTHING_TRACED_OF_SEVERAL_BRIEFLY,
        voice_blocks,
    )
    from multiplex.roster import load_roster

    cards = {card.id: card for card in load_roster()}
    said = [(cards["western"], ""), (cards["islamic"], "Kindness to parents."), (cards["hindu"], "")]
    assert voice_blocks(said) == [
        "**Islamic.** Kindness to parents.",
        f"**Western and Hindu.** {NOTHING_TRACED_OF_SEVERAL}",
    ]
    three = [*said, (cards["african"], "")]
    assert voice_blocks(three, brief=True)[-1] == f"**Western, Hindu and African.** {NOTHING_TRACED_OF_SEVERAL_BRIEFLY}"
    assert voice_blocks(said[:2]) == ["**Islamic.** Kindness to parents.", f"**Western.** {NOTHING_TRACED}"]
    assert voice_blocks(said[:1], brief=True) == [f"**Western.** {NOTHING_TRACED_BRIEFLY}"]
    assert voice_blocks(said[1:2]) == ["**Islamic.** Kindness to parents."]


def test_the_names_an_answers_headings_give() -> None:
    from multiplex.graph.sections import voice_blocks
    from multiplex.roster import load_roster
    from multiplex.text.headings import headed

    names = ["Western", "Islamic", "Hindu", "Buddhist", "African", "Jain and Sikh"]
    text = (
        "**Main considerations.** ...\n\n**Hindu.** The Gita ...\n\n**Western.** Kant ...\n\n"
        "**Islamic, Jain and Sikh and African.** *Nothing they wrote here ...*"
    )
    assert headed(text, names) == ["Western", "Islamic", "Hindu", "African", "Jain and Sikh"]
    assert headed("The Hindu and Buddhist traditions. **Buddhist and Hindu.** *...*", names) == ["Hindu", "Buddhist"]
    assert headed("Hindu and Western voices, no heading.", names) == []
    roster = list(load_roster())  # what voice_blocks writes, headed reads back: every voice
    said = [(card, "Something." if i % 3 == 0 else "") for i, card in enumerate(roster)]
    assert headed("\n\n".join(voice_blocks(said)), [c.name for c in roster]) == [c.name for c in roster]
