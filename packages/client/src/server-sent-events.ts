/** One parsed message of a Server-Sent Events stream: its event name, its id (a number here) and its JSON data. */
export interface ServerSentEvent {
  event: string;
  id?: number;
  data: unknown;
}

/** Reads one message's `field: value` lines; `retry:` (the reconnect hint) is the transport's business. */
function parse(block: string): ServerSentEvent | undefined {
  const fields = new Map<string, string>();
  for (const line of block.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue; // a comment (": ...") or a bare field name: nothing to read
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, "");
    fields.set(name, name === "data" && fields.has("data") ? `${fields.get("data")}\n${value}` : value);
  }
  const event = fields.get("event");
  const data = fields.get("data");
  if (event === undefined || data === undefined) return undefined;
  const id = fields.get("id");
  return { event, ...(id === undefined ? {} : { id: Number(id) }), data: JSON.parse(data) };
}

/** The stream's messages, as each arrives; stops when the stream ends or its request's signal aborts. */
export async function* serverSentEvents(stream: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true }).replaceAll("\r\n", "\n");
      let end = buffered.indexOf("\n\n");
      while (end !== -1) {
        const message = parse(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
        if (message) yield message;
        end = buffered.indexOf("\n\n");
      }
    }
  } finally {
    reader.releaseLock();
  }
}
