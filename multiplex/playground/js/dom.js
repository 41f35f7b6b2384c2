// Small DOM helpers. Every piece of text from a model, a question or a lesson file goes through
// textContent (here: `el`'s text argument), never innerHTML: it is always text, never markup.

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

export function pct(x) {
  return `${(x * 100).toFixed(1)}%`;
}

let shown = 0;  // status messages shown so far

// How many status messages have been shown: a slow task that started at one count says nothing
// once the count has moved on, so a late reply never covers a newer message.
export function statusCount() {
  return shown;
}

// The status line, a polite live region: screen readers hear progress without losing their place.
export function setStatus(text, isError = false) {
  shown += 1;
  const status = $("#status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

export function download(name, type, text) {
  const link = el("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
}

export function shuffled(items, seed) {
  // A deterministic shuffle (mulberry32): the same lesson and question give the same order on every
  // screen of the class, and the order never matches the roster's.
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  if (out.length > 1 && out.every((x, i) => x === items[i])) out.push(out.shift());
  return out;
}

export function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// Resolves when the button is pressed; rejects when the activity is cancelled first.
export function pressed(button, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException("cancelled", "AbortError"));
    signal.addEventListener("abort", () => reject(new DOMException("cancelled", "AbortError")), { once: true });
    button.addEventListener("click", resolve, { once: true });
  });
}
