/**
 * Registry and content errors, layered like oras-go: `RegistryError` is what a registry answered (method,
 * URL, status, error codes); `ContentError` is content that failed verification. Both name what failed
 * and never carry credentials.
 */
import type { HttpResponse } from "./remote/fetch.js";

/** One entry of the distribution spec's error body: `{ errors: [{ code, message, detail }] }`. */
export interface RegistryErrorCode {
  code: string;
  message?: string;
}

/** Error bodies are capped: a misbehaving server must not fill memory or the terminal (oras: 8 KiB). */
export const maxErrorBody = 8 * 1024;

export class RegistryError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly codes: RegistryErrorCode[] = [],
  ) {
    super(`${method} "${url}": response status code ${status}: ${describeCodes(status, codes)}`);
    this.name = "RegistryError";
  }

  hasCode(code: string): boolean {
    return this.codes.some((c) => c.code === code);
  }
}

function describeCodes(status: number, codes: RegistryErrorCode[]): string {
  if (codes.length === 0) return statusText(status);
  return codes.map((c) => (c.message ? `${c.code.toLowerCase().replaceAll("_", " ")}: ${c.message}` : c.code.toLowerCase())).join("; ");
}

function statusText(status: number): string {
  const known: Record<number, string> = { 401: "unauthorized", 403: "denied", 404: "not found", 429: "too many requests" };
  return known[status] ?? (status >= 500 ? "server error" : "unexpected response");
}

/** Reads a registry's error body (capped) into a RegistryError. */
export async function registryError(method: string, url: string, response: HttpResponse): Promise<RegistryError> {
  let codes: RegistryErrorCode[] = [];
  if (method !== "HEAD") {
    const text = await readCapped(response);
    try {
      const parsed = JSON.parse(text) as { errors?: RegistryErrorCode[] };
      if (Array.isArray(parsed.errors)) codes = parsed.errors.filter((e) => typeof e?.code === "string");
    } catch {
      // not a distribution error body: the status says enough
    }
  } else {
    await response.body?.cancel();
  }
  return new RegistryError(method, url, response.status, codes);
}

async function readCapped(response: HttpResponse): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < maxErrorBody) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.byteLength;
  }
  await reader.cancel();
  return Buffer.concat(chunks).subarray(0, maxErrorBody).toString("utf8");
}

/** Content whose bytes do not match its descriptor (oras-go `content.ErrMismatchedDigest` / size). */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentError";
  }
}

/** A reference, tag or blob that does not exist in a store. */
export class NotFoundError extends Error {
  constructor(readonly what: string) {
    super(`${what}: not found`);
    this.name = "NotFoundError";
  }
}

/**
 * Input the OCI client cannot use (a reference that does not parse, a module that is not WebAssembly, a bad
 * SOURCE_DATE_EPOCH); `fix` says what would work. The CLI reports it as a usage error.
 */
export class OciInputError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = "OciInputError";
  }
}

/** A docker config.json or credential helper that cannot give or keep a login; `fix` says what would. */
export class CredentialsError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = "CredentialsError";
  }
}

/** Errors this library raises for the user to act on: passed through as they are, never re-worded. */
export function isOciUserError(error: unknown): error is OciInputError | CredentialsError {
  return error instanceof OciInputError || error instanceof CredentialsError;
}
