// Authorization over gRPC: on the request headers, asks authz.v1.Check/Check (protobuf messages encoded and
// decoded with as-proto) whether the request may go on, and holds it until the answer. Allowed: the answer's
// headers are set on the request (replacing what the client sent under those names) and it continues.
// Denied: a local reply with the answer's status and reason. No usable answer (gRPC error, timeout, an
// unreadable message, a refused call): denied with `statusOnError`, or let through when `failOpen`.
import { FilterHeadersStatus, GrpcStatus, HttpContext, LogLevel, RootContext, getStatus, grpcMessage, log, registerRootContext } from "as-proxy-wasm";
import { Protobuf } from "as-proto/assembly";
import { CheckRequest } from "./authz/v1/CheckRequest";
import { CheckResponse } from "./authz/v1/CheckResponse";
import { Header } from "./authz/v1/Header";
import { AuthzConfig, isHeaderName, readConfig } from "./config";
import { isWellFormed } from "./wire";
export * from "as-proxy-wasm/exports";

const SERVICE = "authz.v1.Check";
const METHOD = "Check";
/** CheckResponse.headers (field 4) holds Header messages. */
const RESPONSE_NESTED: u32 = 1 << 4;

class AuthzRoot extends RootContext {
  config: AuthzConfig = new AuthzConfig();

  onConfigure(configurationSize: usize): bool {
    const config = readConfig(this.parseConfig());
    if (config == null) return false;
    this.config = config;
    return true;
  }

  createHttpContext(contextId: u32): Authorize {
    return new Authorize(contextId, this);
  }
}

class Authorize extends HttpContext<AuthzRoot> {
  /** The pending check's token, 0 when none is pending (none made, or answered). */
  token: u32 = 0;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const config = this.root.config;
    const token = this.grpcCall(config.cluster, SERVICE, METHOD, [], this.checkRequest(config).buffer, config.timeoutMs);
    if (token == 0) {
      // Envoy refuses the call at once when the cluster is unknown: a configuration mistake, said loudly.
      const allowed = this.checkFailed("the call to cluster " + config.cluster + " was refused (is it defined?)", LogLevel.Error);
      return allowed ? FilterHeadersStatus.Continue : FilterHeadersStatus.StopIteration;
    }
    this.token = token;
    return FilterHeadersStatus.StopIteration;
  }

  private checkRequest(config: AuthzConfig): Uint8Array {
    const request = new CheckRequest(this.header(":method"), this.header(":path"), this.header(":authority"));
    const all = this.requestHeaders.getAll();
    // Every value of a repeated header is sent, in order: the service sees what the upstream would.
    for (let i = 0; i < all.length; i++) {
      if (config.headers.includes(all[i].name)) request.headers.push(new Header(all[i].name, all[i].value));
    }
    return Protobuf.encode(request, CheckRequest.encode);
  }

  private header(name: string): string {
    const value = this.requestHeaders.get(name);
    return value == null ? "" : value;
  }

  // Envoy delivers a unary call's answer here and does not close it after; a failure comes to onGrpcClose.
  onGrpcReceive(token: u32, messageSize: usize): void {
    if (token != this.token) return;
    this.token = 0;
    const bytes = grpcMessage.get(0, <u32>messageSize);
    const message = bytes == null ? new Uint8Array(0) : Uint8Array.wrap(bytes);
    if (!isWellFormed(message, RESPONSE_NESTED)) {
      const reason = "the answer is not a CheckResponse (" + message.length.toString() + " bytes of malformed protobuf)";
      if (this.checkFailed(reason, LogLevel.Warn)) this.continueRequest();
      return;
    }
    this.decide(Protobuf.decode<CheckResponse>(message, CheckResponse.decode));
  }

  onGrpcClose(token: u32, status: GrpcStatus): void {
    if (token != this.token) return; // already answered (the emulator also closes a call it answered)
    this.token = 0;
    const detail = status == GrpcStatus.Ok ? "it ended without an answer" : "gRPC status " + (<i32>status).toString() + " " + getStatus().message;
    if (this.checkFailed(detail, LogLevel.Warn)) this.continueRequest();
  }

  private decide(response: CheckResponse): void {
    if (!response.allowed) {
      const status = response.status >= 400 && response.status <= 599 ? response.status : 403;
      log(LogLevel.Info, "grpc-call: denied " + status.toString() + (response.reason.length > 0 ? ": " + response.reason : ""));
      this.sendLocalResponse(status, response.reason.length > 0 ? response.reason + "\n" : "denied\n", [], "grpc_call_denied");
      return;
    }
    let ignored = 0;
    for (let i = 0; i < response.headers.length; i++) {
      const header = response.headers[i];
      if (isSettable(header)) this.requestHeaders.replace(header.name, header.value);
      else ignored++;
    }
    // The names are not logged: they came from the network and may hold anything, a line break included.
    if (ignored > 0) log(LogLevel.Warn, "grpc-call: ignored " + ignored.toString() + " header(s) from the service: not settable");
    this.continueRequest();
  }

  /** No usable answer: denies with statusOnError (false), or returns true when failOpen lets the request through. */
  private checkFailed(reason: string, level: LogLevel): bool {
    const config = this.root.config;
    log(level, "grpc-call: check failed, " + (config.failOpen ? "allowing" : "denying") + ": " + reason);
    if (!config.failOpen) this.sendLocalResponse(config.statusOnError, "authorization unavailable\n", [], "grpc_call_check_failed");
    return config.failOpen;
  }
}

/** A header the service may set: a regular lowercase name (no pseudo-header, no host) and a value without CR, LF or NUL. */
function isSettable(header: Header): bool {
  if (!isHeaderName(header.name) || header.name.charCodeAt(0) == 0x3a || header.name == "host") return false;
  const value = header.value;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c == 0 || c == 0x0a || c == 0x0d) return false;
  }
  return true;
}

registerRootContext((contextId: u32): RootContext => new AuthzRoot(contextId));
