"""The classroom in headless Chromium against a real server on loopback: the fake provider
(scripted) for plumbing, the loopback upstream where a real provider's behaviour is the point.
Every activity end to end, lessons as links and files, the handout and transcript printed to PDF
and read back, hostile model output, and the demo-model note."""

from __future__ import annotations

import json
import re
from datetime import date

import httpx
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from multiplex.llm import fake
from multiplex.scoring.lexicon import extractor_for
from tests.conftest import engine, wait_until
from tests.e2e.browser import new_page, open_page, start, write_lesson
from tests.panel import BASELINE, DRAFTS, panel

pytestmark = pytest.mark.browser
NAMES = {
    "western": "Western",
    "islamic": "Islamic",
    "confucian": "Confucian",
    "hindu": "Hindu",
    "buddhist": "Buddhist",
    "african": "African",
    "indigenous": "Indigenous",
}


def upstream_panel(upstream, serve, **settings):
    """A real provider over HTTP for the activities: the loopback upstream (through litellm's openai/
    provider) answers each voice with its hand-written draft and every other call plainly."""
    from tests.upstream import Reply

    for pid, draft in DRAFTS.items():
        upstream.script(Reply(text=draft), when_system=f"voice of the {NAMES[pid]} tradition")
    upstream.script(Reply(text=BASELINE))
    return serve(model="openai/loopback-model", retries=0, planner="off", synthesis="sections", **settings)


def pdf_text(page: Page, tmp_path, name: str) -> str:
    path = tmp_path / name
    page.pdf(path=str(path))
    return "\n".join(p.extract_text() for p in PdfReader(str(path)).pages)


def downloaded(page: Page, button: str) -> str:
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    return open(info.value.path(), encoding="utf-8").read()


# ---- the activities


def test_whose_voice_hides_names_then_reveals_the_key_with_its_evidence(page: Page, serve, upstream) -> None:
    server = upstream_panel(upstream, serve)
    open_page(page, server)
    write_lesson(page, "What do we owe our parents?", activity="whose")
    start(page)
    guesses = page.locator(".guess")
    expect(guesses).to_have_count(7)
    scorer = engine().scorer
    masked = {pid: scorer.mask(draft) for pid, draft in DRAFTS.items()}
    shown = page.get_by_test_id("masked").all_inner_texts()
    voices = [next(pid for pid, m in masked.items() if m == text) for text in shown]  # each draft, masked
    assert voices != list(DRAFTS)  # shuffled
    assert page.locator(".guess [data-testid=sources]").count() == 0  # no citation before the reveal
    lexicon = extractor_for(scorer.roster)
    for text in guesses.all_inner_texts():  # nothing shown names a tradition, its terms or its works
        assert not re.search(r"\b(Western|Islamic|Confucian|Hindu|Buddhist|African|Indigenous)\b", text.split("\n")[0])
    for text in shown:
        assert lexicon.extract(text) == [] and "Quran" not in text and "Dhammapada" not in text, text
    for voice, guess in zip(voices, guesses.all(), strict=True):  # match every voice right
        guess.get_by_role("combobox").select_option(NAMES[voice])
    page.get_by_role("button", name="Reveal the key").click()
    expect(page.get_by_test_id("reveal-summary")).to_have_text("7 of 7 matched.")
    expect(page.get_by_test_id("reveal-summary")).to_be_focused()
    islamic = guesses.filter(has_text="This is the Islamic voice")
    expect(islamic).to_contain_text("Your match is right.")
    expect(islamic).to_contain_text("Qur'an 17:23")  # the passage it quoted
    expect(islamic).to_contain_text("Terms the scorer found for this tradition:")
    expect(islamic).to_contain_text(DRAFTS["islamic"].split('"')[0])  # its words as it wrote them, after the reveal
    expect(page.locator("#status")).to_have_text("Revealed: 7 of 7 matched.")


def test_what_is_missing_shows_the_plain_answer_first_then_the_voices_and_viewpoints(
    page: Page, serve, upstream
) -> None:
    server = upstream_panel(upstream, serve)
    open_page(page, server)
    views = "+ Children should care for their parents in old age.\n- Duty to parents must not override conscience."
    write_lesson(page, "What do we owe our parents?", activity="missing", viewpoints={1: views})
    start(page)
    expect(page.get_by_role("region", name="The plain answer")).to_contain_text("Most people would weigh")
    notes = page.get_by_label("Whose perspectives does this answer leave out?")
    notes.fill("Nothing from Africa or from the First Nations.")
    page.get_by_role("button", name="Reveal the multi-voice answer").click()
    expect(page.get_by_role("heading", name="The multi-voice answer", exact=True)).to_be_focused()
    activity = page.locator("#activity")
    expect(activity.locator(".answer").last).to_contain_text("Haudenosaunee")
    answer = activity.get_by_test_id("answer-text").last  # Markdown rendered, as text: no asterisks shown
    expect(answer.locator("strong", has_text="Indigenous.")).to_have_count(1)
    assert "**" not in answer.inner_text() and answer.locator("script, a, img").count() == 0
    table = activity.locator("table.voices-table")
    expect(table.locator("tr", has_text="Indigenous").locator("td")).to_have_text(["no", "yes"])  # left out, then heard
    expect(activity.get_by_test_id("coverage")).to_have_count(2)
    expect(activity.get_by_test_id("coverage").first).to_contain_text("viewpoints people hold")
    expect(page.locator("#status")).to_have_text("Revealed.")


def test_compare_the_modes_side_by_side(page: Page, server) -> None:
    open_page(page, server)
    write_lesson(
        page, "Should wealthy nations aid poorer ones?", activity="compare", modes=("baseline", "contextual", "mas")
    )
    start(page)
    expect(page.locator("table.comparison tr[data-mode]")).to_have_count(3)
    expect(page.locator("section.column")).to_have_count(3)
    expect(page.locator("table.comparison tr[data-mode=mas]")).to_contain_text("+")
    expect(page.locator("section.column[data-mode=mas] .card.ok")).to_have_count(7)


def test_two_perspectives_take_part(page: Page, server) -> None:
    open_page(page, server)
    write_lesson(page, "Is fasting wise?", activity="compare", modes=("mas",), perspectives=("hindu", "islamic"))
    start(page)
    column = page.locator("section.column[data-mode=mas]")
    expect(column.locator(".card")).to_have_count(2)
    expect(column.locator(".answer")).to_contain_text("Hindu")


def test_progress_per_voice_while_the_drafts_stream(page: Page, serve) -> None:
    server = serve(fake_latency_ms=1500)
    open_page(page, server)
    write_lesson(page, "What is justice?", activity="compare", modes=("mas",))
    start(page)
    progress = page.locator(".progress li")
    expect(progress).to_have_count(7)
    expect(progress.first).to_contain_text("writing")
    expect(page.locator(".waiting")).to_contain_text(re.compile(r"\d of 7 voices done, \d+ s"))
    expect(page.locator("#status")).to_contain_text("of 7 voices done")  # the polite live region
    assert page.evaluate("document.getAnimations().length") == 0  # nothing moves: reduced motion by default
    expect(page.locator("#status")).to_have_text("Done.", timeout=30_000)


def test_a_failed_voice_is_shown_and_the_answer_says_it_is_missing(page: Page, serve, upstream) -> None:
    """A real provider over HTTP (the loopback upstream through litellm's openai/ provider): its 401
    to the Islamic agent is that voice's error; the other six are synthesised, and the answer says
    who is missing."""
    from tests.upstream import Reply

    upstream.script(Reply(status=401), when_system="voice of the Islamic tradition")
    server = serve(model="openai/loopback-model", retries=0, planner="off", synthesis="llm")
    open_page(page, server)
    write_lesson(page, "What is justice?", activity="compare", modes=("mas",))
    start(page)
    column = page.locator("section.column[data-mode=mas]")
    expect(column.locator(".card.failed")).to_have_count(1)
    expect(column.locator(".card.failed")).to_contain_text("HTTP 401")
    expect(column.locator(".card.ok")).to_have_count(6)
    expect(column.get_by_test_id("degraded")).to_contain_text("Islamic is missing")
    expect(column.locator(".answer")).to_contain_text("Upstream answer to:")
    expect(page.locator("#status")).to_have_text("Done.")


def test_a_late_voice_is_shown_late_while_the_others_stay(page: Page, serve, upstream) -> None:
    from tests.upstream import Reply

    upstream.script(Reply(text=DRAFTS["hindu"], latency_s=20), when_system="voice of the Hindu tradition")
    server = upstream_panel(upstream, serve, straggler_grace_s=0.5)
    open_page(page, server)
    write_lesson(page, "What do we owe our parents?", activity="compare", modes=("mas",))
    start(page)
    column = page.locator("section.column[data-mode=mas]")
    expect(column.locator(".card.ok")).to_have_count(6)
    expect(column.locator('.card.failed[data-id="hindu"] .meta')).to_contain_text("late:")
    expect(column.get_by_test_id("degraded")).to_contain_text("Hindu is missing")
    expect(page.locator("#status")).to_have_text("Done.")


def test_cancel_keeps_what_arrived(page: Page, serve) -> None:
    server = serve(fake_latency_ms=5000)
    open_page(page, server)
    write_lesson(page, "What is justice?", activity="whose")
    start(page)
    expect(page.locator(".progress li")).to_have_count(7)
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#status")).to_contain_text("Cancelled.")
    expect(page.get_by_test_id("asked")).to_have_text("Question: What is justice?")
    wait_until(lambda: fake.STATS.cancelled >= 7)
    assert fake.STATS.completed == 0


def test_an_api_error_is_a_readable_message(page: Page, serve) -> None:
    server = serve(fake_fail="western,islamic,confucian,hindu,buddhist,african,indigenous")
    open_page(page, server)
    write_lesson(page, "What is justice?", activity="whose")
    start(page)
    expect(page.locator("#status")).to_contain_text("only 0 of 7 perspective agents answered")
    expect(page.locator("#status")).to_have_class("error")


def test_api_key_is_sent_when_the_server_needs_one(page: Page, serve) -> None:
    server = serve(api_keys="class-key")
    page.goto(server.base_url + "/playground/")
    expect(page.locator("#status")).to_contain_text("401")
    page.get_by_text("API key (only if").click()
    page.get_by_label("API key (kept in this browser)").fill("class-key")
    page.get_by_label("API key (kept in this browser)").dispatch_event("change")
    expect(page.locator("input[name=perspective]")).to_have_count(7)


def test_a_late_connection_never_covers_a_newer_message(page: Page, serve) -> None:
    """A teacher types the key and clicks Start at once: leaving the field connects (slowly), the
    click says why the lesson cannot run yet, and the connection's late reply keeps that message."""
    server = serve(api_keys="class-key")
    page.goto(server.base_url + "/playground/")
    expect(page.locator("#status")).to_contain_text("401")
    held, asked = [], []
    page.on("request", lambda request: asked.append(request.url) if "/v1/models" in request.url else None)
    page.route("**/v1/models", lambda route: held.append(route))  # the connection's reply waits until the click is done
    page.get_by_text("API key (only if").click()
    page.get_by_label("API key (kept in this browser)").fill("class-key")
    page.get_by_role("button", name="Start the activity").click()  # the key's field loses focus first
    expect(page.locator("#status")).to_contain_text("The lesson cannot be used yet")
    for _ in range(100):  # Playwright hands the held request over while it runs a call of its own
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.unroute("**/v1/models")
    expect(page.locator("input[name=perspective]")).to_have_count(7)
    expect(page.locator("#status")).to_contain_text("The lesson cannot be used yet")
    connections = len(asked)
    page.get_by_label("API key (kept in this browser)").dispatch_event("change")  # the same key: nothing to redo
    page.wait_for_timeout(300)
    assert len(asked) == connections, asked
    expect(page.locator("#status")).to_contain_text("The lesson cannot be used yet")


def test_the_embedded_demo_model_is_named_as_such(page: Page, serve) -> None:
    server = serve(model="local/smollm2")  # loaded, never called: the page only lists the models
    open_page(page, server)
    note = page.get_by_test_id("model-note")
    expect(note).to_be_visible()
    expect(note).to_contain_text("local/smollm2")
    expect(note).to_contain_text("often inaccurate")
    expect(page.get_by_test_id("privacy")).to_contain_text("Nothing about a student is sent to or kept by the server")
    note.get_by_role("link", name="how to connect a real model").click()
    expect(page.get_by_role("heading", name="Connect a real model")).to_be_visible()
    expect(page.locator("pre")).to_contain_text("MULTIPLEX_MODEL=openai/gpt-4o-mini")


def test_a_fake_model_shows_no_demo_note(page: Page, server) -> None:
    open_page(page, server)
    expect(page.get_by_test_id("model-note")).to_be_hidden()


def test_the_handout_and_the_exports_say_when_the_demo_model_answered(page: Page, server, tmp_path) -> None:
    """The page learns which models are demonstrations from /v1/models (`multiplex.demo`), never from
    their names; the paper then carries the note the screen does."""

    def as_demo(route) -> None:
        listed = route.fetch().json()
        for model in listed["data"]:
            model["multiplex"]["demo"] = True
        route.fulfill(json=listed)

    page.route("**/v1/models", as_demo)
    open_page(page, server)
    expect(page.get_by_test_id("model-note")).to_be_visible()
    write_lesson(page, "What do we owe our parents?", activity="compare", modes=("mas",))
    start(page)
    expect(page.locator("#status")).to_have_text("Done.", timeout=30_000)
    page.get_by_role("button", name="Show the handout").click()
    expect(page.locator("#print-view").get_by_test_id("demo-note")).to_contain_text("demonstration model")
    assert "demonstration model" in " ".join(pdf_text(page, tmp_path, "handout.pdf").split())
    page.get_by_role("button", name="Show the transcript").click()
    expect(page.locator("#print-view").get_by_test_id("demo-note")).to_be_visible()
    assert "demonstration model" in downloaded(page, "Export transcript (Markdown)")


# ---- lessons: kept in the browser, carried as a link and as a file


def lesson_fields(page: Page) -> dict:
    return {
        "title": page.get_by_label("Title").input_value(),
        "questions": [page.locator(f"#q-{i}").input_value() for i in (1, 2)],
        "viewpoints": page.locator("#v-1").input_value(),
        "activity": page.locator("input[name=activity]:checked").get_attribute("value"),
        "perspectives": [b.get_attribute("value") for b in page.locator("input[name=perspective]:checked").all()],
        "notes": page.get_by_label("Notes").input_value(),
    }


def test_a_lesson_travels_as_a_link_as_a_file_and_stays_in_the_browser(browser, server, tmp_path) -> None:
    teacher = new_page(browser)
    open_page(teacher, server)
    write_lesson(
        teacher,
        "What do we owe our parents?",
        "Is it ever right to break a promise?",
        title="Duty — ُعائلة & family",
        activity="missing",
        viewpoints={1: "+ Care for them in old age.\n- Not at the cost of conscience."},
        perspectives=("islamic", "confucian", "african"),
        notes="Ten minutes each.",
    )
    wanted = lesson_fields(teacher)
    assert wanted["perspectives"] == ["islamic", "confucian", "african"]
    teacher.get_by_role("button", name="Copy lesson link").click()
    link = teacher.get_by_label("Lesson link").input_value()
    assert "#lesson=" in link and teacher.url == link
    lesson_file = downloaded(teacher, "Download lesson file")
    assert json.loads(lesson_file)["lesson"]["questions"][0]["viewpoints"][0] == {
        "text": "Care for them in old age.",
        "stance": "support",
    }
    teacher.get_by_role("button", name="Save in this browser").click()
    teacher.reload()
    expect(teacher.get_by_label("Saved lessons")).to_have_value("Duty — ُعائلة & family")
    teacher.get_by_role("button", name="Open", exact=True).click()
    assert lesson_fields(teacher) == wanted

    student = new_page(browser)  # another browser: the link alone carries the lesson
    student.goto(link)
    expect(student.locator("#status")).to_contain_text("loaded from its link")
    assert lesson_fields(student) == wanted

    fresh = new_page(browser)
    open_page(fresh, server)
    path = tmp_path / "lesson.json"
    path.write_text(lesson_file, encoding="utf-8")
    fresh.locator("#load-lesson").set_input_files(str(path))
    expect(fresh.locator("#status")).to_contain_text("Lesson loaded from lesson.json")
    assert lesson_fields(fresh) == wanted
    path.write_text('{"lesson": {"questions": []}}', encoding="utf-8")
    fresh.locator("#load-lesson").set_input_files(str(path))
    expect(fresh.locator("#status")).to_have_text("Could not load lesson.json: a lesson needs one to five questions.")
    for p in (teacher, student, fresh):
        assert not p.js_errors, p.js_errors  # type: ignore[attr-defined]
        p.context.close()


def test_a_damaged_link_says_so_and_an_older_settings_link_still_opens(page: Page, server) -> None:
    page.goto(server.base_url + "/playground/#lesson=bm90IGpzb24")
    expect(page.locator("#status")).to_have_text(
        "The lesson link could not be read: this lesson link is damaged (it does not decode)."
    )
    page.goto(server.base_url + "/playground/#q=Why+rituals%3F&modes=baseline,mas&p=african,buddhist")
    page.reload()
    expect(page.locator("#q-1")).to_have_value("Why rituals?")
    expect(page.locator("input[name=activity][value=compare]")).to_be_checked()
    expect(page.locator("input[name=perspective]:checked")).to_have_count(2)


def test_the_lesson_and_stream_modules_on_their_own(page: Page, server) -> None:
    open_page(page, server)
    result = page.evaluate(
        """async () => {
          const sse = await import('/playground/js/sse.js');
          const lesson = await import('/playground/js/lesson.js');
          const frames = sse.parseFrames('data: {"a":1}\\n\\n: ping\\n\\ndata: [DONE]\\n\\ndata: {"b"');
          const crlf = sse.parseFrames('data: {"c":2}\\r\\n\\r\\n');
          const multi = sse.parseFrames('data: one\\ndata: two\\n\\n');
          const l = lesson.normalise({
            questions: ["Q1", {text: " Q2 ", viewpoints: ["a", {text: "b", stance: "support"}]}],
            title: "T", activity: "missing", modes: ["mas", "baseline"], extra: 1});
          const back = lesson.decode(lesson.encode(l));
          const errors = [];
          for (const bad of [null, [], {questions: []}, {questions: ["a","b","c","d","e","f"]}, {questions: [""]},
                             {questions: ["q"], activity: "quiz"}, {questions: ["q"], modes: ["fast"]},
                             {questions: ["q"], perspectives: ["<b>"]}, {questions: [{text: 3}]}]) {
            try { lesson.normalise(bad); errors.push(null); } catch (e) { errors.push(e.message); }
          }
          let damaged = null;
          try { lesson.decode("%%%"); } catch (e) { damaged = e.message; }
          return {frames, crlf, multi, l, same: JSON.stringify(back) === JSON.stringify(l), errors, damaged,
                  views: lesson.parseViewpoints("+ yes\\n- no\\n\\n plain "),
                  none: lesson.fromHash("#other=1")};
        }"""
    )
    assert result["frames"] == {"data": ['{"a":1}', "[DONE]"], "rest": 'data: {"b"'}
    assert result["crlf"]["data"] == ['{"c":2}'] and result["multi"]["data"] == ["one\ntwo"]
    assert result["l"]["questions"][1] == {
        "text": "Q2",
        "viewpoints": [{"text": "a"}, {"text": "b", "stance": "support"}],
    }
    assert result["l"]["modes"] == ["baseline", "mas"] and "extra" not in result["l"] and result["same"]
    assert None not in result["errors"], result["errors"]
    assert result["errors"][3] == "a lesson holds at most 5 questions" and result["errors"][4] == "question 1 is empty"
    assert result["damaged"] == "this lesson link is damaged (it does not decode)"
    assert result["views"] == [
        {"text": "yes", "stance": "support"},
        {"text": "no", "stance": "undermine"},
        {"text": "plain"},
    ]
    assert result["none"] is None


# ---- the handout and the transcript, on paper and in Markdown


def test_the_handout_prints_each_question_its_voices_sources_and_prompts(page: Page, serve, scripted, tmp_path) -> None:
    server = serve(model=scripted("panel", panel))
    open_page(page, server)
    write_lesson(
        page,
        "What do we owe our parents?",
        "Is it ever right to break a promise?",
        title="Duty",
        notes="Ten minutes each.",
    )
    start(page)
    expect(page.locator(".guess")).to_have_count(7)
    page.get_by_role("button", name="Show the handout").click()
    handout = page.locator("#print-view")
    expect(handout.get_by_role("heading", name="Duty")).to_be_focused()
    expect(handout.locator(".card")).to_have_count(7)
    expect(handout).to_contain_text("Not asked yet")  # question 2
    text = pdf_text(page, tmp_path, "handout.pdf")
    flat = " ".join(text.split())
    for wanted in (
        "Duty",
        "Question 1: What do we owe our parents?",
        "Question 2: Is it ever right to break a promise?",
        "Islamic",
        "Qur'an 17:23",
        "Ubuntu says a person is a person",
        "Where do two traditions agree?",
        "Which voice is closest to your own, and why?",
        "Ten minutes each.",
        "fake/panel",
        "describes a tradition; it is not a person speaking",
    ):
        assert wanted in flat, wanted
    assert "Save in this browser" not in flat and "Start the activity" not in flat  # only the handout is printed


def test_the_transcript_in_markdown_and_pdf_names_the_model_and_date(page: Page, serve, scripted, tmp_path) -> None:
    server = serve(model=scripted("panel", panel))
    open_page(page, server)
    write_lesson(page, "What do we owe our parents?", activity="missing", title="Duty")
    start(page)
    page.get_by_label("Whose perspectives does this answer leave out?").fill("The First Nations.")
    page.get_by_role("button", name="Reveal the multi-voice answer").click()
    expect(page.locator("#status")).to_have_text("Revealed.")
    markdown = downloaded(page, "Export transcript (Markdown)")
    year = str(date.today().year)
    assert markdown.startswith("# Transcript: Duty") and year in markdown.split("\n")[2]
    assert "fake/panel" in markdown and "Asked: What do we owe our parents?" in markdown
    assert "Our list of what is missing: The First Nations." in markdown
    assert "Mode baseline" in markdown and "Mode mas" in markdown and "#### Indigenous" in markdown
    record = json.loads(downloaded(page, "Export transcript (JSON)"))
    assert sorted(e["kind"] for e in record["entries"]) == ["note", "run", "run"]  # in the order they happened
    page.get_by_role("button", name="Show the transcript").click()
    flat = " ".join(pdf_text(page, tmp_path, "transcript.pdf").split())
    assert "Transcript: Duty" in flat and "fake/panel" in flat and year in flat and "The First Nations." in flat
    assert "Haudenosaunee" in flat and "Most people would weigh" in flat


# ---- hostile output is text everywhere


HOSTILE = (
    '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"><b>bold</b> '
    '[click me](javascript:window.pwned=3) <a href="javascript:window.pwned=4">link</a> '
    "![img](http://127.0.0.1:9/x.png) javascript:alert(1)"
)


def hostile(call) -> str:
    return f"{call.role} says {HOSTILE}"


def assert_inert(page: Page) -> None:
    assert page.evaluate("window.pwned") is None
    assert (
        page.locator(
            "#activity script, #print-view script, #activity img, #print-view img, #activity b, #print-view b"
        ).count()
        == 0
    )
    assert page.locator("a[href^='javascript']").count() == 0


def test_hostile_output_and_questions_are_text_in_page_handout_exports_and_links(
    page: Page, serve, scripted, tmp_path
) -> None:
    server = serve(model=scripted("hostile", hostile))
    open_page(page, server)
    question = "<script>window.pwned = 5</script>[q](javascript:1)"
    write_lesson(page, question, title="<b>Title</b>", activity="compare", modes=("baseline", "mas"))
    start(page)
    expect(page.locator("#status")).to_have_text("Done.")
    expect(page.locator("section.column[data-mode=mas] .card.ok")).to_have_count(7)
    expect(page.locator("section.column[data-mode=baseline] .answer")).to_contain_text(
        "<script>window.pwned = 1</script>"
    )
    expect(page.get_by_test_id("asked")).to_have_text(f"Question: {question}")
    assert_inert(page)
    for view in ("Show the handout", "Show the transcript"):
        page.get_by_role("button", name=view).click()
        expect(page.locator("#print-view")).to_contain_text('<img src=x onerror="window.pwned = 2">')
        expect(page.locator("#print-view h2")).to_contain_text("<b>Title</b>")
        assert_inert(page)
    assert "<script" in pdf_text(page, tmp_path, "t.pdf")
    markdown = downloaded(page, "Export transcript (Markdown)")
    assert "<script" not in markdown and "<img" not in markdown and "<a " not in markdown
    assert "](javascript:" not in markdown and "![" not in markdown and "&lt;script&gt;" in markdown
    page.get_by_role("button", name="Copy lesson link").click()
    link = page.get_by_label("Lesson link").input_value()
    page.goto("about:blank")
    page.goto(link)
    expect(page.locator("#q-1")).to_have_value(question)
    expect(page.get_by_label("Title")).to_have_value("<b>Title</b>")
    assert_inert(page)


def test_the_page_is_served_with_a_strict_content_security_policy(page: Page, server) -> None:
    for path in ("/playground/", "/playground/js/main.js", "/playground/connect.html"):
        headers = httpx.get(server.base_url + path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
    assert httpx.get(server.base_url + "/playground/js/main.js").headers["content-type"].startswith("text/javascript")
    open_page(page, server)
    # an inline script that slipped into the page would not run
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.pwned = 6';"
        " document.body.append(s); }"
    )
    assert page.evaluate("window.pwned") is None


# ---- one walk on the embedded model, default settings


@pytest.mark.smoke
@pytest.mark.timeout(900)
def test_a_walk_on_the_embedded_model(page: Page, serve) -> None:
    """The demo model says what it is, every voice shows its progress, and the activity and its
    handout complete. The quotation guard may refuse a 135M model's draft: such a voice is shown
    failed, with the guard's reason, and the others go on."""
    server = serve(model="local/smollm2")
    open_page(page, server)
    expect(page.get_by_test_id("model-note")).to_be_visible()
    write_lesson(page, "What do we owe our parents?", activity="whose")
    start(page)
    expect(page.locator(".progress li")).to_have_count(7, timeout=120_000)
    expect(page.locator(".guess").first).to_be_visible(timeout=600_000)
    refused = page.get_by_test_id("degraded")
    if refused.count():
        expect(refused).to_contain_text("no source holds")
    page.get_by_role("button", name="Reveal the key").click()
    expect(page.get_by_test_id("reveal-summary")).to_contain_text("matched")
    page.get_by_role("button", name="Show the handout").click()
    expect(page.locator("#print-view")).to_contain_text("local/smollm2")
    expect(page.locator("#print-view .card.ok").first).to_be_visible()
