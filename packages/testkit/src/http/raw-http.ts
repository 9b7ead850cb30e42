import { connect } from "node:net";
import type { BadRequest } from "../bad-input/bad-input";

/**
 * HTTP over a bare TCP socket, for what fetch will not send: no Host header, an empty
 * or malformed one, HTTP/1.0. The answer is read until the server closes the
 * connection (the request says `Connection: close`). The socket is not half-closed
 * first: Bun takes that as the client going away and drops a slow answer.
 */
export function sendRaw(baseUrl: string, text: string): Promise<Response> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(text));
    const finish = () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    };
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      // An event stream never ends: its head is the answer.
      const seen = Buffer.concat(chunks).toString("latin1");
      if (seen.includes("\r\n\r\n") && /^content-type: text\/event-stream/im.test(seen)) socket.destroy();
    });
    socket.on("error", reject);
    socket.on("close", finish);
  });
}

/** The request's text with `host` as its Host header (none when undefined), over `version`. */
export function rawRequestText(request: BadRequest, host: string | undefined, version = "HTTP/1.1"): string {
  const body = request.body ?? "";
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`);
  if (host !== undefined) headers.unshift(`host: ${host}`);
  headers.push("connection: close");
  if (request.body !== undefined) headers.push(`content-length: ${Buffer.byteLength(body)}`);
  return `${request.method} ${request.path} ${version}\r\n${headers.join("\r\n")}\r\n\r\n${body}`;
}

function parseAnswer(raw: Buffer): Response {
  const split = raw.indexOf("\r\n\r\n");
  if (split < 0) throw new Error(`no complete answer: ${raw.toString("latin1").slice(0, 200)}`);
  const [statusLine = "", ...lines] = raw.subarray(0, split).toString("latin1").split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(split + 4);
  if (headers.get("transfer-encoding")?.includes("chunked")) body = unchunk(body);
  headers.delete("transfer-encoding");
  return new Response(status === 204 || status === 304 ? null : new Uint8Array(body), { status, headers });
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    const size = Number.parseInt(body.subarray(at, lineEnd).toString("latin1"), 16);
    if (!(size > 0)) return Buffer.concat(parts);
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
