// Compare: the lesson's modes side by side on one question, each streaming, then a table.
import { el } from "../dom.js";
import * as live from "../live.js";
import * as render from "../render.js";

export const title = "Compare the modes";

export async function start(ctx, area) {
  area.append(el("p", { class: "instructions" },
    "Each mode answers the same question. Read them side by side: which one hears more traditions, and what does each leave out?"));
  const grid = el("div", { class: "columns" });
  area.append(grid);
  const columns = ctx.lesson.modes.map((mode) => {
    const column = el("section", { class: "column", "data-mode": mode, "aria-label": `${mode} mode` }, el("h3", { class: "mode-title" }, mode));
    const body = el("div");
    column.append(body);
    grid.append(column);
    return body;
  });
  const outcomes = await Promise.allSettled(ctx.lesson.modes.map((mode, i) => live.stream(mode, ctx, columns[i])));
  const results = [];
  outcomes.forEach((o, i) => {
    if (o.status === "fulfilled") {
      results.push(o.value);
      live.outcome(o.value, columns[i]);
    } else {
      columns[i].replaceChildren(el("p", { class: "error" }, ctx.signal.aborted ? "Cancelled." : `Error: ${o.reason.message}`));
    }
  });
  const table = render.comparison(results);
  if (table) area.append(table);
  const failed = outcomes.filter((o) => o.status === "rejected");
  if (failed.length === outcomes.length) throw failed[0].reason;
  return failed.length ? `${failed.length} of ${outcomes.length} modes failed; the others are shown.` : "Done.";
}
