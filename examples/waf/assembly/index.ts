// A WAF-style request inspector: rules from configuration over the method, path, query, headers and body
// of each request. In "block" mode (the default) the first matching rule answers 403 with its id in
// `x-waf-rule` (before anything reaches the upstream; for a body rule, before any of the body does); in
// "detect" mode every match is logged and the request goes on. A body is buffered whole (up to `maxBodyBytes`) before it is inspected, so a pattern
// split across chunks is seen; a body the filter cannot inspect (over the cap, or content-encoded) is
// refused by default (413/415) or, with `uninspectableBody: "pass"`, let through uninspected.
import {
  FilterDataStatus, FilterHeadersStatus, FilterTrailersStatus, Header, HttpContext, LogLevel, RootContext, log, registerRootContext,
  lowerAscii, normalizePath, percentDecode, percentDecodeText,
} from "as-proxy-wasm";
import { WafConfig, readConfig } from "./config";
import { Rule, Target, targetName } from "./rules";
export * from "as-proxy-wasm/exports";

class WafRoot extends RootContext {
  config: WafConfig = new WafConfig();

  onConfigure(configurationSize: usize): bool {
    const config = readConfig(this.parseConfig());
    if (config == null) return false;
    this.config = config;
    return true;
  }

  createHttpContext(contextId: u32): Waf {
    return new Waf(contextId, this);
  }
}

class Waf extends HttpContext<WafRoot> {
  /** The body is being buffered for inspection. */
  inspecting: bool = false;
  formBody: bool = false;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    if (this.inspectHeaders()) return FilterHeadersStatus.StopIteration;
    if (endOfStream || !this.root.config.hasBodyRules) return FilterHeadersStatus.Continue;
    const contentType = this.requestHeaders.get("content-type");
    const mediaType = contentType == null ? "" : mediaTypeOf(contentType);
    if (contentType != null && !this.root.config.inspectsMediaType(mediaType)) return FilterHeadersStatus.Continue;
    const encoding = this.requestHeaders.get("content-encoding");
    if (encoding != null && lowerAscii(encoding.trim()) != "identity") {
      return this.uninspectable(415, "a content-encoded body", "waf_encoded_body") ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.Continue;
    }
    const length = this.requestHeaders.get("content-length");
    if (length != null && isOverCap(length, this.root.config.maxBodyBytes)) {
      return this.uninspectable(413, "a body over maxBodyBytes", "waf_body_too_large") ? FilterHeadersStatus.StopIteration : FilterHeadersStatus.Continue;
    }
    this.inspecting = true;
    this.formBody = mediaType == "application/x-www-form-urlencoded";
    // The headers go on: a filter that stops headers gets no body callbacks (hosts turn StopIteration into
    // StopAllIteration). The body is held here, so a request blocked for its body is reset before any of
    // its body reaches the upstream.
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatus {
    if (!this.inspecting) return FilterDataStatus.Continue;
    if (<i64>bodySize > <i64>this.root.config.maxBodyBytes) {
      return this.uninspectable(413, "a body over maxBodyBytes", "waf_body_too_large") ? FilterDataStatus.StopIterationNoBuffer : FilterDataStatus.Continue;
    }
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    return this.inspectBody() ? FilterDataStatus.StopIterationNoBuffer : FilterDataStatus.Continue;
  }

  onRequestTrailers(numTrailers: u32): FilterTrailersStatus {
    // Trailers end the body: what was buffered is all there is.
    if (this.inspecting && this.inspectBody()) return FilterTrailersStatus.StopIteration;
    return FilterTrailersStatus.Continue;
  }

  /** Checks method, path, query and headers; true when the request was blocked. */
  private inspectHeaders(): bool {
    const rules = this.root.config.rules;
    const method = lowerCase(this.requestHeaders.get(":method"));
    const pathHeader = this.requestHeaders.get(":path");
    const rawPath = pathHeader == null ? "/" : pathHeader;
    const q = rawPath.indexOf("?");
    // Backslashes as slashes: some upstreams (IIS, Windows file servers) read them so.
    const path = lowerAscii(percentDecodeText(q < 0 ? rawPath : rawPath.substring(0, q), false).replaceAll("\\", "/"));
    const normalized = normalizePath(path);
    const query = q < 0 ? "" : lowerAscii(percentDecodeText(rawPath.substring(q + 1), true));
    const headers = this.requestHeaders.getAll();
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      let target: Target = -1;
      if (rule.inspects(Target.Method) && rule.matches(method)) target = Target.Method;
      else if (rule.inspects(Target.Path) && (rule.matches(path) || rule.matches(normalized))) target = Target.Path;
      else if (rule.inspects(Target.Query) && q >= 0 && rule.matches(query)) target = Target.Query;
      else if (rule.inspects(Target.Headers) && matchesHeader(rule, headers)) target = Target.Headers;
      if (target >= 0 && this.matched(rule, target)) return true;
    }
    return false;
  }

  /** Checks the buffered body; true when the request was blocked. */
  private inspectBody(): bool {
    this.inspecting = false;
    const bytes = this.requestBody.get();
    if (bytes == null) return false;
    const body = lowerAscii(this.formBody ? percentDecode(Uint8Array.wrap(bytes), true) : String.UTF8.decode(bytes));
    const rules = this.root.config.rules;
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.inspects(Target.Body) && rule.matches(body) && this.matched(rule, Target.Body)) return true;
    }
    return false;
  }

  /** Logs a match and, in block mode, answers 403; true when blocked. */
  private matched(rule: Rule, target: Target): bool {
    if (this.root.config.detectOnly) {
      log(LogLevel.Warn, "waf: rule " + rule.id + " matched the " + targetName(target) + " (detect mode: not blocked)");
      return false;
    }
    log(LogLevel.Warn, "waf: rule " + rule.id + " matched the " + targetName(target) + ": blocked");
    this.sendLocalResponse(403, "blocked by the web application firewall\n", [new Header("x-waf-rule", rule.id)], "waf_blocked");
    return true;
  }

  /** A body the rules cannot see: refused with `status`, or passed on; true when refused. */
  private uninspectable(status: u32, what: string, details: string): bool {
    this.inspecting = false;
    if (!this.root.config.rejectUninspectable) {
      log(LogLevel.Info, "waf: " + what + " passed uninspected");
      return false;
    }
    log(LogLevel.Warn, "waf: " + what + " cannot be inspected: refused");
    this.sendLocalResponse(status, status == 413 ? "request body too large to inspect\n" : "encoded request body cannot be inspected\n", [], details);
    return true;
  }
}

function lowerCase(value: string | null): string {
  return value == null ? "" : lowerAscii(value);
}

function matchesHeader(rule: Rule, headers: Header[]): bool {
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i];
    if (header.name.startsWith(":")) continue;
    if (!rule.inspectsHeader(header.name)) continue;
    // Each occurrence of a repeated header on its own, so an early harmless copy hides nothing.
    if (rule.matches(lowerAscii(header.value))) return true;
  }
  return false;
}

/** "Text/HTML; charset=utf-8" → "text/html". */
function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return lowerAscii((semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim());
}

/** Whether a content-length value says more than `cap` bytes (not a number: the body is measured as it comes). */
function isOverCap(length: string, cap: i32): bool {
  const digits = length.trim();
  if (digits.length == 0) return false;
  let value: i64 = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    value = value * 10 + (c - 0x30);
    if (value > <i64>cap) return true;
  }
  return false;
}

registerRootContext((contextId: u32): RootContext => new WafRoot(contextId));
