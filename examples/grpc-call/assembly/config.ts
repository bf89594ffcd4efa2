// The filter's configuration, read with the SDK's JSON reader and checked whole in onConfigure: a value
// that cannot be applied safely refuses the plugin with one log line saying what to fix.
import { JsonObject, LogLevel, log } from "as-proxy-wasm";

export class AuthzConfig {
  /** The Envoy cluster of the authorization service (an HTTP/2 cluster). */
  cluster: string = "";
  timeoutMs: u32 = 1000;
  /** On a failed check (gRPC error, timeout, unreadable answer): let the request through instead of denying it. */
  failOpen: bool = false;
  /** The status of the reply when a failed check denies the request. */
  statusOnError: u32 = 403;
  /** Request headers (lowercase names) sent to the service in CheckRequest.headers. */
  headers: string[] = [];
}

function refuse(reason: string): AuthzConfig | null {
  log(LogLevel.Critical, "grpc-call: configuration refused: " + reason);
  return null;
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): AuthzConfig | null {
  if (json == null) return null; // parseConfig logged why (not JSON, or not an object)
  const config = new AuthzConfig();
  config.cluster = json.getString("cluster", "");
  const timeoutMs = json.getInt("timeoutMs", 1000);
  config.failOpen = json.getBool("failOpen", false);
  const statusOnError = json.getInt("statusOnError", 403);
  const headers = json.getStrings("headers", []);
  if (json.problem.length > 0) return refuse(json.problem);
  if (config.cluster.length == 0) return refuse('"cluster" is required: the Envoy cluster of the authorization service');
  if (timeoutMs < 1 || timeoutMs > 60_000) return refuse('"timeoutMs" must be 1 to 60000');
  config.timeoutMs = <u32>timeoutMs;
  if (statusOnError < 400 || statusOnError > 599) return refuse('"statusOnError" must be an HTTP error status, 400 to 599');
  config.statusOnError = <u32>statusOnError;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i];
    if (!isHeaderName(name)) return refuse('"headers"[' + i.toString() + "] must be a lowercase header name (a-z, 0-9, -, _, or a pseudo-header such as :scheme)");
    config.headers.push(name);
  }
  return config;
}

/** A header name as Envoy keeps it: lowercase token characters, optionally a leading ':' (pseudo-header). */
export function isHeaderName(name: string): bool {
  if (name.length == 0 || name.length > 256) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || (c == 0x3a && i == 0 && name.length > 1);
    if (!ok) return false;
  }
  return true;
}
