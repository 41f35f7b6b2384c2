// One renderer per component, used alike by the activities, the handout and the transcript.
import { $, el, pct } from "./dom.js";

export const namesOf = (perspectives) => Object.fromEntries((perspectives || []).map((p) => [p.id, p.name]));

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function failureText(p) {
  const late = p.failure === "timeout" || p.failure === "cancelled_late";
  return `${late ? "late" : "failed"}: ${p.error || p.failure || "no answer"}`;
}

// The passages of a voice's tradition behind its words, each as its source has it; "quoted" when the
// voice's words quote it word for word. Collapsible on screen, a plain list on paper.
export function sources(citations, { collapsible = true } = {}) {
  if (!citations || !citations.length) return null;
  const list = el("ul", { class: "source-list" });
  for (const c of citations) {
    list.append(el("li", {},
      el("span", { class: "source-ref" }, `${c.work}, ${c.locator}`),
      el("span", { class: c.verified ? "source-quoted" : "source-given" }, c.verified ? " · quoted" : " · given"),
      el("blockquote", {}, c.text)));
  }
  if (!collapsible) return el("div", { class: "sources", "data-testid": "sources" }, el("p", { class: "sources-title" }, `Sources (${citations.length})`), list);
  return el("details", { class: "sources", "data-testid": "sources" }, el("summary", {}, `Sources (${citations.length})`), list);
}

// A voice's draft: its tradition's name, how it went, its words and its sources.
export function voice(p, { headingLevel = 4, collapsible = true } = {}) {
  const ok = p.status === "ok";
  const node = el("article", { class: `card ${p.status}`, "data-id": p.id, "aria-label": `${p.name} perspective` });
  const meta = el("span", { class: "meta" }, ok ? `${seconds(p.latency_ms || 0)}` : failureText(p));
  node.append(el(`h${headingLevel}`, {}, p.name, " ", meta));
  node.append(el("div", { class: "text" }, ok ? p.content : ""));
  const cited = ok ? sources(p.citations, { collapsible }) : null;
  if (cited) node.append(cited);
  return node;
}

// Progress per voice while a mas run streams: who is writing, who is done, who failed or is late.
export class Progress {
  constructor(container, { showDrafts = true } = {}) {
    this.container = container;
    this.showDrafts = showDrafts;
    this.voices = new Map();
    this.list = el("ol", { class: "progress", "aria-label": "Voices" });
    this.cards = el("div", { class: "cards" });
    container.append(this.list, this.cards);
  }

  _row(id, name) {
    let v = this.voices.get(id);
    if (!v) {
      const row = el("li", { class: "running", "data-id": id }, el("span", { class: "who" }, name || id), " ", el("span", { class: "state" }, "writing…"));
      this.list.append(row);
      v = { name: name || id, row, words: 0, card: null, text: "" };
      if (this.showDrafts) {
        v.card = el("article", { class: "card running", "data-id": id, "aria-label": `${name || id} perspective` },
          el("h4", {}, name || id, " ", el("span", { class: "meta" }, "writing…")), el("div", { class: "text" }));
        this.cards.append(v.card);
      }
      this.voices.set(id, v);
    }
    return v;
  }

  started(id, name) {
    this._row(id, name);
  }

  delta(id, text) {
    const v = this._row(id);
    v.text += text;
    v.words = v.text.split(/\s+/).filter(Boolean).length;
    $(".state", v.row).textContent = `writing… ${v.words} words`;
    if (v.card) $(".text", v.card).textContent = v.text;
  }

  done(record) {
    const v = this._row(record.id, record.name);
    v.row.className = record.status;
    $(".state", v.row).textContent = record.status === "ok" ? `done in ${seconds(record.latency_ms || 0)}` : failureText(record);
    if (v.card) v.card.replaceWith((v.card = voice(record)));
  }

  counts() {
    const all = [...this.voices.values()];
    const finished = all.filter((v) => v.row.className !== "running").length;
    return { finished, total: all.length };
  }
}

// The answer a client reads, and, when voices are missing, a line that says so.
export function answer(result, { title } = {}) {
  const box = el("section", { class: "answer-box", "aria-label": title || "Answer" });
  box.append(el("h3", {}, title || (result.mode === "mas" ? "Synthesis" : "Answer")));
  if (result.missing && result.missing.length) {
    const names = namesOf(result.perspectives);
    box.append(el("p", { class: "degraded", "data-testid": "degraded" },
      `Not every voice answered: ${result.missing.map((id) => names[id] || id).join(", ")} ${result.missing.length > 1 ? "are" : "is"} missing from this answer.`));
  }
  box.append(el("div", { class: "answer text", "data-testid": "answer-text" }, ...markdown(result.text)));
  return box;
}

// The little Markdown an answer is written in (**bold**, *emphasis*, paragraphs, "- " lists), as
// elements: every piece of its text goes in as text, never as markup.
export function markdown(text) {
  const blocks = String(text || "").split(/\n\s*\n/).map((b) => b.trim()).filter(Boolean);
  return blocks.map((block) => {
    const lines = block.split("\n");
    const items = lines.filter((l) => /^\s*[-*] /.test(l));
    if (items.length && items.length >= lines.length - 1) {
      const lead = lines.length > items.length ? el("p", {}, ...inline(lines[0])) : null;
      const list = el("ul", {}, ...items.map((l) => el("li", {}, ...inline(l.replace(/^\s*[-*] /, "")))));
      return lead ? el("div", {}, lead, list) : list;
    }
    return el("p", {}, ...lines.flatMap((l, i) => (i ? [el("br"), ...inline(l)] : inline(l))));
  });
}

function inline(text) {
  const parts = [];
  const pattern = /\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*/g;
  let at = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > at) parts.push(text.slice(at, m.index));
    parts.push(m[1] !== undefined ? el("strong", {}, m[1]) : el("em", {}, m[2]));
    at = m.index + m[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

export function scores(s) {
  if (!s) return null;
  const box = el("div", { class: "scores" }, el("h3", {}, "Scores"));
  box.append(el("p", { class: "entropy", "data-testid": "entropy" }, pct(s.pds_entropy)));
  box.append(el("p", {}, s.no_references ? "PDS entropy: no cultural reference found"
    : "PDS entropy: how evenly the answer's references spread over the perspectives"));
  const bars = el("div", { class: "bars", role: "list", "aria-label": "References per perspective" });
  for (const [id, count] of Object.entries(s.counts)) {
    const senti = s.sentiment.per_perspective[id];
    const bar = el("span", { class: "bar" });
    bar.style.width = `${Math.max((s.distribution[id] || 0) * 100, 0.5)}%`;
    bars.append(el("span", { role: "listitem" }, id), el("span", {}, bar),
      el("span", { class: senti ? `label-${senti.label}` : "", title: senti ? `${count} references, sentiment ${senti.label}` : "no reference" },
        `${count}${senti ? " " + senti.label : ""}`));
  }
  box.append(bars);
  const t = s.sentiment;
  box.append(el("p", {}, `Sentiment of references: ${pct(t.positive)} positive, ${pct(t.neutral)} neutral, ${pct(t.negative)} negative`));
  if (s.synthesis) {
    const syn = s.synthesis;
    const lowest = Object.entries(syn.retention).sort((a, b) => a[1] - b[1])[0];
    box.append(el("p", { "data-testid": "synthesis" },
      `Against its drafts: ${syn.distinct_drafts.toFixed(1)} distinct drafts of ${Object.keys(syn.retention).length}; ` +
      `lowest retention ${syn.retention_min.toFixed(2)}${lowest ? ` (${lowest[0]})` : ""}` +
      (syn.mentions_process ? "; the answer talks about its own making" : "")));
  }
  return box;
}

// Beside a mas answer: where the voices agree, where they part, what one alone says, who is missing.
export function analysis(a, names) {
  if (!a) return null;
  const name = (id) => names[id] || id;
  const box = el("details", { class: "analysis-box", "data-testid": "analysis", open: true }, el("summary", {}, "Analysis of the drafts"));
  const list = (title, items) => {
    if (!items.length) return;
    box.append(el("h4", {}, title), el("ul", {}, ...items.map((t) => el("li", {}, t))));
  };
  list("Agreements", a.agreements.map((x) => `${x.voices.map(name).join(", ")}: ${x.point}`));
  list("Tensions", a.tensions.map((x) => x.voices.map((v) => `${name(v)}: "${x.sides[v]}"`).join(" / ")));
  list("Only one voice says", a.distinctive.map((x) => `${name(x.voice)}: ${x.point}`));
  list("Not heard", a.missing.map(name));
  if (box.children.length === 1) box.append(el("p", {}, "The drafts share no point closely and part on none."));
  return box;
}

// A data table in a region of its own that scrolls sideways on a narrow screen (the page never
// does), reachable with the keyboard so its hidden columns can be scrolled into view.
export function tableBox(table, label) {
  return el("div", { class: "table-box", role: "region", "aria-label": label, tabindex: "0" }, table);
}

// Which of the question's human viewpoints an answer covers.
export function coverage(viewpoints, scored, label) {
  const v = scored && scored.viewpoints;
  if (!v) return null;
  const box = el("div", { class: "coverage", "data-testid": "coverage" });
  const covered = v.covered.filter(Boolean).length;
  box.append(el("h4", {}, `${label}: covers ${covered} of ${v.covered.length} viewpoints people hold (${pct(v.coverage)})`));
  box.append(el("ul", {}, ...viewpoints.map((vp, i) => el("li", { class: v.covered[i] ? "covered" : "not-covered" },
    v.covered[i] ? "covered: " : "not covered: ", vp.text, vp.stance ? ` (${vp.stance})` : ""))));
  return box;
}

export function comparison(results) {
  const scored = results.filter((r) => r && r.scores);
  if (scored.length < 2) return null;
  const table = el("table", { class: "comparison" }, el("caption", {}, "The modes compared"));
  table.append(el("tr", {}, ...["mode", "PDS entropy", "perspectives referenced", "positive", "negative", "lowest retention", "distinct drafts"].map((h) => el("th", { scope: "col" }, h))));
  const base = scored[0].scores.pds_entropy;
  for (const r of scored) {
    const s = r.scores;
    const diff = r === scored[0] ? "" : ` (${s.pds_entropy >= base ? "+" : ""}${((s.pds_entropy - base) * 100).toFixed(1)} pts)`;
    table.append(el("tr", { "data-mode": r.mode }, el("th", { scope: "row" }, r.mode), el("td", {}, pct(s.pds_entropy) + diff),
      el("td", {}, String(Object.values(s.counts).filter((n) => n > 0).length)),
      el("td", {}, pct(s.sentiment.positive)), el("td", {}, pct(s.sentiment.negative)),
      el("td", {}, s.synthesis ? s.synthesis.retention_min.toFixed(2) : "-"),
      el("td", {}, s.synthesis ? s.synthesis.distinct_drafts.toFixed(1) : "-")));
  }
  return tableBox(table, "The modes compared");
}

// Model output in Markdown stays text: no HTML, no link, no image can come out of it.
export function mdText(text) {
  return String(text || "")
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/([[\]()!`])/g, "\\$1");
}
