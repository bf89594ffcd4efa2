/**
 * What the OCI client reads of an HTTP answer: the part of `Response` that `httpFetch` builds over `node:http`
 * without touching the global `Response`/`Headers`, whose first use loads all of undici (~35 ms of every
 * command). A `Response` is one, so the global `fetch` still fits.
 */
export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
  /** The body as it arrives, without a web stream between (a third of a 64 MB download's time); absent on `Response`. */
  chunks?(): AsyncIterable<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** `RequestInit` and what `httpFetch` adds; `fetch` ignores the addition. */
export interface HttpRequestInit extends RequestInit {
  /** Reports the request body's bytes handed to the network so far: progress of a one-request upload. */
  onSent?: (bytes: number) => void;
}

/** The one shape every HTTP layer shares, so retry and auth wrap each other and `httpFetch` (or `fetch`). */
export type FetchLike = (url: string, init: HttpRequestInit) => Promise<HttpResponse>;

/** Request headers as a lower-cased record, from any `HeadersInit`, without constructing a `Headers`. */
export function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  if (!headers) return {};
  const entries = Array.isArray(headers)
    ? headers
    : typeof (headers as Headers).entries === "function"
      ? [...(headers as Headers).entries()]
      : Object.entries(headers);
  return Object.fromEntries(entries.map(([name, value]) => [name.toLowerCase(), value]));
}

/** A body that can be sent again: retries and auth challenges replay only these. */
export function isRewindable(body: RequestInit["body"]): boolean {
  return body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

/** Bytes as a request body; TypeScript's DOM types refuse views that might sit on a SharedArrayBuffer. */
export function asBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}
