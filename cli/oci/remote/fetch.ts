/** The one shape every HTTP layer shares, so retry and auth wrap each other and the global `fetch`. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** A body that can be sent again: retries and auth challenges replay only these. */
export function isRewindable(body: RequestInit["body"]): boolean {
  return body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

/** Bytes as a request body; TypeScript's DOM types refuse views that might sit on a SharedArrayBuffer. */
export function asBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}
