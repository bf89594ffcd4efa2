import { GrpcStatus, StreamType } from "./abi.js";
import type { CalloutHandler } from "./callouts.js";
import { toBytes, toText, type Bytes, type HeaderList } from "./codec.js";
import { HostError, WasmTrapError } from "./errors.js";
import type { Host } from "./host.js";
import type { HttpContext } from "./http-context.js";
import type { Plugin } from "./plugin.js";
import { encodePropertyValue, propertyKey, type PropertyValue } from "./properties.js";

export interface HttpMessageInput {
  headers?: HeaderList;
  body?: Bytes;
  /** The body split the way it arrives (overrides `body`). */
  bodyChunks?: Bytes[];
  trailers?: HeaderList;
}

export interface HttpScenario {
  request?: HttpMessageInput;
  /** What the upstream answers (default: `:status 200`, no body). */
  response?: HttpMessageInput;
  /** Properties for this stream only. */
  properties?: Record<string, PropertyValue>;
  /** Callout answers for this stream only (before the host's). */
  callouts?: Record<string, CalloutHandler>;
}

export interface HttpMessage {
  headers: HeaderList;
  body: string;
  trailers: HeaderList;
  /** The body as bytes (not enumerable: the JSON shape stays that of `run --json`). */
  readonly bodyBytes: Uint8Array;
}

export interface LocalResponseResult {
  status: number;
  headers: HeaderList;
  body: string;
  details: string;
}

export interface HttpStreamResult {
  /** What reached the upstream; null when the filter answered itself (or reset the stream first). */
  request: HttpMessage | null;
  /** What the client got. */
  response: HttpMessage;
  localResponse: LocalResponseResult | null;
  logs: { level: string; message: string }[];
  /** The client's stream was reset (by the filter, or by Envoy for a local reply it could no longer send). */
  reset: boolean;
  /** With `failStream`: the module trapped, and this is how (the stream ended as Envoy ends it). */
  trap?: string;
}

type Outcome = "done" | "local" | "reset";
type Phase = "request" | "response";

export interface HttpStreamOptions {
  /**
   * A module that traps ends the stream as Envoy ends it instead of throwing: a 503 local reply with
   * details `wasm_fail_stream` (a reset once the response headers were sent), no `on_log`, and `trap` in the
   * result saying what happened (differential case probe-trap-request-headers).
   */
  failStream?: boolean;
}

/** Drives one request the way Envoy's HTTP filter chain calls a wasm filter. */
export async function runHttpStream(plugin: Plugin, scenario: HttpScenario, options: HttpStreamOptions = {}): Promise<HttpStreamResult> {
  const host = plugin.vm.host;
  const logStart = host.logs.length;
  const ctx = plugin.newHttpContext();
  for (const [path, value] of Object.entries(scenario.properties ?? {})) ctx.properties.set(propertyKey(path), encodePropertyValue(value));
  for (const [cluster, handler] of Object.entries(scenario.callouts ?? {})) ctx.calloutHandlers.set(cluster, handler);

  const logs = () => host.logs.slice(logStart).map(({ level, message }) => ({ level, message }));
  const requestInput = scenario.request ?? {};
  let request: HttpMessage | null = null;
  let outcome: Outcome;
  try {
    const { body, bodyChunks, trailers } = requestInput; // not a spread: V8's slow clone, once per stream
    outcome = await drive(ctx, "request", { headers: connectionManagerHeaders(requestInput.headers ?? [], host), body, bodyChunks, trailers });
    // What reached the upstream whole. A request answered or reset before its end may have started upstream
    // in Envoy (whether it did depends on how soon the upstream connection was up); the upstream then sees a
    // reset request, which is not reported.
    if (outcome === "done") {
      request = message(ctx.requestHeaders, ctx.forwardedRequestBody, ctx.requestTrailers);
      outcome = await drive(ctx, "response", scenario.response ?? {});
    } else if (outcome === "local") {
      // Envoy sends a local reply from the request path through the encoder filters: this filter sees it as a response.
      outcome = await drive(ctx, "response", localReplyMessage(ctx));
    }
  } catch (error) {
    if (!options.failStream || !(error instanceof WasmTrapError)) throw error;
    return failedStream(ctx, request, logs(), error);
  }
  const local = ctx.localResponse;
  // Once the response headers reached the client a local reply cannot be sent: Envoy resets the stream
  // (differential cases probe-local-response-body-after-headers, -trailers).
  if (outcome === "local" && local?.afterResponseHeaders) outcome = "reset";

  let response: HttpMessage;
  if (outcome === "local") {
    const reply = localReplyMessage(ctx);
    // What was sent in place of the upstream's answer is what on_log reads.
    ctx.responseHeaders = reply.headers;
    ctx.responseTrailers = null;
    response = message(reply.headers, toBytes(reply.body), null);
  } else if (outcome === "reset") {
    response = ctx.responseHeadersSent ? message(ctx.responseHeaders, ctx.forwardedResponseBody, null) : message([], new Uint8Array(0), null);
  } else response = message(ctx.responseHeaders, ctx.forwardedResponseBody, ctx.responseTrailers);
  const localResponse: LocalResponseResult | null =
    local && outcome !== "reset" ? { status: local.status, headers: local.headers, body: toText(local.body), details: local.details } : null;

  ctx.onLog();
  ctx.onDone();
  ctx.onDelete();
  plugin.vm.callouts.cancelPending(ctx.id);
  return { request, response, localResponse, logs: logs(), reset: outcome === "reset" };
}

/** Envoy's answer to a trap: the VM is failed, the stream gets a bare 503 (or a reset), no more callbacks. */
function failedStream(ctx: HttpContext, request: HttpMessage | null, logs: HttpStreamResult["logs"], trap: WasmTrapError): HttpStreamResult {
  const reset = ctx.responseHeadersSent;
  return {
    request,
    response: reset ? message(ctx.responseHeaders, ctx.forwardedResponseBody, null) : message([[":status", "503"]], new Uint8Array(0), null),
    localResponse: reset ? null : { status: 503, headers: [], body: "", details: "wasm_fail_stream" },
    logs,
    reset,
    trap: trap.message,
  };
}

/**
 * What Envoy's HTTP connection manager adds to a request before any filter sees it: `x-forwarded-proto`
 * (from `:scheme`, else http) and an `x-request-id`, each only when the client sent none (differential
 * case `add-header-template`: the filter sees both).
 */
function connectionManagerHeaders(headers: HeaderList, host: Host): HeaderList {
  const has = (name: string) => headers.some(([k]) => k.toLowerCase() === name);
  const added: HeaderList = [];
  if (!has("x-forwarded-proto")) added.push(["x-forwarded-proto", headers.find(([k]) => k === ":scheme")?.[1] ?? "http"]);
  if (!has("x-request-id")) added.push(["x-request-id", host.nextRequestId()]);
  return [...headers, ...added];
}

/** Envoy's default `stream_idle_timeout`: how long a paused stream may wait for timers to resume it. */
const streamIdleTimeoutMs = 300_000;

/** Headers, body chunks and trailers of one direction; waits out pauses by delivering callout answers. */
async function drive(ctx: HttpContext, phase: Phase, input: HttpMessageInput): Promise<Outcome> {
  const chunks = (input.bodyChunks ?? (input.body === undefined ? [] : [input.body])).map(toBytes).filter((c) => c.length > 0);
  const trailers = input.trailers && input.trailers.length > 0 ? input.trailers : undefined;
  const headers = input.headers ?? (phase === "response" ? [[":status", "200"]] : []);
  const request = phase === "request";
  const steps: (() => number)[] = [
    () => (request ? ctx.onRequestHeaders(headers, chunks.length === 0 && !trailers) : ctx.onResponseHeaders(headers, chunks.length === 0 && !trailers)),
    ...chunks.map((chunk, i) => () => {
      const end = i === chunks.length - 1 && !trailers;
      return request ? ctx.onRequestBody(chunk, end) : ctx.onResponseBody(chunk, end);
    }),
    ...(trailers ? [() => (request ? ctx.onRequestTrailers(trailers) : ctx.onResponseTrailers(trailers))] : []),
  ];
  const stream = request ? StreamType.HttpRequest : StreamType.HttpResponse;
  for (const step of steps) {
    step();
    const pausedAt = ctx.vm.host.elapsed();
    for (;;) {
      const ended = endedBy(ctx, phase);
      if (ended) return ended;
      if (!ctx.isPaused(stream)) break;
      // Envoy's timers run while a stream waits: a tick may resume it, a callout may time out (and be
      // answered 504). Waiting ends where Envoy's stream idle timeout would (differential case probe-tick-resume).
      if (!(await ctx.vm.callouts.deliverNextPending()) && !ctx.vm.host.advanceToNextTimer(streamIdleTimeoutMs - (ctx.vm.host.elapsed() - pausedAt))) {
        throw new HostError(
          `the ${phase} is paused and nothing would resume it (no callout answer pending, no timer within the 5-minute stream idle timeout; the filter never called proxy_continue_stream)`,
          "http_stream",
          ctx.id,
        );
      }
    }
  }
  return "done";
}

function endedBy(ctx: HttpContext, phase: Phase): Outcome | undefined {
  if (ctx.closed.length > 0) return "reset";
  if (ctx.localResponse?.during === phase) return "local";
  return undefined;
}

/**
 * The reply Envoy builds for `sendLocalReply` (Envoy's `Utility::sendLocalReply`): `:status`, then the
 * module's headers, then, for a body, `content-length` (set over the module's own) and `text/plain` when the
 * module gave no content type. To a gRPC request it answers in gRPC's trailers-only form instead: status
 * 200, `application/grpc`, `grpc-status` (the module's, or mapped from the HTTP status) and the body as a
 * percent-encoded `grpc-message` (differential case sdk-http-grpc-local).
 */
function localReplyMessage(ctx: HttpContext): HttpMessageInput & { headers: HeaderList } {
  const local = ctx.localResponse!;
  const grpc = ctx.requestHeaders.some(([k, v]) => k === "content-type" && v.startsWith("application/grpc"));
  if (grpc) {
    const headers: HeaderList = [
      [":status", "200"],
      ...local.headers.filter(([k]) => !["content-type", "grpc-status", "grpc-message", "content-length"].includes(k)),
    ];
    headers.push(["content-type", "application/grpc"], ["grpc-status", String(local.grpcStatus >= 0 ? local.grpcStatus : grpcStatusOf(local.status))]);
    if (local.body.length > 0) headers.push(["grpc-message", encodeURIComponent(toText(local.body))]);
    return { headers, body: new Uint8Array(0) };
  }
  const headers: HeaderList = [[":status", String(local.status)], ...local.headers.filter(([k]) => k !== "content-length")];
  if (local.body.length > 0) {
    headers.push(["content-length", String(local.body.length)]);
    if (!headers.some(([k]) => k === "content-type")) headers.push(["content-type", "text/plain"]);
  }
  return { headers, body: local.body };
}

/** Envoy's `Grpc::Utility::httpToGrpcStatus`. */
function grpcStatusOf(httpStatus: number): GrpcStatus {
  const mapped: Record<number, GrpcStatus> = {
    400: GrpcStatus.Internal,
    401: GrpcStatus.Unauthenticated,
    403: GrpcStatus.PermissionDenied,
    404: GrpcStatus.Unimplemented,
    429: GrpcStatus.Unavailable,
    502: GrpcStatus.Unavailable,
    503: GrpcStatus.Unavailable,
    504: GrpcStatus.Unavailable,
  };
  return mapped[httpStatus] ?? GrpcStatus.Unknown;
}

/**
 * A message as the other side receives it. A header with an empty name, which the module may add (Envoy
 * says Ok and reads it back), never goes on the wire (differential case probe-headers-empty-name).
 */
function message(headers: HeaderList, body: Uint8Array, trailers: HeaderList | null): HttpMessage {
  const out = {
    headers: headers.filter(([k]) => k !== "").map(([k, v]) => [k, v] as [string, string]),
    body: toText(body),
    trailers: (trailers ?? []).map(([k, v]) => [k, v] as [string, string]),
  };
  Object.defineProperty(out, "bodyBytes", { value: body.slice(), enumerable: false });
  return out as HttpMessage;
}
