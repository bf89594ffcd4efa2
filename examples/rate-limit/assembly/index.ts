// Rate limiting across workers: one token bucket in the proxy's shared data, which every VM with the same
// vm_id (each Envoy worker thread, and a VM that restarts) reads and updates with compare-and-swap.
//
// The bucket is Envoy's local_ratelimit model with max_tokens = tokens_per_fill = the limit: it holds at most
// `limit` tokens, and each full interval (a second or a minute) since its last fill fills it up again. The
// fill is computed from the clock by whichever request comes first, never by a VM's timer or configuration,
// so workers that start at different times, or a VM that restarts, do not reset it: the budget stays the
// limit per interval over all workers.
//
// With a "key" (a request header, or the client address) each key draws from its own bucket. The key is
// hashed (FNV-1a) into a fixed number of buckets, so what clients send cannot grow shared data: colliding
// keys share a budget. Requests without the key share one bucket of their own.
import {
  FilterHeadersStatus, Header, HttpContext, JsonObject, LogLevel, RootContext, WasmResult, getCurrentTimeNanoseconds, getPropertyString,
  getSharedData, log, registerRootContext, setSharedData,
} from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

const BUCKET = "rate-limit.bucket";
/** With a key: the bucket of requests without one; the hashed buckets are BUCKET + "." + index. */
const NO_KEY_BUCKET = "rate-limit.bucket.no-key";
const DEFAULT_BUCKETS = 1024;
const MAX_BUCKETS: i64 = 65536;
/** Bytes of a bucket: u64 start of the current interval (ns since the epoch), u32 tokens left, u32 unused. */
const BUCKET_SIZE = 16;
/** Compare-and-swap attempts before a request gives up (and is refused): other workers won every time. */
const MAX_ATTEMPTS = 64;
const SECOND: u64 = 1_000_000_000;
const MAX_LIMIT: i64 = 1_000_000_000;

function encode(start: u64, tokens: u32): ArrayBuffer {
  const buffer = new ArrayBuffer(BUCKET_SIZE);
  store<u64>(changetype<usize>(buffer), start);
  store<u32>(changetype<usize>(buffer), tokens, 8);
  return buffer;
}

/**
 * The value of `key` when it is a positive integer (at most MAX_LIMIT); 0 when the key is present with any
 * other value (0, negative, fraction, exponent, string…); -1 when the key is absent.
 */
function positiveInt(config: JsonObject, key: string): i64 {
  const value = config.get(key);
  if (!value) return -1;
  if (!value.isInteger()) return 0;
  const n = value.asInt();
  return n > 0 && n <= MAX_LIMIT ? n : 0;
}

/** FNV-1a (32-bit) over the key's UTF-16 code units: spreads keys over the buckets, no allocation. */
function fnv1a(key: string): u32 {
  let hash: u32 = 2166136261;
  for (let i = 0; i < key.length; i++) {
    hash ^= <u32>key.charCodeAt(i);
    hash *= 16777619;
  }
  return hash;
}

/** `source.address` without its port: "10.0.0.1:5678" → "10.0.0.1", "[::1]:5678" → "[::1]"; null when unknown. */
function clientAddress(): string | null {
  const address = getPropertyString(["source", "address"]);
  if (address == null || address.length == 0) return null;
  const colon = address.lastIndexOf(":");
  // A bare IPv6 address (several colons, no brackets) has no port to cut.
  if (colon > 0 && (address.charCodeAt(0) == 91 /* [ */ || address.indexOf(":") == colon)) return address.substring(0, colon);
  return address;
}

/** Header names are ASCII and Envoy hands them over lower-case (String#toLowerCase pulls in Unicode tables). */
function asciiLower(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    out += String.fromCharCode(c >= 65 && c <= 90 ? c + 32 : c);
  }
  return out;
}

const KEY_ERROR =
  'rate-limit: configuration refused: "key" must be "remote-address" or {"header": "<name>"}, e.g. {"requestsPerSecond": 10, "key": {"header": "x-api-key"}}';

class RateLimitRoot extends RootContext {
  limit: u32 = 0;
  /** The fill interval in ns: a second or a minute. */
  interval: u64 = SECOND;
  /** Set by take(): ns until the bucket fills again. */
  untilFill: u64 = 0;
  /** Whether requests are keyed; the key is `keyHeader`'s value, or the client address when that is "". */
  keyed: bool = false;
  keyHeader: string = "";
  buckets: u32 = DEFAULT_BUCKETS;

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    const perSecond = positiveInt(config, "requestsPerSecond");
    const perMinute = positiveInt(config, "requestsPerMinute");
    if (perSecond == 0 || perMinute == 0 || (perSecond < 0) == (perMinute < 0)) {
      log(
        LogLevel.Critical,
        'rate-limit: configuration refused: it needs exactly one of "requestsPerSecond" or "requestsPerMinute", a positive integer, e.g. {"requestsPerSecond": 100}',
      );
      return false;
    }
    if (!this.configureKey(config)) return false;
    this.limit = <u32>(perSecond > 0 ? perSecond : perMinute);
    this.interval = perSecond > 0 ? SECOND : 60 * SECOND;
    // Keyed buckets are created by the first request with their key (take() starts a missing bucket full).
    if (this.keyed) return true;
    // A full bucket for the first VM only: another worker, a VM that restarts or a reconfiguration finds
    // the bucket there and leaves it as it is (a later worker resetting it multiplied the budget).
    if (getSharedData(BUCKET) == null) setSharedData(BUCKET, encode(getCurrentTimeNanoseconds(), this.limit));
    return true;
  }

  /** Reads "key" and "buckets"; false (after logging why) when either is unusable. */
  configureKey(config: JsonObject): bool {
    const key = config.get("key");
    this.keyed = key != null;
    this.keyHeader = "";
    if (key) {
      const object = key.asObject();
      if (object) {
        const name = object.get("header");
        const header = name ? name.asString() : "";
        if (header.length == 0) {
          log(LogLevel.Critical, KEY_ERROR);
          return false;
        }
        this.keyHeader = asciiLower(header);
      } else if (key.asString() != "remote-address") {
        log(LogLevel.Critical, KEY_ERROR);
        return false;
      }
    }
    const buckets = config.get("buckets");
    if (buckets) {
      const n = buckets.isInteger() ? buckets.asInt() : 0;
      if (n < 1 || n > MAX_BUCKETS) {
        log(LogLevel.Critical, 'rate-limit: configuration refused: "buckets" must be an integer from 1 to 65536, e.g. 1024');
        return false;
      }
      this.buckets = <u32>n;
    } else {
      this.buckets = DEFAULT_BUCKETS;
    }
    return true;
  }

  /** The shared-data key of the bucket this request draws from. */
  bucketFor(context: RateLimit): string {
    if (!this.keyed) return BUCKET;
    const key = this.keyHeader.length > 0 ? context.requestHeaders.get(this.keyHeader) : clientAddress();
    if (key == null || key.length == 0) return NO_KEY_BUCKET;
    return BUCKET + "." + (fnv1a(key) % this.buckets).toString();
  }

  /**
   * Takes one token from bucket `name`: the tokens left after it, or -1 when the bucket is empty (or other workers won the
   * compare-and-swap MAX_ATTEMPTS times in a row). Sets `untilFill`.
   */
  take(name: string): i64 {
    const now = getCurrentTimeNanoseconds();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = getSharedData(name);
      if (current == null || current.value.byteLength < BUCKET_SIZE) {
        // No bucket (shared data written by something else?): start a full one, then take from it.
        setSharedData(name, encode(now, this.limit), current == null ? 0 : current.cas);
        continue;
      }
      const bucket = changetype<usize>(current.value);
      let start = load<u64>(bucket);
      let tokens = min(load<u32>(bucket, 8), this.limit); // a lower limit configured since applies at once
      if (now < start) {
        // The wall clock went back: the current interval starts now (written even when no token is left,
        // else the bucket would wait for the old time to come again).
        start = now;
        if (tokens == 0) setSharedData(name, encode(start, 0), current.cas);
      } else if (now - start >= this.interval) {
        start += (now - start) / this.interval * this.interval;
        tokens = this.limit;
      }
      this.untilFill = start + this.interval - now;
      if (tokens == 0) return -1;
      if (setSharedData(name, encode(start, tokens - 1), current.cas) == WasmResult.Ok) return tokens - 1;
      // CAS_MISMATCH: another worker updated the bucket since we read it; read it again.
    }
    log(LogLevel.Warn, "rate-limit: the shared bucket kept changing under this request; refused it");
    return -1;
  }

  createHttpContext(contextId: u32): RateLimit {
    return new RateLimit(contextId, this);
  }
}

class RateLimit extends HttpContext<RateLimitRoot> {
  remaining: i64 = -1;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    this.remaining = root.take(root.bucketFor(this));
    if (this.remaining >= 0) return FilterHeadersStatus.Continue;
    const retryAfter = max<u64>(1, (root.untilFill + SECOND - 1) / SECOND);
    this.sendLocalResponse(
      429,
      "too many requests\n",
      [new Header("retry-after", retryAfter.toString()), new Header("x-ratelimit-limit", root.limit.toString()), new Header("x-ratelimit-remaining", "0")],
      "rate_limited",
    );
    return FilterHeadersStatus.StopIteration;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    // An allowed request's answer says what is left of the budget (the 429 carries its own).
    if (this.remaining >= 0) {
      this.responseHeaders.replace("x-ratelimit-limit", this.root.limit.toString());
      this.responseHeaders.replace("x-ratelimit-remaining", this.remaining.toString());
    }
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext((contextId: u32): RootContext => new RateLimitRoot(contextId));
