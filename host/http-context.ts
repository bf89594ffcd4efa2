import { Action, BufferType, DataAction, MapType, Status, StreamType, headersCallbackArity, type CallbackName } from "./abi.js";
import type { CalloutHandler } from "./callouts.js";
import { concatBytes, lowercaseNames, toBytes, type Bytes, type HeaderList } from "./codec.js";
import { ABSENT_BUFFER, Context, type BufferAccess, type LocalResponse } from "./context.js";
import type { Plugin } from "./plugin.js";
import type { Vm } from "./vm.js";

const EMPTY = new Uint8Array(0);
type Phase = "request" | "response";

/**
 * One HTTP stream, driven callback by callback. Which maps and buffers the module may touch follows
 * Envoy's wasm filter: a map or body is reachable in its own callback and while the stream is paused from
 * there; `proxy_on_log` reads the final request and response headers and the response trailers.
 */
export class HttpContext extends Context {
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
  localResponse: (LocalResponse & { during: Phase }) | null = null;
  /** `proxy_continue_stream` / `proxy_close_stream` calls, in order. */
  readonly continued: StreamType[] = [];
  readonly closed: StreamType[] = [];
  /** Callout answers for this stream only (a scenario's `callouts`). */
  readonly calloutHandlers = new Map<string, CalloutHandler>();
  deleted = false;

  private readonly access = { requestHeaders: false, requestBody: false, requestTrailers: false, responseHeaders: false, responseBody: false, responseTrailers: false };
  private readonly buffering = { request: false, response: false };
  private readonly paused = { request: false, response: false };
  private readonly continuedInCallback = { request: false, response: false };
  private endOfStream = false;
  private logPhase = false;
  private phase: Phase = "request";

  constructor(
    vm: Vm,
    id: number,
    readonly root: Plugin,
  ) {
    super(vm, id);
    vm.registerContext(this);
    vm.callback("proxy_on_context_create", this, [id, root.id]);
  }

  get plugin(): Plugin {
    return this.root;
  }

  isPaused(stream: StreamType): boolean {
    if (stream === StreamType.Request) return this.paused.request;
    if (stream === StreamType.Response) return this.paused.response;
    return false;
  }

  // Callbacks, the way Envoy's filter calls them.

  onRequestHeaders(headers: HeaderList, endOfStream = false): number {
    this.phase = "request";
    this.requestHeaders = lowercaseNames(headers);
    this.access.requestHeaders = true;
    return this.headersCallback("proxy_on_request_headers", "request", this.requestHeaders.length, endOfStream, () => {
      this.access.requestHeaders = false;
    });
  }

  onRequestBody(chunk: Bytes, endOfStream: boolean): number {
    this.phase = "request";
    return this.bodyCallback("request", toBytes(chunk), endOfStream);
  }

  onRequestTrailers(trailers: HeaderList): number {
    this.phase = "request";
    this.requestTrailers = lowercaseNames(trailers);
    this.access.requestTrailers = true;
    return this.trailersCallback("proxy_on_request_trailers", "request", this.requestTrailers.length);
  }

  onResponseHeaders(headers: HeaderList, endOfStream = false): number {
    this.phase = "response";
    this.responseHeaders = lowercaseNames(headers);
    this.access.responseHeaders = true;
    return this.headersCallback("proxy_on_response_headers", "response", this.responseHeaders.length, endOfStream, () => {
      this.access.responseHeaders = false;
    });
  }

  onResponseBody(chunk: Bytes, endOfStream: boolean): number {
    this.phase = "response";
    return this.bodyCallback("response", toBytes(chunk), endOfStream);
  }

  onResponseTrailers(trailers: HeaderList): number {
    this.phase = "response";
    this.responseTrailers = lowercaseNames(trailers);
    this.access.responseTrailers = true;
    return this.trailersCallback("proxy_on_response_trailers", "response", this.responseTrailers.length);
  }

  onLog(): void {
    this.logPhase = true;
    try {
      this.vm.callback("proxy_on_log", this, [this.id]);
    } finally {
      this.logPhase = false;
    }
  }

  /** `proxy_on_done`. Envoy deletes an HTTP context right after, whatever it returns. */
  onDone(): boolean {
    return (this.vm.callback("proxy_on_done", this, [this.id]) ?? 1) !== 0;
  }

  onDelete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.vm.callback("proxy_on_delete", this, [this.id]);
    this.vm.forgetContext(this.id);
  }

  private headersCallback(name: CallbackName, phase: Phase, count: number, endOfStream: boolean, onContinue: () => void): number {
    this.endOfStream = endOfStream;
    const args = headersCallbackArity(this.vm.abiVersion) === 2 ? [this.id, count] : [this.id, count, endOfStream ? 1 : 0];
    const action = this.filterCallback(name, phase, args);
    // Envoy maps ContinueAndEndStream to Continue; cpp-host turns StopIteration into StopAllIteration.
    if ((action === Action.Continue || action === Action.ContinueAndEndStream) && !this.localReplyDuring(phase)) onContinue();
    else this.pause(phase);
    return action;
  }

  private bodyCallback(phase: Phase, chunk: Uint8Array, endOfStream: boolean): number {
    const held = phase === "request" ? this.requestBody : this.responseBody;
    const body = this.buffering[phase] ? concatBytes(held, chunk) : chunk;
    this.setBody(phase, body);
    this.access[phase === "request" ? "requestBody" : "responseBody"] = true;
    this.endOfStream = endOfStream;
    const name = phase === "request" ? "proxy_on_request_body" : "proxy_on_response_body";
    const action = this.filterCallback(name, phase, [this.id, body.length, endOfStream ? 1 : 0]);
    if (this.continuedInCallback[phase]) return action;
    if (action === DataAction.Continue && !this.localReplyDuring(phase)) {
      this.forwardBody(phase);
      this.access[phase === "request" ? "requestBody" : "responseBody"] = false;
    } else if (action === DataAction.StopIterationAndBuffer || action === DataAction.StopIterationAndWatermark) {
      this.buffering[phase] = true;
      if (endOfStream) this.paused[phase] = true;
    } else {
      // StopIterationNoBuffer (or a local reply): Envoy keeps nothing of this chunk.
      this.buffering[phase] = false;
      this.setBody(phase, EMPTY);
      if (endOfStream) this.paused[phase] = true;
    }
    return action;
  }

  private trailersCallback(name: CallbackName, phase: Phase, count: number): number {
    const action = this.filterCallback(name, phase, [this.id, count]);
    if (action === Action.Continue && !this.localReplyDuring(phase)) {
      this.forwardBody(phase);
      this.access[phase === "request" ? "requestTrailers" : "responseTrailers"] = false;
    } else this.pause(phase);
    return action;
  }

  private filterCallback(name: CallbackName, phase: Phase, args: number[]): number {
    this.continuedInCallback[phase] = false;
    return this.vm.callback(name, this, args) ?? Action.Continue;
  }

  private pause(phase: Phase): void {
    if (!this.continuedInCallback[phase]) this.paused[phase] = true;
  }

  private localReplyDuring(phase: Phase): boolean {
    return this.localResponse?.during === phase;
  }

  private setBody(phase: Phase, body: Uint8Array): void {
    if (phase === "request") this.requestBody = body;
    else this.responseBody = body;
  }

  private forwardBody(phase: Phase): void {
    if (phase === "request") {
      this.forwardedRequestBody = concatBytes(this.forwardedRequestBody, this.requestBody);
      this.requestBody = EMPTY;
    } else {
      this.forwardedResponseBody = concatBytes(this.forwardedResponseBody, this.responseBody);
      this.responseBody = EMPTY;
    }
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
        return this.access.requestHeaders ? this.requestHeaders : null;
      case MapType.HttpResponseHeaders:
        return this.access.responseHeaders ? this.responseHeaders : null;
      case MapType.HttpRequestTrailers:
        // Envoy adds trailers when a body callback at end of stream asks for them and there are none.
        if (mutable && !this.access.requestTrailers && this.requestTrailers === null && this.access.requestBody && this.endOfStream) {
          this.requestTrailers = [];
          this.access.requestTrailers = true;
        }
        return this.access.requestTrailers ? this.requestTrailers : null;
      case MapType.HttpResponseTrailers:
        if (mutable && !this.access.responseTrailers && this.responseTrailers === null && this.access.responseBody && this.endOfStream) {
          this.responseTrailers = [];
          this.access.responseTrailers = true;
        }
        return this.access.responseTrailers ? this.responseTrailers : null;
      default:
        return super.getMap(type, mutable);
    }
  }

  override getBuffer(type: BufferType): BufferAccess | null {
    if (type === BufferType.HttpRequestBody) {
      return this.access.requestBody ? { get: () => this.requestBody, set: (b) => void (this.requestBody = b) } : ABSENT_BUFFER;
    }
    if (type === BufferType.HttpResponseBody) {
      return this.access.responseBody ? { get: () => this.responseBody, set: (b) => void (this.responseBody = b) } : ABSENT_BUFFER;
    }
    return super.getBuffer(type);
  }

  override continueStream(type: StreamType): Status {
    if (type !== StreamType.Request && type !== StreamType.Response) return super.continueStream(type);
    const phase: Phase = type === StreamType.Request ? "request" : "response";
    this.continued.push(type);
    this.continuedInCallback[phase] = true;
    this.paused[phase] = false;
    this.forwardBody(phase);
    if (phase === "request") {
      this.access.requestHeaders = this.access.requestBody = this.access.requestTrailers = false;
    } else {
      this.access.responseHeaders = this.access.responseBody = this.access.responseTrailers = false;
    }
    return Status.Ok;
  }

  override closeStream(type: StreamType): Status {
    if (type === StreamType.Request || type === StreamType.Response) this.closed.push(type);
    return Status.Ok;
  }

  override sendLocalResponse(response: LocalResponse): void {
    // Envoy sends one local reply per stream; the module's later ones are ignored.
    if (!this.localResponse) this.localResponse = { ...response, during: this.phase };
  }

  override calloutOverride(cluster: string): CalloutHandler | undefined {
    return this.calloutHandlers.get(cluster);
  }

  override derivedProperty(key: string): Uint8Array | undefined {
    const [first, second, third] = key.split("\0");
    const headerValue = (headers: HeaderList, name: string) => headers.find(([k]) => k === name)?.[1];
    let value: string | undefined;
    if (first === "request") {
      const h = this.requestHeaders;
      if (second === "headers" && third !== undefined) value = headerValue(h, third.toLowerCase());
      else if (third !== undefined) return undefined;
      else if (second === "path") value = headerValue(h, ":path");
      else if (second === "url_path") value = headerValue(h, ":path")?.split("?")[0];
      else if (second === "method") value = headerValue(h, ":method");
      else if (second === "host") value = headerValue(h, ":authority");
      else if (second === "scheme") value = headerValue(h, ":scheme");
      else if (second === "id") value = headerValue(h, "x-request-id");
    } else if (first === "response") {
      const h = this.responseHeaders;
      if (second === "headers" && third !== undefined) value = headerValue(h, third.toLowerCase());
      else if (second === "code" && third === undefined) {
        const status = headerValue(h, ":status");
        if (status === undefined) return undefined;
        const out = new Uint8Array(8);
        new DataView(out.buffer).setBigInt64(0, BigInt(Number(status) || 0), true);
        return out;
      }
    }
    return value === undefined ? undefined : new TextEncoder().encode(value);
  }
}
