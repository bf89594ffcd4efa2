import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import type { FetchLike } from "./fetch.js";

/**
 * The transport under retry and auth: `fetch`'s contract (a `Response`; network failures as
 * `TypeError("fetch failed")` with the system error as `cause`; redirects returned, never followed) over
 * `node:http`. Global `fetch` keeps its idle keep-alive socket referenced, which held every CLI run open
 * ~80 ms after its last answer; Node's agents unref idle sockets, so the process exits when the work is done
 * while requests of one run still share connections.
 */
const agents = { "http:": new HttpAgent({ keepAlive: true }), "https:": new HttpsAgent({ keepAlive: true }) };

/** Statuses whose `Response` must have no body, and HEAD answers, which never carry one. */
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

export const httpFetch: FetchLike = (url, init) =>
  new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : target.protocol === "http:" ? httpRequest : undefined;
    if (!send) return reject(new TypeError("fetch failed", { cause: new Error(`unsupported protocol ${target.protocol}`) }));
    const method = (init.method ?? "GET").toUpperCase();
    const headers = Object.fromEntries(new Headers(init.headers));
    const body = requestBody(init.body);
    if (body && !Buffer.isBuffer(body)) headers["transfer-encoding"] ??= "chunked";
    else headers["content-length"] = String(body?.byteLength ?? 0);
    const request = send(target, { method, headers, agent: agents[target.protocol as keyof typeof agents] }, (answer) => {
      resolve(toResponse(answer, method));
    });
    const failed = (error: Error) => reject(new TypeError("fetch failed", { cause: error }));
    request.on("error", failed);
    init.signal?.addEventListener("abort", () => request.destroy(init.signal?.reason as Error), { once: true });
    if (body instanceof Readable) {
      body.on("error", (error) => request.destroy(error));
      body.pipe(request);
    } else request.end(body);
  });

function requestBody(body: RequestInit["body"]): Buffer | Readable | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (body instanceof URLSearchParams) return Buffer.from(body.toString());
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import("node:stream/web").ReadableStream);
  throw new TypeError(`unsupported request body: ${Object.prototype.toString.call(body)}`);
}

function toResponse(answer: IncomingMessage, method: string): Response {
  const status = answer.statusCode ?? 502;
  const headers = new Headers();
  for (let i = 0; i < answer.rawHeaders.length; i += 2) headers.append(answer.rawHeaders[i], answer.rawHeaders[i + 1]);
  if (method === "HEAD" || nullBodyStatuses.has(status)) {
    answer.resume();
    return new Response(null, { status, statusText: answer.statusMessage, headers });
  }
  return new Response(Readable.toWeb(answer) as ReadableStream<Uint8Array>, { status, statusText: answer.statusMessage, headers });
}
