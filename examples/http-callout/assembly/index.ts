// An external authorization check: each request waits while an HTTP service decides, then is resumed or
// answered locally.
import { FilterHeadersStatus, Header, HttpContext, RootContext, httpCallResponseHeaders, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class CalloutRoot extends RootContext {
  cluster: string = "auth-service";
  authority: string = "auth.internal";
  path: string = "/check";
  timeoutMs: u32 = 1000;

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    this.cluster = config.getString("cluster", this.cluster);
    this.authority = config.getString("authority", this.authority);
    this.path = config.getString("path", this.path);
    this.timeoutMs = <u32>config.getInt("timeoutMs", this.timeoutMs);
    return config.ok();
  }

  createHttpContext(contextId: u32): Check {
    return new Check(contextId, this);
  }
}

class Check extends HttpContext<CalloutRoot> {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    const headers = [new Header(":method", "GET"), new Header(":path", root.path), new Header(":authority", root.authority)];
    const credentials = this.requestHeaders.get("authorization");
    if (credentials != null) headers.push(new Header("authorization", credentials));
    if (this.httpCall(root.cluster, headers, null, [], root.timeoutMs) == 0) {
      this.sendLocalResponse(503, "authorization service unavailable\n", [], "auth_callout_refused");
    }
    // Paused until onHttpCallResponse resumes the request or answers it.
    return FilterHeadersStatus.StopIteration;
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    // A call that failed or timed out still gets an answer in Envoy: its router's own 503 or 504. A 5xx
    // from the service is "unavailable" (fail closed with 503), not a refusal of these credentials.
    const status = httpCallResponseHeaders.get(":status");
    if (numHeaders == 0 || status == null || status.startsWith("5")) {
      this.sendLocalResponse(503, "authorization service unavailable\n", [], "auth_callout_failed");
      return;
    }
    if (status != "200") {
      this.sendLocalResponse(403, "denied\n", [], "auth_denied");
      return;
    }
    this.requestHeaders.add("x-auth-checked", "true");
    this.continueRequest();
  }
}

registerRootContext((contextId: u32): RootContext => new CalloutRoot(contextId));
