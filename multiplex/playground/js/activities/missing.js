// What is missing? Students read the plain answer first and list whose perspectives it leaves out;
// the multi-voice answer is prepared meanwhile, and the reveal shows it, which voices each answer
// refers to, and (when the question comes with them) which of people's viewpoints each covers.
import * as api from "../api.js";
import { el, pressed } from "../dom.js";
import * as live from "../live.js";
import * as render from "../render.js";

export const title = "What is missing?";

async function coverageOf(text, viewpoints) {
  if (!viewpoints.length) return null;
  try {
    return await api.score(text, viewpoints);
  } catch {
    return null;
  }
}

function voicesTable(base, mas) {
  const table = el("table", { class: "voices-table" }, el("caption", {}, "Which traditions each answer refers to"));
  table.append(el("tr", {}, ...["tradition", "plain answer", "multi-voice answer"].map((h) => el("th", { scope: "col" }, h))));
  const names = render.namesOf(mas.perspectives);
  const ids = Object.keys(mas.scores ? mas.scores.counts : names);
  for (const id of ids) {
    const said = (r) => (r && r.scores && r.scores.counts[id] > 0 ? "yes" : "no");
    table.append(el("tr", {}, el("th", { scope: "row" }, names[id] || id), el("td", {}, said(base)), el("td", {}, said(mas))));
  }
  return render.tableBox(table, "Which traditions each answer refers to");
}

export async function start(ctx, area) {
  area.append(el("p", { class: "instructions" },
    "First read a plain answer, from one voice. Whose perspectives does it leave out? Write your list, then reveal the multi-voice answer."));
  const plainBox = el("div", { class: "column" });
  const masBox = el("div", { class: "running-box" }, el("h3", {}, "The multi-voice answer, being prepared"));
  area.append(plainBox, masBox);
  const mas = live.stream("mas", ctx, masBox, { showDrafts: false, showAnswer: false, label: "The multi-voice answer" });
  mas.catch(() => {});  // awaited at the reveal
  const base = await live.stream("baseline", ctx, plainBox, { label: "The plain answer" });
  plainBox.replaceChildren(render.answer(base, { title: "The plain answer" }));
  const notes = el("textarea", { id: "missing-notes", rows: 4 });
  const reveal = el("button", { type: "button", class: "primary" }, "Reveal the multi-voice answer");
  area.insertBefore(el("div", { class: "think" },
    el("label", { for: "missing-notes" }, "Whose perspectives does this answer leave out? (stays on this screen)"), notes, reveal), masBox);
  await pressed(reveal, ctx.signal);
  reveal.disabled = true;
  ctx.session.note(ctx, notes.value);
  const full = await mas;
  masBox.replaceChildren();
  const heading = el("h3", { tabindex: "-1" }, "The multi-voice answer");
  masBox.append(heading);
  live.outcome(full, masBox.appendChild(el("div")));
  masBox.append(voicesTable(base, full));
  const viewpoints = ctx.question.viewpoints;
  if (viewpoints.length) {
    const [b, m] = await Promise.all([coverageOf(base.text, viewpoints), coverageOf(full.text, viewpoints)]);
    for (const part of [render.coverage(viewpoints, b, "The plain answer"), render.coverage(viewpoints, m, "The multi-voice answer")]) {
      if (part) masBox.append(part);
    }
  }
  heading.focus();
  return "Revealed.";
}
