import { once } from "node:events";
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { headerRecord, type FetchLike, type HttpResponse } from "./fetch.js";

/**
 * The transport under retry and auth: `fetch`'s contract (an `HttpResponse`; network failures as
 * `TypeError("fetch failed")` with the system error as `cause`; redirects returned, never followed) over
 * `node:http`. Global `fetch` keeps its idle keep-alive socket referenced, which held every CLI run open
 * ~80 ms after its last answer; Node's agents unref idle sockets, so the process exits when the work is done
 * while requests of one run still share connections.
 */
const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };

/** Statuses that never carry a body. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

export const httpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
    if (!send) return reject(new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${target.protocol}`) }));
    const method = (init.method ?? "GET").toUpperCase();
    const headers = headerRecord(init.headers);
    const body = requestBody(init.body);
    // Bytes go with their length (registries refuse a chunked blob PUT); no body, no header (Node sends
    // `Content-Length: 0` for a bodiless POST or PUT itself); a stream is sent chunked.
    if (Buffer.isBuffer(body)) headers["content-length"] = String(body.byteLength);
    else if (body) headers["transfer-encoding"] ??= "chunked";
    const request = send(target, { method, headers, agent: agents[target.protocol as keyof typeof agents] }, (answer) => {
      resolve(toResponse(answer, method));
    });
    const failed = (error: Error) => reject(new TypeError("fetch failed", { cause: error }));
    request.on("error", failed);
    init.signal?.addEventListener("abort", () => request.destroy(init.signal?.reason as Error), { once: true });
    if (body instanceof Readable) {
      body.on("error", (error) => request.destroy(error));
      body.pipe(request);
    } else if (body && init.onSent) void writeReporting(request, body, init.onSent).catch(failed);
    else request.end(body);
  });

/** Slices of this size go to the socket one after the other, so progress moves as the network takes them. */
const progressSlice = 1024 * 1024;

async function writeReporting(request: ClientRequest, body: Buffer, onSent: (bytes: number) => void): Promise<void> {
  for (let start = 0; start < body.byteLength; start += progressSlice) {
    const end = Math.min(body.byteLength, start + progressSlice);
    if (!request.write(body.subarray(start, end))) await once(request, "drain");
    onSent(end);
  }
  request.end();
}

function requestBody(body: RequestInit["body"]): Buffer | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import("node:stream/web").ReadableStream);
  throw new TypeError(`unsupported request body: ${Object.prototype.toString.call(body)}`);
}

function toResponse(answer: IncomingMessage, method: string): HttpResponse {
  const status = answer.statusCode ?? 502;
  // Most registry answers (HEAD, 201 Created, 202 Accepted) are empty: no stream to build and tear down.
  if (method === "HEAD" || nullBodyStatuses.has(status) || answer.headers["content-length"] === "0") {
    answer.resume();
    return new NodeResponse(status, answer.headers, null);
  }
  return new NodeResponse(status, answer.headers, answer);
}

/** An answer of `node:http` as the `Response` subset the client reads. */
class NodeResponse implements HttpResponse {
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  private webBody: ReadableStream<Uint8Array> | null | undefined;

  constructor(
    readonly status: number,
    raw: IncomingHttpHeaders,
    private readonly answer: IncomingMessage | null,
  ) {
    this.ok = status >= 200 && status < 300;
    this.headers = {
      get: (name) => {
        const value = raw[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    };
  }

  /** Made on first use: blob downloads read `chunks()` and never pay for it. */
  get body(): ReadableStream<Uint8Array> | null {
    if (this.webBody === undefined) this.webBody = this.answer && (Readable.toWeb(this.answer) as ReadableStream<Uint8Array>);
    return this.webBody;
  }

  async *chunks(): AsyncIterable<Uint8Array> {
    if (this.answer) yield* this.answer as AsyncIterable<Buffer>;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const chunks: Uint8Array[] = [];
    for await (const chunk of this.chunks()) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return Buffer.from(await this.arrayBuffer()).toString("utf8");
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
}
