// An HTTP stream's context as Envoy's wasm filter drives it: which callback runs when, what the module can
// reach in each phase (headers, body, trailers), pauses, local replies and the properties derived from the
// stream. Long because these are Envoy's rules for one stream, and they depend on each other.
import {
  BufferType,
  FilterDataStatus,
  FilterHeadersStatus,
  FilterTrailersStatus,
  MapType,
  WasmResult,
  StreamType,
  headersCallbackArity,
  type CallbackName,
} from "./abi.js";
import type { CalloutHandler } from "./callouts.js";
import { concatBytes, lowercaseNames, toBytes, type Bytes, type HeaderList } from "./codec.js";
import { StreamContext, heldBuffer, type BufferAccess, type LocalResponse } from "./context.js";

const EMPTY = new Uint8Array(0);
type Phase = "request" | "response";

/**
 * One HTTP stream, driven callback by callback. Which maps and buffers the module may touch follows
 * Envoy's wasm filter: a map or body is reachable in its own callback and while the stream is paused from
 * there; `proxy_on_log` reads the final request and response headers and the response trailers.
 */
export class HttpContext extends StreamContext {
  requestHeaders: HeaderList = [];
  requestTrailers: HeaderList | null = null;
  responseHeaders: HeaderList = [];
  responseTrailers: HeaderList | null = null;
  /** The body currently held by the filter (the buffered total while it returns StopIterationAndBuffer). */
  requestBody: Uint8Array = EMPTY;
  responseBody: Uint8Array = EMPTY;
  /** Body bytes passed on (to the upstream / to the client). */
  forwardedRequestBody: Uint8Array = EMPTY;
  forwardedResponseBody: Uint8Array = EMPTY;
  /**
   * The module's local reply: in which phase, and whether the response headers had already gone to the
   * client then (Envoy can no longer answer: it resets the stream).
   */
  localResponse: (LocalResponse & { during: Phase; afterResponseHeaders: boolean }) | null = null;
  /** The response headers have passed the filter on their way to the client. */
  responseHeadersSent = false;
  /** `proxy_continue_stream` / `proxy_close_stream` calls, in order. */
  readonly continued: StreamType[] = [];
  readonly closed: StreamType[] = [];
  /** Callout answers for this stream only (a scenario's `callouts`). */
  readonly calloutHandlers = new Map<string, CalloutHandler>();

  /** Envoy's per-direction pointers: what the module can reach right now. */
  private readonly access = { request: { headers: false, body: false, trailers: false }, response: { headers: false, body: false, trailers: false } };
  private readonly buffering = { request: false, response: false };
  /**
   * Body Envoy's filter manager holds for a filter that returned StopIterationAndWatermark: forwarded when
   * the filter continues, but no longer in the module's reach (its next callback sees only the new chunk,
   * later callbacks an empty body; differential case probe-request-body-watermark).
   */
  private readonly watermarked: Record<Phase, Uint8Array> = { request: EMPTY, response: EMPTY };
  private readonly paused = { request: false, response: false };
  private readonly continuedInCallback = { request: false, response: false };
  private endOfStream = false;
  private logPhase = false;
  private phase: Phase = "request";

  isPaused(stream: StreamType): boolean {
    if (stream === StreamType.HttpRequest) return this.paused.request;
    if (stream === StreamType.HttpResponse) return this.paused.response;
    return false;
  }

  // Callbacks, the way Envoy's filter calls them.

  onRequestHeaders(headers: HeaderList, endOfStream = false): number {
    return this.headersCallback("request", headers, endOfStream);
  }

  onRequestBody(chunk: Bytes, endOfStream: boolean): number {
    return this.bodyCallback("request", toBytes(chunk), endOfStream);
  }

  onRequestTrailers(trailers: HeaderList): number {
    return this.trailersCallback("request", trailers);
  }

  onResponseHeaders(headers: HeaderList, endOfStream = false): number {
    return this.headersCallback("response", headers, endOfStream);
  }

  onResponseBody(chunk: Bytes, endOfStream: boolean): number {
    return this.bodyCallback("response", toBytes(chunk), endOfStream);
  }

  onResponseTrailers(trailers: HeaderList): number {
    return this.trailersCallback("response", trailers);
  }

  onLog(): void {
    this.logPhase = true;
    try {
      this.vm.callback("proxy_on_log", this, [this.id]);
    } finally {
      this.logPhase = false;
    }
  }

  private headersCallback(phase: Phase, headers: HeaderList, endOfStream: boolean): number {
    this.phase = phase;
    const list = lowercaseNames(headers);
    if (phase === "request") this.requestHeaders = list;
    else this.responseHeaders = list;
    this.access[phase].headers = true;
    this.endOfStream = endOfStream;
    const name = phase === "request" ? "proxy_on_request_headers" : "proxy_on_response_headers";
    const args = headersCallbackArity(this.vm.abiVersion) === 2 ? [this.id, list.length] : [this.id, list.length, endOfStream ? 1 : 0];
    const action = this.filterCallback(name, phase, args);
    // Envoy maps ContinueAndEndStream to Continue; cpp-host turns StopIteration into StopAllIteration.
    if ((action === FilterHeadersStatus.Continue || action === FilterHeadersStatus.ContinueAndEndStream) && !this.localReplyDuring(phase)) {
      this.access[phase].headers = false;
      if (phase === "response") this.responseHeadersSent = true;
    } else this.pause(phase);
    return action;
  }

  private bodyCallback(phase: Phase, chunk: Uint8Array, endOfStream: boolean): number {
    this.phase = phase;
    const body = this.buffering[phase] ? concatBytes(this.bodyOf(phase), chunk) : chunk;
    this.setBody(phase, body);
    this.access[phase].body = true;
    this.endOfStream = endOfStream;
    const name = phase === "request" ? "proxy_on_request_body" : "proxy_on_response_body";
    const action = this.filterCallback(name, phase, [this.id, body.length, endOfStream ? 1 : 0]);
    if (this.continuedInCallback[phase]) return action;
    if (action === FilterDataStatus.Continue && !this.localReplyDuring(phase)) {
      this.forwardBody(phase);
      this.access[phase].body = false;
    } else if (action === FilterDataStatus.StopIterationAndBuffer) {
      this.buffering[phase] = true;
      if (endOfStream) this.paused[phase] = true;
    } else if (action === FilterDataStatus.StopIterationAndWatermark) {
      this.buffering[phase] = false;
      this.watermarked[phase] = concatBytes(this.watermarked[phase], body);
      this.setBody(phase, EMPTY);
      if (endOfStream) this.paused[phase] = true;
    } else {
      // StopIterationNoBuffer (or a local reply): Envoy keeps nothing of this chunk.
      this.buffering[phase] = false;
      this.setBody(phase, EMPTY);
      if (endOfStream) this.paused[phase] = true;
    }
    return action;
  }

  private trailersCallback(phase: Phase, trailers: HeaderList): number {
    this.phase = phase;
    const list = lowercaseNames(trailers);
    if (phase === "request") this.requestTrailers = list;
    else this.responseTrailers = list;
    this.access[phase].trailers = true;
    const name = phase === "request" ? "proxy_on_request_trailers" : "proxy_on_response_trailers";
    const action = this.filterCallback(name, phase, [this.id, list.length]);
    if (action === FilterTrailersStatus.Continue && !this.localReplyDuring(phase)) {
      this.forwardBody(phase);
      this.access[phase].trailers = false;
    } else this.pause(phase);
    return action;
  }

  private filterCallback(name: CallbackName, phase: Phase, args: number[]): number {
    this.continuedInCallback[phase] = false;
    // Continue is 0 in every status enum: a callback the module does not export lets the stream go on.
    return this.vm.callback(name, this, args) ?? FilterHeadersStatus.Continue;
  }

  private pause(phase: Phase): void {
    if (!this.continuedInCallback[phase]) this.paused[phase] = true;
  }

  private localReplyDuring(phase: Phase): boolean {
    return this.localResponse?.during === phase;
  }

  private bodyOf(phase: Phase): Uint8Array {
    return phase === "request" ? this.requestBody : this.responseBody;
  }

  private setBody(phase: Phase, body: Uint8Array): void {
    if (phase === "request") this.requestBody = body;
    else this.responseBody = body;
  }

  private forwardBody(phase: Phase): void {
    const body = concatBytes(this.watermarked[phase], this.bodyOf(phase));
    this.watermarked[phase] = EMPTY;
    if (phase === "request") this.forwardedRequestBody = concatBytes(this.forwardedRequestBody, body);
    else this.forwardedResponseBody = concatBytes(this.forwardedResponseBody, body);
    this.setBody(phase, EMPTY);
    this.buffering[phase] = false;
  }

  // What host functions see.

  override inLogPhase(): boolean {
    return this.logPhase;
  }

  override getMap(type: MapType, mutable: boolean): HeaderList | null {
    if (this.logPhase) {
      if (mutable) return null;
      if (type === MapType.HttpRequestHeaders) return this.requestHeaders;
      if (type === MapType.HttpResponseHeaders) return this.responseHeaders;
      if (type === MapType.HttpResponseTrailers) return this.responseTrailers;
      if (type === MapType.HttpRequestTrailers) return null;
      return super.getMap(type, mutable);
    }
    switch (type) {
      case MapType.HttpRequestHeaders:
        return this.access.request.headers ? this.requestHeaders : null;
      case MapType.HttpResponseHeaders:
        return this.access.response.headers ? this.responseHeaders : null;
      case MapType.HttpRequestTrailers:
        return this.trailersFor("request", mutable);
      case MapType.HttpResponseTrailers:
        return this.trailersFor("response", mutable);
      default:
        return super.getMap(type, mutable);
    }
  }

  /** Envoy adds trailers when a body callback at end of stream asks for them and there are none. */
  private trailersFor(phase: Phase, mutable: boolean): HeaderList | null {
    const access = this.access[phase];
    const current = phase === "request" ? this.requestTrailers : this.responseTrailers;
    if (mutable && !access.trailers && current === null && access.body && this.endOfStream) {
      if (phase === "request") this.requestTrailers = [];
      else this.responseTrailers = [];
      access.trailers = true;
    }
    return access.trailers ? (phase === "request" ? this.requestTrailers : this.responseTrailers) : null;
  }

  override getBuffer(type: BufferType): BufferAccess | null {
    if (type === BufferType.HttpRequestBody)
      return heldBuffer(
        this.access.request.body,
        () => this.requestBody,
        (b) => void (this.requestBody = b),
      );
    if (type === BufferType.HttpResponseBody)
      return heldBuffer(
        this.access.response.body,
        () => this.responseBody,
        (b) => void (this.responseBody = b),
      );
    return super.getBuffer(type);
  }

  override continueStream(type: StreamType): WasmResult {
    if (type !== StreamType.HttpRequest && type !== StreamType.HttpResponse) return super.continueStream(type);
    const phase: Phase = type === StreamType.HttpRequest ? "request" : "response";
    this.continued.push(type);
    this.continuedInCallback[phase] = true;
    this.paused[phase] = false;
    this.forwardBody(phase);
    if (phase === "response") this.responseHeadersSent = true;
    this.access[phase] = { headers: false, body: false, trailers: false };
    return WasmResult.Ok;
  }

  override closeStream(type: StreamType): WasmResult {
    if (type === StreamType.HttpRequest || type === StreamType.HttpResponse) this.closed.push(type);
    return WasmResult.Ok;
  }

  override sendLocalResponse(response: LocalResponse): void {
    // Envoy sends one local reply per stream; the module's later ones are ignored.
    if (this.localResponse) return;
    const { status, headers, body, details, grpcStatus } = response;
    // Written out: a spread here took ~2 µs a call in a profile (V8's slow object-clone path).
    this.localResponse = { status, headers, body, details, grpcStatus, during: this.phase, afterResponseHeaders: this.responseHeadersSent };
  }

  override calloutOverride(cluster: string): CalloutHandler | undefined {
    return this.calloutHandlers.get(cluster);
  }

  /**
   * The stream's properties, as Envoy's request/response wrappers answer them: those read from headers only
   * while the module can reach that header map (its own callback, paused there) or in `on_log` (the access
   * log's copy), every value of a repeated header joined with ","; `response.code` and
   * `response.code_details` from the stream's record once there is a response.
   */
  override derivedProperty(key: string): Uint8Array | undefined {
    const [first, second, third, extra] = key.split("\0");
    if (extra !== undefined || (first !== "request" && first !== "response")) return undefined;
    if (first === "response" && third === undefined && (second === "code" || second === "code_details")) return this.responseRecord(second);
    const headers = this.headersForProperties(first);
    if (headers === null) return undefined;
    const value = (name: string): string | undefined => {
      const values = headers.filter(([k]) => k === name).map(([, v]) => v);
      return values.length > 0 ? values.join(",") : undefined;
    };
    let found: string | undefined;
    if (second === "headers" && third !== undefined) found = value(third.toLowerCase());
    else if (third !== undefined || first === "response") return undefined;
    else if (second === "path") found = value(":path");
    else if (second === "url_path") found = value(":path")?.split("?")[0];
    else if (second === "method") found = value(":method");
    else if (second === "host") found = value(":authority");
    else if (second === "scheme") found = value(":scheme");
    else if (second === "id") found = value("x-request-id");
    return found === undefined ? undefined : new TextEncoder().encode(found);
  }

  private headersForProperties(phase: Phase): HeaderList | null {
    if (this.logPhase || this.access[phase].headers) return phase === "request" ? this.requestHeaders : this.responseHeaders;
    return null;
  }

  /**
   * `response.code` (int64) and `response.code_details`: the local reply's, or the upstream's answer. A
   * local reply too late to send leaves the code that went out, with the reply's details.
   */
  private responseRecord(field: "code" | "code_details"): Uint8Array | undefined {
    const local = this.localResponse;
    const sent = this.responseHeaders.find(([k]) => k === ":status")?.[1];
    const status = local && !local.afterResponseHeaders ? local.status : sent;
    if (status === undefined) return undefined;
    if (field === "code_details") return new TextEncoder().encode(local ? local.details : "via_upstream");
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, BigInt(Number(status) || 0), true);
    return out;
  }
}
