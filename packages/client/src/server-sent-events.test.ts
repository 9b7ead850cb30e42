import { expect, test } from "bun:test";
import { serverSentEvents } from "./server-sent-events";

/** A stream that hands over the given chunks one by one, as a network would cut them. */
const streamOf = (chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      controller.close();
    },
  });

async function collect(chunks: string[]) {
  const events = [];
  for await (const event of serverSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

test("messages cut anywhere by the network are read whole: event, numeric id and JSON data", async () => {
  const text = 'retry: 1000\n\nid: 1\nevent: winner\ndata: {"rank":1}\n\nevent: sold-out\ndata: {"redeemed":1}\n\n';
  const whole = await collect([text]);
  expect(whole).toEqual([
    { event: "winner", id: 1, data: { rank: 1 } },
    { event: "sold-out", data: { redeemed: 1 } },
  ]);
  // One byte at a time, and with CRLF line ends, gives the same messages.
  expect(await collect(text.split(""))).toEqual(whole);
  expect(await collect([text.replaceAll("\n", "\r\n")])).toEqual(whole);
});

test("a comment, a reconnect hint and a message without data yield nothing; data lines join with newlines", async () => {
  const events = await collect([
    ": keep-alive\n\nretry: 5000\n\nevent: summary\n\nevent: note\ndata: [1,\ndata: 2]\n\n",
  ]);
  expect(events).toEqual([{ event: "note", data: [1, 2] }]);
});
