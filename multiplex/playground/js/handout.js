// The printed side of a lesson: a handout (each question, each voice with its cited sources,
// prompts for discussion) and a transcript of everything asked and answered, on screen, on paper
// (print, or PDF through the browser's print) and in Markdown.
import { el } from "./dom.js";
import { ACTIVITIES } from "./lesson.js";
import * as render from "./render.js";

export const PROMPTS = [
  "Where do two traditions agree?",
  "Where do they differ?",
  "Whose perspective is missing?",
  "Which voice is closest to your own, and why?",
];

const when = (iso) => new Date(iso).toLocaleString(undefined, { dateStyle: "long", timeStyle: "short" });
const today = () => new Date().toLocaleDateString(undefined, { dateStyle: "long" });

// Whenever the demonstration model wrote any answer on the page, the paper says so too.
export const DEMO_NOTE = "A small demonstration model wrote these answers: its own sentences are illustrative and often " +
  "inaccurate. Quotations from the traditions' texts are checked against the sources and cited, so those you can rely on.";

function demoNote(models, demo) {
  return models.some((m) => m && demo.has(m)) ? el("p", { class: "demo-note", "data-testid": "demo-note" }, DEMO_NOTE) : null;
}

function modelLine(models) {
  const named = [...new Set(models.filter(Boolean))];
  return named.length ? `Answers written by ${named.join(", ")}.` : "No answer yet.";
}

export function handout(lesson, session, demo = new Set()) {
  const doc = el("article", { class: "printable handout", "aria-label": "Handout" });
  doc.append(el("h2", {}, lesson.title || "Lesson"));
  const answers = lesson.questions.map((q) => session.latestFor(q.text));
  doc.append(el("p", { class: "byline" }, `${today()}. ${modelLine(answers.map((a) => a && a.model))} Each voice describes a tradition; it is not a person speaking.`));
  const note = demoNote(answers.map((a) => a && a.model), demo);
  if (note) doc.append(note);
  if (lesson.notes) doc.append(el("p", { class: "notes" }, lesson.notes));
  lesson.questions.forEach((q, i) => {
    const part = el("section", { class: "handout-question" }, el("h3", {}, `Question ${i + 1}: `, q.text));
    const result = answers[i];
    if (!result) part.append(el("p", {}, "Not asked yet: run an activity on this question to bring its voices here."));
    else if (result.perspectives.length) {
      for (const p of result.perspectives) part.append(render.voice(p, { headingLevel: 4, collapsible: false }));
    } else part.append(render.answer(result));
    part.append(el("h4", {}, "For discussion"), el("ol", { class: "prompts" }, ...PROMPTS.map((t) => el("li", {}, t))));
    doc.append(part);
  });
  return doc;
}

export function transcript(lesson, session, model, demo = new Set()) {
  const doc = el("article", { class: "printable transcript", "aria-label": "Transcript" });
  doc.append(el("h2", {}, `Transcript: ${lesson.title || "lesson"}`));
  const models = session.entries.map((e) => e.result && e.result.model);
  doc.append(el("p", { class: "byline" }, `Exported ${today()}. ${modelLine([model, ...models])}`));
  const note = demoNote(models, demo);
  if (note) doc.append(note);
  if (!session.entries.length) doc.append(el("p", {}, "Nothing has been asked yet."));
  for (const e of session.entries) {
    const part = el("section", { class: "transcript-entry" });
    part.append(el("h3", {}, `${when(e.at)} · ${ACTIVITIES[e.activity] || e.activity}`), el("p", { class: "asked" }, "Asked: ", e.question));
    if (e.kind === "note") part.append(el("p", {}, "Our list of what is missing: ", e.text));
    else {
      const r = e.result;
      part.append(el("p", { class: "byline" }, `Mode ${r.mode}, model ${r.model || "unknown"}.`));
      for (const p of r.perspectives) part.append(render.voice(p, { headingLevel: 4, collapsible: false }));
      part.append(render.answer(r));
    }
    doc.append(part);
  }
  return doc;
}

function mdVoice(p) {
  const lines = [`#### ${render.mdText(p.name)}`, ""];
  lines.push(p.status === "ok" ? render.mdText(p.content) : `(${render.mdText(render.failureText(p))})`, "");
  for (const c of p.status === "ok" ? p.citations || [] : []) {
    lines.push(`> ${render.mdText(c.work)}, ${render.mdText(c.locator)}${c.verified ? " (quoted)" : ""}: ${render.mdText(c.text)}`, "");
  }
  return lines;
}

export function transcriptMarkdown(lesson, session, model, demo = new Set()) {
  const lines = [`# Transcript: ${render.mdText(lesson.title || "lesson")}`, ""];
  const models = session.entries.map((e) => e.result && e.result.model);
  lines.push(`Exported ${today()}. ${render.mdText(modelLine([model, ...models]))}`, "");
  if (models.some((m) => m && demo.has(m))) lines.push(`*${render.mdText(DEMO_NOTE)}*`, "");
  for (const e of session.entries) {
    lines.push(`## ${when(e.at)} · ${ACTIVITIES[e.activity] || e.activity}`, "", `Asked: ${render.mdText(e.question)}`, "");
    if (e.kind === "note") {
      lines.push(`Our list of what is missing: ${render.mdText(e.text)}`, "");
      continue;
    }
    const r = e.result;
    lines.push(`Mode ${r.mode}, model ${render.mdText(r.model || "unknown")}.`, "");
    for (const p of r.perspectives) lines.push(...mdVoice(p));
    if (r.missing && r.missing.length) lines.push(`Not every voice answered: ${render.mdText(r.missing.join(", "))}.`, "");
    lines.push(`### ${r.mode === "mas" ? "Synthesis" : "Answer"}`, "", render.mdText(r.text), "");
  }
  return lines.join("\n");
}
