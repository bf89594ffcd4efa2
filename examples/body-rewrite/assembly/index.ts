// Rewrites text in response bodies: holds a text response to its end, replaces every `from` with `to`.
//
// Only what can be held and rewritten safely is: a response that is compressed (any content-encoding but
// identity), a stream (server-sent events and the like), a body over `maxBodyBytes`, the answer to a HEAD
// request and a 204 or 304 pass through exactly as they came. The replacement works on the bytes (the UTF-8
// of `from` and `to`), so a body that is not valid UTF-8 keeps every other byte as it was.
import { FilterDataStatus, FilterHeadersStatus, HttpContext, LogLevel, RootContext, log, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

/**
 * Bodies up to this size are held and rewritten; larger ones pass unchanged. Envoy resets a response whose
 * held body passes the listener's buffer limit, counting the chunk it adds before this filter can release
 * anything: the README's envoy.yaml leaves room for one upstream read (up to 1 MiB) on top of this.
 */
const DEFAULT_MAX_BODY_BYTES: i64 = 256 * 1024;

class RewriteRoot extends RootContext {
  from: ArrayBuffer = new ArrayBuffer(0);
  to: ArrayBuffer = new ArrayBuffer(0);
  maxBodyBytes: i64 = DEFAULT_MAX_BODY_BYTES;

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    const from = config.getString("from", "http://");
    const to = config.getString("to", "https://");
    this.maxBodyBytes = config.getInt("maxBodyBytes", DEFAULT_MAX_BODY_BYTES);
    if (!config.ok()) return false;
    if (from.length == 0 || this.maxBodyBytes <= 0) {
      log(LogLevel.Critical, 'body-rewrite: configuration refused: "from" must not be empty and "maxBodyBytes" must be a positive integer');
      return false;
    }
    this.from = String.UTF8.encode(from);
    this.to = String.UTF8.encode(to);
    return true;
  }

  createHttpContext(contextId: u32): Rewrite {
    return new Rewrite(contextId, this);
  }
}

/** The value of a string of decimal digits, or -1 when it is anything else (or too long). */
function decimal(text: string): i64 {
  if (text.length == 0 || text.length > 18) return -1;
  let value: i64 = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    value = value * 10 + (c - 0x30);
  }
  return value;
}

/** The media type of a content-type value: lowercase, without parameters. */
function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase();
}

/** Text worth rewriting, and not a stream of events that a client reads as it comes. */
function isRewritable(contentType: string | null): bool {
  if (contentType == null) return false;
  const type = mediaType(contentType);
  if (type == "text/event-stream" || type.includes("ndjson") || type.includes("stream") || type.includes("json-seq") || type.includes("jsonl")) return false;
  return type.startsWith("text/") || type.includes("json") || type.includes("xml") || type.includes("javascript");
}

/** The body with every `from` replaced by `to`, or null when `from` does not occur. */
function replaceAll(body: ArrayBuffer, from: ArrayBuffer, to: ArrayBuffer): ArrayBuffer | null {
  const size = body.byteLength;
  const fromSize = from.byteLength;
  const b = changetype<usize>(body);
  const f = changetype<usize>(from);
  const first = load<u8>(f);
  // Positions of the matches, left to right, not overlapping.
  const matches = new Array<i32>();
  let i = 0;
  while (i + fromSize <= size) {
    if (load<u8>(b + i) == first && memory.compare(b + i, f, fromSize) == 0) {
      matches.push(i);
      i += fromSize;
    } else {
      i++;
    }
  }
  if (matches.length == 0) return null;
  const toSize = to.byteLength;
  const out = new ArrayBuffer(size + matches.length * (toSize - fromSize));
  const o = changetype<usize>(out);
  let read = 0;
  let written = 0;
  for (let m = 0; m < matches.length; m++) {
    const at = unchecked(matches[m]);
    memory.copy(o + written, b + read, at - read);
    written += at - read;
    memory.copy(o + written, changetype<usize>(to), toSize);
    written += toSize;
    read = at + fromSize;
  }
  memory.copy(o + written, b + read, size - read);
  return out;
}

class Rewrite extends HttpContext<RewriteRoot> {
  head: bool = false;
  rewrite: bool = false;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.head = this.requestHeaders.get(":method") == "HEAD";
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.rewrite = !endOfStream && !this.head && this.rewritable();
    // The length changes with the body; without the header Envoy sends the new body chunked.
    if (this.rewrite) this.responseHeaders.remove("content-length");
    return FilterHeadersStatus.Continue;
  }

  /** Whether the response has a body this filter may hold and rewrite. */
  rewritable(): bool {
    const status = this.responseHeaders.get(":status");
    if (status == "204" || status == "304") return false;
    // Compressed bytes are no text: decoding them would destroy the body.
    const encoding = this.responseHeaders.get("content-encoding");
    if (encoding != null && encoding.trim().toLowerCase() != "identity" && encoding.trim().length > 0) return false;
    if (!isRewritable(this.responseHeaders.get("content-type"))) return false;
    // A body announced over the cap is not held at all (and keeps its content-length).
    const length = this.responseHeaders.get("content-length");
    if (length != null) {
      const size = decimal(length.trim());
      if (size < 0 || size > this.root.maxBodyBytes) return false;
    }
    return true;
  }

  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatus {
    if (!this.rewrite) return FilterDataStatus.Continue;
    const root = this.root;
    if (<i64>bodySize > root.maxBodyBytes) {
      // Over the cap (a body without content-length): pass what is held and the rest unchanged.
      this.rewrite = false;
      return FilterDataStatus.Continue;
    }
    // Hold every chunk until the last, so a match split across chunks is still found.
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    const body = this.responseBody.get();
    if (body != null) {
      const rewritten = replaceAll(body, root.from, root.to);
      if (rewritten != null) this.responseBody.set(rewritten);
    }
    return FilterDataStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RewriteRoot(contextId));
