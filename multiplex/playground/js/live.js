// One question in one mode, shown as it streams: progress per voice, drafts, then the answer.
// Every activity runs its questions through here.
import * as api from "./api.js";
import { el, setStatus } from "./dom.js";
import * as render from "./render.js";

export async function stream(mode, ctx, container, { showDrafts = true, showAnswer = true, label = mode } = {}) {
  const progress = mode === "mas" ? new render.Progress(container, { showDrafts }) : null;
  const answerBox = showAnswer ? el("div", { class: "answer text" }) : null;
  if (answerBox) container.append(el("h3", {}, mode === "mas" ? "Synthesis" : "Answer"), answerBox);
  const waiting = el("p", { class: "waiting" }, `${label}: waiting for the first words…`);
  container.prepend(waiting);
  const started = Date.now();
  const tick = setInterval(() => {
    const counts = progress ? progress.counts() : null;
    const secs = Math.round((Date.now() - started) / 1000);
    waiting.textContent = counts && counts.total
      ? `${label}: ${counts.finished} of ${counts.total} voices done, ${secs} s`
      : `${label}: writing, ${secs} s`;
  }, 1000);
  const announce = () => {
    const { finished, total } = progress.counts();
    ctx.onProgress?.(mode, finished, total);
    setStatus(`${label}: ${finished} of ${total} voices done.`);
  };
  try {
    const result = await api.run(mode, ctx.question.text, ctx.perspectives, {
      signal: ctx.signal,
      on: {
        started: (id, name) => { progress.started(id, name); announce(); },
        delta: (id, text) => progress.delta(id, text),
        done: (record) => { progress.done(record); announce(); },
        answer: (text) => { if (answerBox) answerBox.replaceChildren(...render.markdown(text)); },
      },
    });
    ctx.session.record(ctx, result);
    return result;
  } finally {
    clearInterval(tick);
    waiting.remove();
  }
}

// Shown after a run: its voices, the answer with its degraded note, the analysis and the scores.
export function outcome(result, container, { drafts = true } = {}) {
  container.replaceChildren();
  const names = render.namesOf(result.perspectives);
  if (drafts && result.perspectives.length) {
    container.append(el("h3", {}, "Voices"), el("div", { class: "cards" }, ...result.perspectives.map((p) => render.voice(p))));
  }
  container.append(render.answer(result));
  for (const part of [render.analysis(result.analysis, names), render.scores(result.scores)]) if (part) container.append(part);
}
