import { connect, constants, createServer, type ClientHttp2Stream, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import type { HeaderList } from "../../host/index.js";
import { UsageError } from "../errors.js";

/**
 * Loopback HTTP/2 (cleartext) peers around Envoy for `run --envoy`: HTTP/2 on both sides keeps header case,
 * order, pseudo-headers and trailers as the scenario wrote them, where HTTP/1.1 would need Envoy's trailer
 * options and would fold the request line.
 */

export interface RecordedMessage {
  headers: HeaderList;
  body: Buffer;
  trailers: HeaderList;
  /** The stream ended cleanly (END_STREAM); false when it was reset or is still open. */
  complete: boolean;
}

export interface Answer {
  headers: HeaderList;
  body?: Buffer;
  trailers?: HeaderList;
}

/** What a server does with one stream once the request has fully arrived. */
export type Responder = (request: RecordedMessage) => Answer | "reset" | "hang";

export interface LoopbackServer {
  port: number;
  /** Every request stream it saw, as far as it arrived. */
  received: RecordedMessage[];
  close(): Promise<void>;
}

export async function startH2Server(respond: Responder): Promise<LoopbackServer> {
  const received: RecordedMessage[] = [];
  const server: Http2Server = createServer();
  const streams = new Set<ServerHttp2Stream>();
  server.on("stream", (stream: ServerHttp2Stream, _headers: IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    streams.add(stream);
    stream.on("close", () => streams.delete(stream));
    const message: RecordedMessage = { headers: pairs(rawHeaders), body: Buffer.alloc(0), trailers: [], complete: false };
    received.push(message);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("trailers", (_t: IncomingHttpHeaders, _f: number, raw?: string[]) => (message.trailers = pairs(raw ?? [])));
    stream.on("error", () => undefined);
    stream.on("end", () => {
      message.body = Buffer.concat(chunks);
      message.complete = true;
      const answer = respond(message);
      if (answer === "hang") return;
      if (answer === "reset") return stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      writeMessage((headers, options) => {
        stream.respond(headers, options);
        return stream;
      }, answer);
    });
    // A request reset before its end is recorded as far as it came.
    stream.on("close", () => {
      if (!message.complete) message.body = Buffer.concat(chunks);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const stream of streams) stream.close(constants.NGHTTP2_CANCEL);
        server.close(() => resolve());
      }),
  };
}

export interface ClientResult {
  /** Response headers and body as far as they arrived. */
  response: RecordedMessage;
  /** The stream was reset before the response ended (an error code from Envoy, or a closed connection). */
  reset: boolean;
}

/** Sends one request to `port` and collects the response, however it ends. */
export async function sendH2Request(port: number, request: Answer, timeoutMs: number): Promise<ClientResult> {
  const session = connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  try {
    return await new Promise<ClientResult>((resolve, reject) => {
      const response: RecordedMessage = { headers: [], body: Buffer.alloc(0), trailers: [], complete: false };
      const chunks: Buffer[] = [];
      let finished = false;
      const finish = (reset: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        response.body = Buffer.concat(chunks);
        response.complete = !reset;
        resolve({ response, reset });
      };
      let stream: ClientHttp2Stream;
      try {
        stream = writeMessage((headers, options) => session.request(headers, options), request);
      } catch (error) {
        // Node's HTTP/2 client refuses some requests outright (e.g. a repeated authorization header).
        return reject(new UsageError(`the scenario's request cannot be sent over HTTP/2: ${(error as Error).message}`));
      }
      const timer = setTimeout(() => finish(true), timeoutMs);
      stream.on("response", (_h: IncomingHttpHeaders, _f: number, raw: string[]) => (response.headers = pairs(raw)));
      stream.on("trailers", (_t, _f, raw?: string[]) => (response.trailers = pairs(raw ?? [])));
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", () => undefined);
      stream.on("close", () => finish(stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR));
    });
  } finally {
    // A stream Envoy never ended (a filter that pauses for good) would keep close() waiting: destroy instead.
    session.destroy();
  }
}

type Stream = ServerHttp2Stream | ClientHttp2Stream;

/**
 * Opens a stream with `open` (respond or request) and sends the message: headers, the body, then trailers.
 * Header names and values go as given (duplicates as repeated fields, in order).
 */
function writeMessage<S extends Stream>(
  open: (headers: Record<string, string | string[]>, options: { endStream: boolean; waitForTrailers: boolean }) => S,
  message: Answer,
): S {
  const trailers = message.trailers ?? [];
  const body = message.body ?? Buffer.alloc(0);
  const stream = open(headerObject(message.headers), { endStream: body.length === 0 && trailers.length === 0, waitForTrailers: trailers.length > 0 });
  if (trailers.length > 0) stream.on("wantTrailers", () => stream.sendTrailers(headerObject(trailers)));
  if (body.length > 0 || trailers.length > 0) stream.end(body);
  return stream;
}

function headerObject(headers: HeaderList): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const previous = out[name];
    out[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
}

function pairs(raw: string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
