// Server-sent events as the chat completions stream sends them: frames split by a blank line,
// `data: ` lines, `: ping` comments. Pure: tested on its own in the browser (tests/e2e/test_classroom.py::test_the_lesson_and_stream_modules_on_their_own).

// Split what has arrived into whole frames' data and the unfinished rest.
export function parseFrames(buffer) {
  const data = [];
  const text = buffer.replace(/\r\n/g, "\n");
  const frames = text.split("\n\n");
  const rest = frames.pop();
  for (const frame of frames) {
    const lines = frame.split("\n").filter((line) => line.startsWith("data:"));
    if (!lines.length) continue; // comments (": ping") and bare event names
    data.push(lines.map((line) => line.slice(line.startsWith("data: ") ? 6 : 5)).join("\n"));
  }
  return { data, rest };
}

// Each JSON payload of a response's stream, until [DONE].
export async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const { data, rest } = parseFrames(buffer);
    buffer = rest;
    for (const payload of data) {
      if (payload === "[DONE]") return;
      yield JSON.parse(payload);
    }
  }
  const { data } = parseFrames(buffer + "\n\n");
  for (const payload of data) if (payload !== "[DONE]") yield JSON.parse(payload);
}
