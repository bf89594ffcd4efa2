// The smallest filter: logs each request and lets it through. Your logic goes in onRequestHeaders.
import { FilterHeadersStatus, HttpContext, LogLevel, RootContext, log, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class Minimal extends HttpContext {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    log(LogLevel.Info, "minimal: request with " + numHeaders.toString() + " headers");
    return FilterHeadersStatus.Continue;
  }
}

class MinimalRoot extends RootContext {
  createHttpContext(contextId: u32): HttpContext {
    return new Minimal(contextId, this);
  }
}

registerRootContext((contextId: u32): RootContext => new MinimalRoot(contextId));
