// Rate limiting across workers: a token bucket in shared data (updated with compare-and-swap, since other
// workers write it concurrently) refilled by a one-second timer.
import { FilterHeadersStatus, Header, HttpContext, RootContext, WasmResult, getSharedData, registerRootContext, setSharedData } from "as-proxy-wasm";
import { configInt } from "./config";
export * from "as-proxy-wasm/exports";

const BUCKET = "rate-limit.tokens";
const MAX_ATTEMPTS = 8;

function encode(tokens: u32): ArrayBuffer {
  const buffer = new ArrayBuffer(4);
  store<u32>(changetype<usize>(buffer), tokens);
  return buffer;
}

class RateLimitRoot extends RootContext {
  limit: u32 = 100;

  onConfigure(configurationSize: usize): bool {
    this.limit = <u32>configInt(this.getPluginConfigurationString(), "requestsPerSecond", this.limit);
    this.refill();
    this.setTickPeriod(1000);
    return true;
  }

  onTick(): void {
    this.refill();
  }

  refill(): void {
    setSharedData(BUCKET, encode(this.limit));
  }

  /** Takes one token; false when the bucket is empty. Retries when another worker updated it meanwhile. */
  take(): bool {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = getSharedData(BUCKET);
      if (current == null || current.value.byteLength < 4) return true; // no bucket yet: fail open
      const tokens = load<u32>(changetype<usize>(current.value));
      if (tokens == 0) return false;
      if (setSharedData(BUCKET, encode(tokens - 1), current.cas) == WasmResult.Ok) return true;
    }
    return false;
  }

  createHttpContext(contextId: u32): HttpContext | null {
    return new RateLimit(contextId, this);
  }
}

class RateLimit extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    if (changetype<RateLimitRoot>(this.root).take()) return FilterHeadersStatus.Continue;
    this.sendLocalResponse(429, "too many requests\n", [new Header("retry-after", "1")], "rate_limited");
    return FilterHeadersStatus.StopIteration;
  }
}

registerRootContext((contextId: u32): RootContext => new RateLimitRoot(contextId));
