// What was asked and answered in this browser tab: the transcript's and the handout's material.
// Kept in sessionStorage (gone when the tab closes), never sent anywhere.
const STORE = "multiplex.session";

export class Session {
  constructor() {
    try { this.entries = JSON.parse(sessionStorage.getItem(STORE)) || []; } catch { this.entries = []; }
  }

  _save() {
    try { sessionStorage.setItem(STORE, JSON.stringify(this.entries)); } catch { /* full: keep it in memory */ }
  }

  record(ctx, result) {
    this.entries.push({ at: new Date().toISOString(), lesson: ctx.lesson.title, activity: ctx.activity, question: ctx.question.text, kind: "run", result });
    this._save();
  }

  note(ctx, text) {
    if (!text.trim()) return;
    this.entries.push({ at: new Date().toISOString(), lesson: ctx.lesson.title, activity: ctx.activity, question: ctx.question.text, kind: "note", text: text.trim() });
    this._save();
  }

  clear() {
    this.entries = [];
    this._save();
  }

  // The latest multi-voice answer to a question, else the latest answer of any mode.
  latestFor(question) {
    const runs = this.entries.filter((e) => e.kind === "run" && e.question === question).map((e) => e.result);
    return runs.filter((r) => r.mode === "mas").pop() || runs.pop() || null;
  }
}
