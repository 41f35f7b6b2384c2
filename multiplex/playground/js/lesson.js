// A lesson: what a teacher prepares, kept in this browser and carried as a link or a JSON file.
// Nothing in it is about a student. Pure apart from the storage helpers; tested on its own.

export const ACTIVITIES = {
  whose: "Whose voice is this?",
  missing: "What is missing?",
  compare: "Compare the modes",
};
export const MODES = ["baseline", "contextual", "mas"];
export const LIMITS = { questions: 5, question: 2000, title: 200, notes: 4000, viewpoints: 30, viewpoint: 500 };
const STORE = "multiplex.lessons";

export function newLesson() {
  return { v: 1, title: "", questions: [{ text: "", viewpoints: [] }], perspectives: null, modes: ["baseline", "mas"], activity: "whose", notes: "" };
}

function text(value, field, limit, required = false) {
  if (value === undefined || value === null) value = "";
  if (typeof value !== "string") throw new Error(`${field} must be text`);
  const trimmed = value.trim();
  if (required && !trimmed) throw new Error(`${field} is empty`);
  if (trimmed.length > limit) throw new Error(`${field} is longer than ${limit} characters`);
  return trimmed;
}

function viewpoint(raw, where) {
  if (typeof raw === "string") return { text: text(raw, where, LIMITS.viewpoint, true) };
  if (!raw || typeof raw !== "object") throw new Error(`${where} must be text or {text, stance}`);
  const out = { text: text(raw.text, where, LIMITS.viewpoint, true) };
  if (raw.stance !== undefined && raw.stance !== null && raw.stance !== "") out.stance = text(raw.stance, `${where} stance`, 40);
  return out;
}

// A lesson from anything (a file, a link, storage), checked field by field: an Error names the first
// field that is wrong. Unknown fields are dropped.
export function normalise(raw) {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("a lesson is a JSON object");
  if (!Array.isArray(raw.questions) || !raw.questions.length) throw new Error("a lesson needs one to five questions");
  if (raw.questions.length > LIMITS.questions) throw new Error(`a lesson holds at most ${LIMITS.questions} questions`);
  const questions = raw.questions.map((q, i) => {
    const where = `question ${i + 1}`;
    const item = typeof q === "string" ? { text: q } : q;
    if (!item || typeof item !== "object") throw new Error(`${where} must be text or {text, viewpoints}`);
    const views = item.viewpoints ?? [];
    if (!Array.isArray(views)) throw new Error(`${where}: viewpoints must be a list`);
    if (views.length > LIMITS.viewpoints) throw new Error(`${where}: at most ${LIMITS.viewpoints} viewpoints`);
    return { text: text(item.text, where, LIMITS.question, true), viewpoints: views.map((v, j) => viewpoint(v, `${where}, viewpoint ${j + 1}`)) };
  });
  const activity = raw.activity ?? "whose";
  if (!(activity in ACTIVITIES)) throw new Error(`activity must be one of ${Object.keys(ACTIVITIES).join(", ")}`);
  let perspectives = null;
  if (raw.perspectives !== undefined && raw.perspectives !== null) {
    if (!Array.isArray(raw.perspectives) || raw.perspectives.some((p) => typeof p !== "string" || !/^[a-z0-9_-]{1,64}$/.test(p))) {
      throw new Error("perspectives must be a list of perspective ids");
    }
    perspectives = [...new Set(raw.perspectives)];
  }
  const modes = raw.modes === undefined ? ["baseline", "mas"] : raw.modes;
  if (!Array.isArray(modes) || !modes.length || modes.some((m) => !MODES.includes(m))) {
    throw new Error(`modes must be a list drawn from ${MODES.join(", ")}`);
  }
  return {
    v: 1,
    title: text(raw.title, "title", LIMITS.title),
    questions,
    perspectives,
    modes: MODES.filter((m) => modes.includes(m)),
    activity,
    notes: text(raw.notes, "notes", LIMITS.notes),
  };
}

// "+ text" supports the question's claim, "- text" undermines it, plain text has no stance.
export function parseViewpoints(lines) {
  return lines.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const m = /^([+\-−])\s*(.+)$/.exec(line);
    if (!m) return { text: line };
    return { text: m[2].trim(), stance: m[1] === "+" ? "support" : "undermine" };
  });
}

export function formatViewpoints(viewpoints) {
  return viewpoints.map((v) => (v.stance === "support" ? "+ " : v.stance === "undermine" ? "- " : "") + v.text).join("\n");
}

function toBase64Url(textValue) {
  const bytes = new TextEncoder().encode(textValue);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(value) {
  const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

export function encode(lesson) {
  return toBase64Url(JSON.stringify(normalise(lesson)));
}

export function decode(value) {
  let raw;
  try {
    raw = JSON.parse(fromBase64Url(value));
  } catch {
    throw new Error("this lesson link is damaged (it does not decode)");
  }
  return normalise(raw);
}

export function linkFor(lesson, base) {
  return `${base}#lesson=${encode(lesson)}`;
}

// The lesson a page address carries, or null; an Error when it carries a damaged one.
export function fromHash(hashValue) {
  const params = new URLSearchParams((hashValue || "").replace(/^#/, ""));
  const value = params.get("lesson");
  return value ? decode(value) : null;
}

export function fromFile(textValue) {
  let raw;
  try {
    raw = JSON.parse(textValue);
  } catch {
    throw new Error("this file is not a lesson (it is not JSON)");
  }
  return normalise(raw.lesson ?? raw);
}

export function toFile(lesson) {
  return JSON.stringify({ multiplex_lesson: 1, lesson: normalise(lesson) }, null, 2);
}

export function savedLessons() {
  try {
    const all = JSON.parse(localStorage.getItem(STORE)) || {};
    return Object.fromEntries(Object.entries(all).flatMap(([name, l]) => {
      try { return [[name, normalise(l)]]; } catch { return []; }
    }));
  } catch {
    return {};
  }
}

export function saveLesson(lesson) {
  const all = savedLessons();
  const name = lesson.title || lesson.questions[0].text.slice(0, 60);
  all[name] = normalise(lesson);
  localStorage.setItem(STORE, JSON.stringify(all));
  return name;
}

export function deleteLesson(name) {
  const all = savedLessons();
  delete all[name];
  localStorage.setItem(STORE, JSON.stringify(all));
}
