// Whose voice is this? The voices' drafts, shuffled, with names and sources hidden, and in their
// words every tradition's names, terms and works' titles masked by the server (a voice opens by
// naming its tradition, so the first words would give it away); students match each to a
// tradition, then the reveal shows the key and its evidence: the passages the voice cited and the
// terms the scorer found in its words.
import * as api from "../api.js";
import { el, hash, pressed, shuffled } from "../dom.js";
import * as live from "../live.js";
import * as render from "../render.js";

export const title = "Whose voice is this?";
const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function termsOf(scored, id) {
  const terms = new Set();
  for (const ref of (scored && scored.references) || []) if (ref.perspective === id) terms.add(ref.term);
  return [...terms];
}

// Without a masked text (the scorer failed) nothing is shown that could give the voice away.
function masked(scored) {
  return scored && typeof scored.masked === "string" ? scored.masked : "(this voice's words could not be shown without naming it)";
}

export async function start(ctx, area) {
  area.append(el("p", { class: "instructions" },
    "While the voices write: which traditions do you expect to answer, and what might each say? " +
    "Then read each voice without its name and decide which tradition it speaks for."));
  const running = el("div", { class: "running-box" });
  area.append(running);
  const result = await live.stream("mas", ctx, running, { showDrafts: false, showAnswer: false, label: "The voices" });
  running.remove();
  const voices = result.perspectives.filter((p) => p.status === "ok");
  const failed = result.perspectives.filter((p) => p.status !== "ok");
  if (failed.length) {
    area.append(el("p", { class: "degraded", "data-testid": "degraded" },
      `Not every voice answered: ${failed.map((p) => `${p.name} (${render.failureText(p)})`).join("; ")}.`));
  }
  if (!voices.length) throw new Error("no voice answered this question");
  // the evidence for the reveal, and the words shown meanwhile, masked
  const scored = await Promise.all(voices.map((p) => api.score(p.content, null, { mask: true }).catch(() => null)));
  const names = [...result.perspectives].map((p) => p.name).sort();
  const order = shuffled(voices, hash(ctx.question.text + voices.map((v) => v.id).join()));
  const list = el("ol", { class: "guesses" });
  const rows = order.map((p, i) => {
    const letter = LETTERS[i];
    const select = el("select", { id: `guess-${letter}`, "data-testid": "guess" },
      el("option", { value: "" }, "Choose a tradition…"), ...names.map((n) => el("option", { value: n }, n)));
    const item = el("li", { class: "guess" },
      el("h3", {}, `Voice ${letter}`),
      el("div", { class: "text", "data-testid": "masked" }, masked(scored[voices.indexOf(p)])),
      el("label", { for: `guess-${letter}` }, `Voice ${letter} speaks for`), select,
      el("div", { class: "key", "aria-live": "polite" }));
    list.append(item);
    return { p, item, select };
  });
  const reveal = el("button", { type: "button", class: "primary" }, "Reveal the key");
  area.append(list, reveal);
  await pressed(reveal, ctx.signal);
  reveal.disabled = true;
  let right = 0;
  rows.forEach(({ p, item, select }, i) => {
    const guess = select.value;
    if (guess === p.name) right += 1;
    const key = item.querySelector(".key");
    key.append(el("p", { class: guess === p.name ? "right" : "wrong" },
      `This is the ${p.name} voice. `, guess ? (guess === p.name ? "Your match is right." : `Your match was ${guess}.`) : "No match was chosen."));
    const terms = termsOf(scored[voices.indexOf(p)], p.id);
    key.append(el("p", {}, terms.length ? `Terms the scorer found for this tradition: ${terms.join(", ")}.` : "The scorer found no term of this tradition in these words."));
    key.append(el("div", { class: "text" }, p.content));  // its words as it wrote them
    const cited = render.sources(p.citations, { collapsible: false });
    key.append(cited || el("p", {}, "This voice cited no passage."));
    select.disabled = true;
    if (i === 0) item.querySelector("h3").setAttribute("tabindex", "-1");
  });
  const summary = el("p", { class: "summary", tabindex: "-1", "data-testid": "reveal-summary" }, `${right} of ${rows.length} matched.`);
  list.before(summary);
  summary.focus();
  return `Revealed: ${right} of ${rows.length} matched.`;
}
