// The playground: a teacher builds a lesson, runs its activities, prints its handout and exports
// its transcript. Wiring only; the parts live in their own modules.
import * as compare from "./activities/compare.js";
import * as missing from "./activities/missing.js";
import * as whose from "./activities/whose.js";
import * as api from "./api.js";
import { $, $$, download, el, setStatus, statusCount } from "./dom.js";
import * as handout from "./handout.js";
import * as lessons from "./lesson.js";
import { Session } from "./session.js";

const ACTIVITY = { whose, missing, compare };
const session = new Session();
let lesson = lessons.newLesson();
let roster = [];  // [{id, name, description}]
let servedModel = "";
let demoModels = new Set();  // models the server says are demonstration models (/v1/models: multiplex.demo)
let controller = null;

// ---- the model, honestly named

function showModelNote(mas) {
  servedModel = mas && mas.multiplex ? mas.multiplex.model : "";
  const note = $("#model-note");
  note.hidden = !(mas && mas.multiplex && mas.multiplex.demo);
  $("#model-name").textContent = servedModel;
}

async function loadRoster() {
  const all = await api.models();
  demoModels = new Set(all.filter((m) => m.multiplex && m.multiplex.demo).map((m) => m.multiplex.model));
  showModelNote(all.find((m) => m.id === "multiplex-mas"));
  roster = all.filter((m) => m.id.startsWith("perspective-")).map((m) => ({
    id: m.id.slice("perspective-".length), name: (m.multiplex && m.multiplex.name) || m.id.slice("perspective-".length), description: m.description || "",
  }));
}

// ---- the lesson builder

function questionFields(q, i) {
  const n = i + 1;
  const box = el("fieldset", { class: "question", "data-index": i }, el("legend", {}, `Question ${n}`));
  box.append(el("label", { for: `q-${n}` }, "What the class is asked"),
    el("textarea", { id: `q-${n}`, class: "q-text", rows: 2, maxlength: lessons.LIMITS.question }),
    el("label", { for: `v-${n}` }, "Viewpoints people hold (optional: one per line, + or - in front for a stance)"),
    el("textarea", { id: `v-${n}`, class: "q-viewpoints", rows: 2 }));
  $(".q-text", box).value = q.text;
  $(".q-viewpoints", box).value = lessons.formatViewpoints(q.viewpoints || []);
  if (i > 0) {
    const remove = el("button", { type: "button", class: "quiet" }, `Remove question ${n}`);
    remove.addEventListener("click", () => {
      const current = readForm();
      current.questions.splice(i, 1);
      showLesson(current);
      $("#q-1").focus();
    });
    box.append(remove);
  }
  return box;
}

function showLesson(l) {
  lesson = l;
  $("#title").value = l.title;
  $("#notes").value = l.notes;
  $("#questions").replaceChildren(...l.questions.map(questionFields));
  $("#add-question").disabled = l.questions.length >= lessons.LIMITS.questions;
  for (const box of $$("input[name=activity]")) box.checked = box.value === l.activity;
  for (const box of $$("input[name=mode]")) box.checked = l.modes.includes(box.value);
  const chips = $("#perspective-list");
  chips.replaceChildren(...roster.map((p) => {
    const box = el("input", { type: "checkbox", name: "perspective", value: p.id });
    box.checked = !l.perspectives || l.perspectives.includes(p.id);
    return el("label", { title: p.description }, box, ` ${p.name}`);
  }));
  refreshQuestionChoice();
}

// The form as a lesson (unchecked: empty questions are dropped, the rest checked on use).
function readForm() {
  return {
    v: 1,
    title: $("#title").value,
    notes: $("#notes").value,
    questions: $$("#questions fieldset.question").map((box) => ({
      text: $(".q-text", box).value, viewpoints: lessons.parseViewpoints($(".q-viewpoints", box).value),
    })),
    perspectives: $$("input[name=perspective]:checked").map((b) => b.value),
    modes: $$("input[name=mode]:checked").map((b) => b.value),
    activity: ($("input[name=activity]:checked") || {}).value || "whose",
  };
}

// The lesson as it stands, checked; null (and the reason on the status line) when it cannot run.
function currentLesson() {
  const raw = readForm();
  raw.questions = raw.questions.filter((q) => q.text.trim());
  try {
    const checked = lessons.normalise(raw);
    if (!checked.perspectives.length) throw new Error("choose at least one perspective");
    lesson = checked;
    return checked;
  } catch (error) {
    setStatus(`The lesson cannot be used yet: ${error.message}.`, true);
    return null;
  }
}

function refreshQuestionChoice() {
  const select = $("#question-choice");
  const previous = select.value;
  const texts = $$("#questions .q-text").map((t) => t.value.trim());
  select.replaceChildren(...texts.map((t, i) => el("option", { value: String(i) }, `${i + 1}. ${t.slice(0, 90) || "(empty)"}`)));
  if (previous && Number(previous) < texts.length) select.value = previous;
}

function refreshSaved() {
  const select = $("#saved");
  const names = Object.keys(lessons.savedLessons());
  select.replaceChildren(...(names.length ? names.map((n) => el("option", { value: n }, n)) : [el("option", { value: "" }, "No lesson saved in this browser yet")]));
  $("#open-saved").disabled = $("#delete-saved").disabled = !names.length;
}

function lessonFromAddress() {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has("lesson")) return lessons.fromHash(location.hash);
  if (params.has("q")) {  // an older settings link: one question, compared across modes
    return lessons.normalise({
      questions: [params.get("q")], activity: "compare",
      modes: (params.get("modes") || "mas").split(",").filter(Boolean),
      perspectives: params.get("p") ? params.get("p").split(",").filter(Boolean) : null,
    });
  }
  return null;
}

// ---- running an activity

async function startActivity() {
  const l = currentLesson();
  if (!l) return;
  const index = Math.min(Number($("#question-choice").value || 0), l.questions.length - 1);
  const activity = ACTIVITY[l.activity];
  controller = new AbortController();
  const area = $("#activity");
  area.replaceChildren(el("h3", {}, activity.title), el("p", { class: "asked", "data-testid": "asked" }, "Question: ", l.questions[index].text));
  area.hidden = false;
  const ctx = {
    lesson: l, activity: l.activity, question: l.questions[index], perspectives: l.perspectives,
    signal: controller.signal, session,
  };
  $("#start").disabled = true;
  $("#cancel").disabled = false;
  setStatus(`${activity.title} started.`);
  try {
    setStatus(await activity.start(ctx, area));
  } catch (error) {
    if (controller.signal.aborted) setStatus("Cancelled. What had arrived stays on the page.");
    else setStatus(`Error: ${error.message}`, true);
  } finally {
    controller = null;
    $("#start").disabled = false;
    $("#cancel").disabled = true;
    refreshExports();
  }
}

// ---- handout and transcript

function refreshExports() {
  const empty = !session.entries.length;
  for (const id of ["#export-md", "#export-json"]) $(id).disabled = empty;
}

function showPrintable(kind) {
  const l = currentLesson() || lesson;
  const view = $("#print-view");
  view.replaceChildren(kind === "handout" ? handout.handout(l, session, demoModels) : handout.transcript(l, session, servedModel, demoModels));
  view.hidden = false;
  $("#print").disabled = false;
  $("#print").textContent = kind === "handout" ? "Print the handout (or save it as PDF)" : "Print the transcript (or save it as PDF)";
  view.querySelector("h2").setAttribute("tabindex", "-1");
  view.querySelector("h2").focus();
}

function fileName(ext) {
  const base = (lesson.title || "lesson").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "lesson";
  return `${base}.${ext}`;
}

// ---- start

function bind() {
  $("#add-question").addEventListener("click", () => {
    const current = readForm();
    current.questions.push({ text: "", viewpoints: [] });
    showLesson(current);
    $(`#q-${current.questions.length}`).focus();
  });
  $("#questions").addEventListener("input", refreshQuestionChoice);
  $("#save").addEventListener("click", () => {
    const l = currentLesson();
    if (!l) return;
    const name = lessons.saveLesson(l);
    refreshSaved();
    $("#saved").value = name;
    setStatus(`Saved in this browser as "${name}".`);
  });
  $("#open-saved").addEventListener("click", () => {
    const l = lessons.savedLessons()[$("#saved").value];
    if (l) { showLesson(l); setStatus(`Opened "${$("#saved").value}".`); }
  });
  $("#delete-saved").addEventListener("click", () => {
    lessons.deleteLesson($("#saved").value);
    refreshSaved();
    setStatus("Deleted from this browser.");
  });
  $("#copy-link").addEventListener("click", async () => {
    const l = currentLesson();
    if (!l) return;
    const link = lessons.linkFor(l, `${location.origin}${location.pathname}`);
    window.history.replaceState(null, "", link);
    $("#lesson-link").value = link;
    $("#lesson-link-box").hidden = false;
    try { await navigator.clipboard.writeText(link); setStatus("Lesson link copied."); } catch { setStatus("The lesson link is below: copy it from there."); }
  });
  $("#download-lesson").addEventListener("click", () => {
    const l = currentLesson();
    if (l) download(fileName("lesson.json"), "application/json", lessons.toFile(l));
  });
  $("#load-lesson").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      showLesson(lessons.fromFile(await file.text()));
      setStatus(`Lesson loaded from ${file.name}.`);
    } catch (error) {
      setStatus(`Could not load ${file.name}: ${error.message}.`, true);
    }
    event.target.value = "";
  });
  $("#start").addEventListener("click", startActivity);
  $("#cancel").addEventListener("click", () => controller && controller.abort());
  $("#show-handout").addEventListener("click", () => showPrintable("handout"));
  $("#show-transcript").addEventListener("click", () => showPrintable("transcript"));
  $("#print").addEventListener("click", () => window.print());
  $("#export-md").addEventListener("click", () => download(fileName("transcript.md"), "text/markdown", handout.transcriptMarkdown(currentLesson() || lesson, session, servedModel, demoModels)));
  $("#export-json").addEventListener("click", () => download(fileName("transcript.json"), "application/json", JSON.stringify({ lesson, model: servedModel, entries: session.entries }, null, 2)));
  $("#clear-session").addEventListener("click", () => { session.clear(); refreshExports(); setStatus("This tab's answers are cleared."); });
  const large = $("#large");
  large.checked = localStorage.getItem("multiplex.large") === "1";
  document.body.classList.toggle("large", large.checked);
  large.addEventListener("change", () => {
    document.body.classList.toggle("large", large.checked);
    localStorage.setItem("multiplex.large", large.checked ? "1" : "0");
  });
  $("#apikey").value = api.apiKey.get();
  $("#apikey").addEventListener("change", async () => {
    if ($("#apikey").value === api.apiKey.get() && roster.length) return;  // the same key, already connected
    api.apiKey.set($("#apikey").value);
    const asked = statusCount();
    try {
      await loadRoster();
      showLesson(readForm());
      if (statusCount() === asked) setStatus("Connected.");
    } catch (error) {
      if (statusCount() === asked) setStatus(error.message, true);
    }
  });
}

async function main() {
  bind();
  refreshSaved();
  refreshExports();
  try {
    await loadRoster();
  } catch (error) {
    setStatus(`Could not load the perspectives: ${error.message}`, true);
  }
  try {
    const fromAddress = lessonFromAddress();
    showLesson(fromAddress || lesson);
    if (fromAddress) setStatus(`Lesson "${fromAddress.title || fromAddress.questions[0].text.slice(0, 60)}" loaded from its link.`);
  } catch (error) {
    showLesson(lesson);
    setStatus(`The lesson link could not be read: ${error.message}.`, true);
  }
}

main();
