// multiplex playground: a client of the OpenAI-compatible API of the same server.
// Every piece of model output is written with textContent, never as HTML.
"use strict";

const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));
const HISTORY_KEY = "multiplex.history";
const KEY_KEY = "multiplex.apiKey";
const MODELS = { baseline: "multiplex-baseline", contextual: "multiplex-contextual", mas: "multiplex-mas" };

let controller = null;
let lastRun = null;

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function headers() {
  const h = { "content-type": "application/json" };
  const key = $("#apikey").value.trim();
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

async function apiError(response) {
  try {
    const body = await response.json();
    return `${response.status}: ${body.error.message}`;
  } catch {
    return `${response.status}: ${response.statusText || "request failed"}`;
  }
}

function setStatus(text, isError = false) {
  const status = $("#status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function showModelNote(served) {
  // Honest about the model: the embedded demo model writes illustrative, often inaccurate text.
  const note = $("#model-note");
  const model = served && served.multiplex ? served.multiplex.model : "";
  note.hidden = !model.startsWith("local/");
  $("#model-name", note).textContent = model;
}

async function loadPerspectives(selected) {
  const list = $("#perspective-list");
  const response = await fetch("/v1/models", { headers: headers() });
  if (!response.ok) throw new Error(await apiError(response));
  const all = (await response.json()).data;
  showModelNote(all.find((m) => m.id === "multiplex-mas"));
  const models = all.filter((m) => m.id.startsWith("perspective-"));
  list.replaceChildren();
  for (const model of models) {
    const id = model.id.slice("perspective-".length);
    const label = el("label", { title: model.description });
    const box = el("input", { type: "checkbox", name: "perspective", value: id });
    box.checked = !selected || selected.includes(id);
    label.append(box, document.createTextNode(" " + id));
    list.append(label);
  }
}

function chosen(name) {
  return $$(`input[name=${name}]:checked`).map((box) => box.value);
}

function settingsFromForm() {
  return {
    prompt: $("#prompt").value.trim(),
    system: $("#system").value.trim(),
    modes: chosen("mode"),
    perspectives: chosen("perspective"),
  };
}

function applySettings(s) {
  if (s.prompt !== undefined) $("#prompt").value = s.prompt;
  if (s.system !== undefined) $("#system").value = s.system;
  if (s.modes) for (const box of $$("input[name=mode]")) box.checked = s.modes.includes(box.value);
  if (s.perspectives) for (const box of $$("input[name=perspective]")) box.checked = s.perspectives.includes(box.value);
}

function settingsLink(s) {
  const params = new URLSearchParams({ q: s.prompt, modes: s.modes.join(","), p: s.perspectives.join(",") });
  if (s.system) params.set("system", s.system);
  return `${location.origin}${location.pathname}#${params}`;
}

function settingsFromHash() {
  if (!location.hash) return null;
  const params = new URLSearchParams(location.hash.slice(1));
  return {
    prompt: params.get("q") || "",
    system: params.get("system") || "",
    modes: (params.get("modes") || "mas").split(",").filter(Boolean),
    perspectives: params.get("p") ? params.get("p").split(",").filter(Boolean) : undefined,
  };
}

function pct(x) {
  return `${(x * 100).toFixed(1)}%`;
}

function renderScores(target, scores) {
  target.replaceChildren();
  if (!scores) return;
  target.append(el("h3", {}, "Scores"));
  target.append(el("p", { class: "entropy", "data-testid": "entropy" }, pct(scores.pds_entropy)));
  target.append(el("p", {}, scores.no_references ? "PDS entropy: no cultural reference found"
    : "PDS entropy: how evenly the answer's references spread over the perspectives"));
  const bars = el("div", { class: "bars", role: "list", "aria-label": "References per perspective" });
  for (const [id, count] of Object.entries(scores.counts)) {
    const share = scores.distribution[id] || 0;
    const senti = scores.sentiment.per_perspective[id];
    const name = el("span", { role: "listitem" }, id);
    const track = el("span", {});
    const bar = el("span", { class: "bar" });
    bar.style.display = "block";
    bar.style.width = `${Math.max(share * 100, 0.5)}%`;
    track.append(bar);
    const figure = el("span", { class: senti ? `label-${senti.label}` : "" }, `${count}${senti ? " " + senti.label[0] : ""}`);
    figure.title = senti ? `${count} references, sentiment ${senti.label} (${senti.compound.toFixed(2)})` : "no reference";
    bars.append(name, track, figure);
  }
  target.append(bars);
  const s = scores.sentiment;
  target.append(el("p", {}, `Sentiment of references: ${pct(s.positive)} positive, ${pct(s.neutral)} neutral, ${pct(s.negative)} negative`));
  const syn = scores.synthesis;
  if (syn) {
    const drafts = Object.keys(syn.retention).length;
    const lowest = Object.entries(syn.retention).sort((a, b) => a[1] - b[1])[0];
    target.append(el("p", { "data-testid": "synthesis" },
      `Against its drafts: ${syn.distinct_drafts.toFixed(1)} distinct drafts of ${drafts}; ` +
      `lowest retention ${syn.retention_min.toFixed(2)}${lowest ? ` (${lowest[0]})` : ""}` +
      (syn.mentions_process ? "; the answer talks about its own making" : "")));
  }
}

function markRetention(column, scores) {
  if (!scores || !scores.synthesis) return;
  for (const [id, kept] of Object.entries(scores.synthesis.retention)) {
    const node = $(`.card[data-id="${CSS.escape(id)}"]`, column);
    if (!node) continue;
    const figure = el("span", { class: "retention", "data-testid": "retention" }, ` · kept ${kept.toFixed(2)}`);
    figure.title = "retention: how much of this draft the synthesis carries (0 to 1)";
    $(".meta", node).append(figure);
  }
}

function renderAnalysis(target, analysis, names) {
  // Beside a mas answer: where the voices agree, where they part, what one alone says, who is missing.
  target.replaceChildren();
  if (!analysis) return;
  const name = (id) => names[id] || id;
  const box = el("details", { class: "analysis-box", "data-testid": "analysis", open: "" });
  box.append(el("summary", {}, "Analysis of the drafts"));
  const list = (title, items) => {
    if (!items.length) return;
    box.append(el("h4", {}, title));
    const ul = el("ul");
    for (const text of items) ul.append(el("li", {}, text));
    box.append(ul);
  };
  list("Agreements", analysis.agreements.map((a) => `${a.voices.map(name).join(", ")}: ${a.point}`));
  list("Tensions", analysis.tensions.map((t) => t.voices.map((v) => `${name(v)}: "${t.sides[v]}"`).join(" / ")));
  list("Only one voice says", analysis.distinctive.map((c) => `${name(c.voice)}: ${c.point}`));
  list("Not heard", analysis.missing.map(name));
  if (box.children.length === 1) box.append(el("p", {}, "The drafts share no point closely and part on none."));
  target.append(box);
}

function namesOf(perspectives) {
  return Object.fromEntries((perspectives || []).map((p) => [p.id, p.name]));
}

function renderSources(node, citations) {
  // The passages of a voice's tradition behind its words: each as its source has it, marked
  // "quoted" when the voice's words quote it word for word.
  $(".sources", node)?.remove();
  if (!citations || !citations.length) return;
  const box = el("details", { class: "sources", "data-testid": "sources" });
  box.append(el("summary", {}, `Sources (${citations.length})`));
  const list = el("ul");
  for (const c of citations) {
    const item = el("li");
    item.append(el("span", { class: "source-ref" }, `${c.work}, ${c.locator}`),
      el("span", { class: c.verified ? "source-quoted" : "source-given" }, c.verified ? " · quoted" : " · given"),
      el("blockquote", {}, c.text));
    list.append(item);
  }
  box.append(list);
  node.append(box);
}

function card(column, id, name) {
  let node = $(`.card[data-id="${CSS.escape(id)}"]`, column);
  if (!node) {
    node = el("div", { class: "card running", "data-id": id, role: "group", "aria-label": `${name} perspective` });
    const title = el("h4", {}, name);
    title.append(el("span", { class: "meta" }, "writing..."));
    node.append(title, el("div", { class: "text", tabindex: "0" }));
    $(".cards", column).append(node);
  }
  return node;
}

async function sentimentOf(text, id) {
  const response = await fetch("/v1/score", { method: "POST", headers: headers(), body: JSON.stringify({ text }) });
  if (!response.ok) return null;
  const scores = await response.json();
  const own = scores.sentiment.per_perspective[id];
  if (own) return own.label;
  const s = scores.sentiment;
  if (scores.no_references) return null;
  return s.positive >= s.negative ? (s.positive >= s.neutral ? "positive" : "neutral") : "negative";
}

async function streamMode(mode, column, s, signal) {
  const messages = [];
  if (s.system) messages.push({ role: "system", content: s.system });
  messages.push({ role: "user", content: s.prompt });
  const body = { model: MODELS[mode], messages, stream: true };
  if (mode === "mas") body.multiplex = { perspectives: s.perspectives };
  const response = await fetch("/v1/chat/completions", { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  if (!response.ok) throw new Error(await apiError(response));
  const answer = $(".answer", column);
  const result = { mode, text: "", perspectives: [], scores: null };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (!frame.startsWith("data: ")) continue; // ": ping" keep-alives
      const data = frame.slice(6);
      if (data === "[DONE]") return result;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices && chunk.choices[0] ? chunk.choices[0].delta : {};
      if (delta.content) {
        result.text += delta.content;
        answer.textContent = result.text;
      }
      const ext = chunk.multiplex;
      if (!ext) continue;
      if (ext.event === "perspective_started") card(column, ext.perspective.id, ext.perspective.name);
      else if (ext.event === "perspective_delta") {
        const text = $(".text", card(column, ext.perspective.id, ext.perspective.id));
        text.textContent += ext.text;
      } else if (ext.event === "perspective_done") {
        const record = ext.perspective;
        const node = card(column, record.id, record.name);
        node.classList.remove("running");
        node.classList.add(record.status);
        $(".text", node).textContent = record.status === "ok" ? record.content : `failed: ${record.error}`;
        renderSources(node, record.citations);
        const meta = $(".meta", node);
        meta.textContent = `${record.status} · ${(record.latency_ms / 1000).toFixed(1)} s`;
        if (record.status === "ok") {
          sentimentOf(record.content, record.id).then((label) => {
            if (label) meta.append(el("span", { class: "sentiment" }, ` · ${label}`));  // beside the retention, not over it
          });
        }
      } else if (ext.event === "analysis") {
        result.analysis = ext.analysis;
      } else if (ext.mode) {
        result.perspectives = ext.perspectives;
        result.scores = ext.scores;
        result.analysis = ext.analysis;
        renderAnalysis($(".analysis", column), ext.analysis, namesOf(ext.perspectives));
        for (const p of ext.perspectives) {  // the citations as the whole answer verified them
          const node = $(`.card[data-id="${CSS.escape(p.id)}"]`, column);
          if (node) renderSources(node, p.citations);
        }
        renderScores($(".scores", column), ext.scores);
        markRetention(column, ext.scores);
      }
    }
  }
  return result;
}

function renderComparison(results) {
  const section = $("#comparison");
  section.replaceChildren();
  const scored = results.filter((r) => r && r.scores);
  if (scored.length < 2) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  section.append(el("h2", {}, "Modes compared"));
  const table = el("table");
  const head = el("tr");
  for (const h of ["mode", "PDS entropy", "perspectives referenced", "positive", "negative", "lowest retention", "distinct drafts"]) head.append(el("th", { scope: "col" }, h));
  table.append(head);
  const base = scored[0].scores.pds_entropy;
  for (const r of scored) {
    const row = el("tr", { "data-mode": r.mode });
    const diff = r === scored[0] ? "" : ` (${r.scores.pds_entropy >= base ? "+" : ""}${((r.scores.pds_entropy - base) * 100).toFixed(1)} pts)`;
    row.append(el("th", { scope: "row" }, r.mode), el("td", {}, pct(r.scores.pds_entropy) + diff),
      el("td", {}, String(Object.values(r.scores.counts).filter((n) => n > 0).length)),
      el("td", {}, pct(r.scores.sentiment.positive)), el("td", {}, pct(r.scores.sentiment.negative)),
      el("td", {}, r.scores.synthesis ? r.scores.synthesis.retention_min.toFixed(2) : "-"),
      el("td", {}, r.scores.synthesis ? r.scores.synthesis.distinct_drafts.toFixed(1) : "-"));
    table.append(row);
  }
  section.append(table);
}

function savedRuns() {
  try { return JSON.parse(localStorage.getItem(HISTORY_KEY)) || []; } catch { return []; }
}

function renderHistory() {
  const list = $("#history");
  list.replaceChildren();
  for (const run of savedRuns()) {
    const item = el("li");
    const button = el("button", { type: "button" }, `${new Date(run.at).toLocaleString()}: ${run.settings.prompt.slice(0, 80)} [${run.settings.modes.join(", ")}]`);
    button.addEventListener("click", () => { applySettings(run.settings); showRun(run); });
    item.append(button);
    list.append(item);
  }
}

function remember(run) {
  const runs = [run, ...savedRuns()].slice(0, 10);
  try { localStorage.setItem(HISTORY_KEY, JSON.stringify(runs)); } catch { /* storage full: keep going */ }
  renderHistory();
}

function newColumn(mode) {
  const column = $("#column-template").content.firstElementChild.cloneNode(true);
  column.dataset.mode = mode;
  $(".mode-title", column).textContent = mode;
  if (mode !== "mas") $(".answer-title", column).textContent = "Answer";
  else $(".answer-title", column).textContent = "Synthesis";
  $("#results").append(column);
  return column;
}

function showRun(run) {
  $("#results").replaceChildren();
  for (const r of run.results) {
    const column = newColumn(r.mode);
    for (const p of r.perspectives || []) {
      const node = card(column, p.id, p.name);
      node.classList.remove("running");
      node.classList.add(p.status);
      $(".text", node).textContent = p.status === "ok" ? p.content : `failed: ${p.error}`;
      $(".meta", node).textContent = `${p.status} · ${(p.latency_ms / 1000).toFixed(1)} s`;
      renderSources(node, p.citations);
    }
    $(".answer", column).textContent = r.text;
    renderAnalysis($(".analysis", column), r.analysis, namesOf(r.perspectives));
    renderScores($(".scores", column), r.scores);
    markRetention(column, r.scores);
  }
  renderComparison(run.results);
  lastRun = run;
  for (const id of ["#export-md", "#export-json", "#share"]) $(id).disabled = false;
}

function download(name, type, text) {
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

function markdown(run) {
  const lines = [`# ${run.settings.prompt}`, ""];
  if (run.settings.system) lines.push(`System prompt: ${run.settings.system}`, "");
  for (const r of run.results) {
    lines.push(`## ${r.mode}`, "");
    for (const p of r.perspectives || []) lines.push(`### ${p.name}`, "", p.status === "ok" ? p.content : `(failed: ${p.error})`, "");
    lines.push(r.mode === "mas" ? "### Synthesis" : "### Answer", "", r.text, "");
    if (r.scores) lines.push(`PDS entropy: ${pct(r.scores.pds_entropy)}; sentiment: ${pct(r.scores.sentiment.positive)} positive, ${pct(r.scores.sentiment.negative)} negative.`, "");
    const syn = r.scores && r.scores.synthesis;
    if (syn) lines.push(`Against its drafts: ${syn.distinct_drafts.toFixed(1)} distinct drafts; lowest retention ${syn.retention_min.toFixed(2)}.`, "");
  }
  lines.push(`Settings: ${settingsLink(run.settings)}`);
  return lines.join("\n");
}

async function run(event) {
  event.preventDefault();
  const s = settingsFromForm();
  if (!s.prompt) return setStatus("Write a question first.", true);
  if (!s.modes.length) return setStatus("Pick at least one mode.", true);
  if (s.modes.includes("mas") && !s.perspectives.length) return setStatus("Pick at least one perspective.", true);
  localStorage.setItem(KEY_KEY, $("#apikey").value.trim());
  controller = new AbortController();
  $("#run").disabled = true;
  $("#cancel").disabled = false;
  $("#results").replaceChildren();
  $("#comparison").hidden = true;
  setStatus(`Running ${s.modes.join(", ")}...`);
  const columns = s.modes.map(newColumn);
  const outcomes = await Promise.allSettled(s.modes.map((mode, i) => streamMode(mode, columns[i], s, controller.signal)));
  const cancelled = controller.signal.aborted;
  controller = null;
  $("#run").disabled = false;
  $("#cancel").disabled = true;
  const errors = [];
  outcomes.forEach((o, i) => {
    if (o.status === "rejected") {
      const message = cancelled ? "Cancelled." : `Error: ${o.reason.message}`;
      $(".answer", columns[i]).textContent = message;
      if (!cancelled) errors.push(`${s.modes[i]}: ${o.reason.message}`);
    }
  });
  if (cancelled) return setStatus("Cancelled.");
  const results = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value);
  if (errors.length) setStatus(errors.join(" · "), true);
  else setStatus("Done.");
  if (!results.length) return;
  const record = { at: Date.now(), settings: s, results };
  renderComparison(results);
  lastRun = record;
  for (const id of ["#export-md", "#export-json", "#share"]) $(id).disabled = false;
  remember(record);
}

async function start() {
  $("#apikey").value = localStorage.getItem(KEY_KEY) || "";
  $("#large").addEventListener("change", (e) => document.body.classList.toggle("large", e.target.checked));
  $("#ask").addEventListener("submit", run);
  $("#cancel").addEventListener("click", () => controller && controller.abort());
  $("#export-json").addEventListener("click", () => download("multiplex-run.json", "application/json", JSON.stringify(lastRun, null, 2)));
  $("#export-md").addEventListener("click", () => download("multiplex-run.md", "text/markdown", markdown(lastRun)));
  $("#share").addEventListener("click", async () => {
    const link = settingsLink(settingsFromForm());
    window.history.replaceState(null, "", link);
    try { await navigator.clipboard.writeText(link); setStatus("Link copied."); } catch { setStatus(`Link: ${link}`); }
  });
  $("#apikey").addEventListener("change", () => loadPerspectives().catch((e) => setStatus(e.message, true)));
  const fromHash = settingsFromHash();
  try {
    await loadPerspectives(fromHash && fromHash.perspectives);
  } catch (error) {
    setStatus(`Could not load perspectives: ${error.message}`, true);
  }
  if (fromHash) applySettings(fromHash);
  renderHistory();
}

start();
