// An external authorization check: each request waits while an HTTP service decides, then is resumed or
// answered locally. Like Envoy's ext_authz HTTP service and Traefik's forwardAuth, the check carries the
// original method, path and host as x-forwarded-* headers.
import {
  FilterHeadersStatus, Header, HttpContext, LogLevel, RootContext, httpCallResponseBody, httpCallResponseHeaders, log,
  lowerAscii, registerRootContext,
} from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class CalloutRoot extends RootContext {
  cluster: string = "auth-service";
  authority: string = "auth.internal";
  path: string = "/check";
  timeoutMs: u32 = 1000;
  failOpen: bool = false;
  /** Client request headers copied onto the check (every value of a repeated one). */
  headers: string[] = ["authorization"];
  /** Headers of an allowing answer copied onto the upstream request; a client never sets them itself. */
  upstreamHeaders: string[] = [];

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    this.cluster = config.getString("cluster", this.cluster);
    this.authority = config.getString("authority", this.authority);
    this.path = config.getString("path", this.path);
    this.timeoutMs = <u32>config.getInt("timeoutMs", this.timeoutMs);
    this.failOpen = config.getBool("failOpen", this.failOpen);
    this.headers = lowercase(config.getStrings("headers", this.headers));
    this.upstreamHeaders = lowercase(config.getStrings("upstreamHeaders", this.upstreamHeaders));
    return config.ok();
  }

  createHttpContext(contextId: u32): Check {
    return new Check(contextId, this);
  }
}

/** Header names as Envoy's maps hold them (ASCII: String#toLowerCase's Unicode tables would add 8 KB to the module). */
function lowercase(names: string[]): string[] {
  return names.map<string>((name: string) => lowerAscii(name));
}

/** Whether `value` would split a header (CR, LF or NUL): such an answer is refused, never forwarded. */
function unsafeHeaderValue(value: string): bool {
  return value.includes("\r") || value.includes("\n") || value.includes("\0");
}

class Check extends HttpContext<CalloutRoot> {
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const root = this.root;
    if (this.httpCall(root.cluster, this.checkHeaders(), null, [], root.timeoutMs) == 0) {
      return this.unavailable("the call to cluster \"" + root.cluster + "\" was refused", "auth_callout_refused")
        ? FilterHeadersStatus.Continue
        : FilterHeadersStatus.StopIteration;
    }
    // Paused until onHttpCallResponse resumes the request or answers it.
    return FilterHeadersStatus.StopIteration;
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    // A call that failed or timed out still gets an answer in Envoy: its router's own 503 or 504. A 5xx
    // from the service is "unavailable", not a refusal of these credentials.
    const status = httpCallResponseHeaders.get(":status");
    const code = status == null ? 0 : I32.parseInt(status);
    if (numHeaders == 0 || code < 100 || code >= 500) {
      if (this.unavailable("the service answered " + (status == null ? "nothing" : status), "auth_callout_failed")) this.continueRequest();
      return;
    }
    if (code < 200 || code >= 300) {
      // A denial: the client gets the service's own status and body (e.g. 401 with its explanation).
      this.sendLocalResponse(<u32>code, httpCallResponseBody.getText(), [], "auth_denied");
      return;
    }
    const answer = httpCallResponseHeaders.getAll();
    for (let i = 0; i < answer.length; i++) {
      if (this.root.upstreamHeaders.includes(answer[i].name) && unsafeHeaderValue(answer[i].value)) {
        if (this.unavailable("its " + answer[i].name + " header has CR, LF or NUL", "auth_bad_header")) this.continueRequest();
        return;
      }
    }
    this.dropUpstreamHeaders();
    for (let i = 0; i < answer.length; i++) {
      if (this.root.upstreamHeaders.includes(answer[i].name)) this.requestHeaders.add(answer[i].name, answer[i].value);
    }
    this.requestHeaders.add("x-auth-checked", "true");
    this.continueRequest();
  }

  /** The check request: the original method, path and host, and the configured client headers. */
  private checkHeaders(): Header[] {
    const root = this.root;
    const headers = [
      new Header(":method", "GET"), new Header(":path", root.path), new Header(":authority", root.authority),
      new Header("x-forwarded-method", this.requestHeaders.get(":method") || ""),
      new Header("x-forwarded-uri", this.requestHeaders.get(":path") || ""),
      new Header("x-forwarded-host", this.requestHeaders.get(":authority") || ""),
    ];
    const client = this.requestHeaders.getAll();
    for (let i = 0; i < client.length; i++) {
      if (root.headers.includes(client[i].name)) headers.push(client[i]);
    }
    return headers;
  }

  /** Client-sent copies of the headers only the service may set. */
  private dropUpstreamHeaders(): void {
    const names = this.root.upstreamHeaders;
    for (let i = 0; i < names.length; i++) this.requestHeaders.remove(names[i]);
  }

  /**
   * The service could not decide: with `failOpen` the request goes on (true; without any client-sent
   * upstream header), otherwise the client gets a local 503 (false).
   */
  private unavailable(why: string, details: string): bool {
    if (this.root.failOpen) {
      log(LogLevel.Warn, "authorization service unavailable (" + why + "): failOpen lets the request through");
      this.dropUpstreamHeaders();
      return true;
    }
    this.sendLocalResponse(503, "authorization service unavailable\n", [], details);
    return false;
  }
}

registerRootContext((contextId: u32): RootContext => new CalloutRoot(contextId));
