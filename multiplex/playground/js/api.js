// The client of this server's OpenAI-compatible API: models, scores, and one streamed run.
import { events } from "./sse.js";

export const MODELS = { baseline: "multiplex-baseline", contextual: "multiplex-contextual", mas: "multiplex-mas" };
const KEY = "multiplex.apiKey";

export const apiKey = {
  get: () => localStorage.getItem(KEY) || "",
  set: (value) => localStorage.setItem(KEY, value.trim()),
};

function headers() {
  const h = { "content-type": "application/json" };
  const key = apiKey.get();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function failure(response) {
  try {
    const body = await response.json();
    return new Error(`${response.status}: ${body.error.message}`);
  } catch {
    return new Error(`${response.status}: ${response.statusText || "request failed"}`);
  }
}

export async function models() {
  const response = await fetch("/v1/models", { headers: headers() });
  if (!response.ok) throw await failure(response);
  return (await response.json()).data;
}

// The scorer on any text; with `viewpoints`, which of them the text covers; with `mask`, the text
// with every tradition's names, terms and works' titles hidden (`masked`).
export async function score(text, viewpoints, { mask = false } = {}) {
  const body = { text };
  if (viewpoints && viewpoints.length) body.viewpoints = viewpoints;
  if (mask) body.mask = true;
  const response = await fetch("/v1/score", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  if (!response.ok) throw await failure(response);
  return response.json();
}

// One question in one mode, streamed. `on` hears each step: started(id, name), delta(id, text),
// done(record), answer(text so far), analysis(analysis). Resolves to the run: its answer and record.
export async function run(mode, question, perspectives, { signal, on = {} } = {}) {
  const body = { model: MODELS[mode], messages: [{ role: "user", content: question }], stream: true };
  if (mode === "mas") body.multiplex = { perspectives };
  const response = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  if (!response.ok) throw await failure(response);
  const result = { mode, question, text: "", model: "", created: Date.now(), perspectives: [], scores: null, analysis: null, missing: [] };
  for await (const chunk of events(response)) {
    if (chunk.error) throw new Error(chunk.error.message);
    const delta = chunk.choices && chunk.choices[0] ? chunk.choices[0].delta : {};
    if (delta && delta.content) {
      result.text += delta.content;
      on.answer?.(result.text);
    }
    const ext = chunk.multiplex;
    if (!ext) continue;
    if (ext.event === "perspective_started") on.started?.(ext.perspective.id, ext.perspective.name);
    else if (ext.event === "perspective_delta") on.delta?.(ext.perspective.id, ext.text);
    else if (ext.event === "perspective_done") on.done?.(ext.perspective);
    else if (ext.event === "analysis") on.analysis?.(ext.analysis);
    else if (ext.mode) {
      Object.assign(result, {
        model: ext.model || "", perspectives: ext.perspectives || [], scores: ext.scores || null,
        analysis: ext.analysis || null, missing: ext.missing || [], degraded: Boolean(ext.degraded),
      });
    }
  }
  return result;
}
