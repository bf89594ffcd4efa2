// The friendly API: one RootContext per plugin (configuration, timers, shared state, callouts) creating one
// HttpContext or TcpContext per stream. Every callback is a method with a default, so a filter overrides only
// what it needs; callbacks return typed actions.
// Long because it is the whole surface a filter extends: each callback and accessor with its doc comment.
import * as host from "./hostcalls";
import * as views from "./accessors";
import { DataBuffer, HeaderMap } from "./accessors";
import { Header } from "./internal/headers";
import { ContextTable } from "./internal/table";
import { JsonObject, parseJsonObject } from "./json/index";
import { FilterDataStatus, FilterHeadersStatus, FilterStatus, FilterTrailersStatus, GrpcStatus, PeerType, StreamType } from "./types";

// Pending callouts: token → the context that made the call, for the dispatcher to route the answer. Made by
// the first callout, so a filter that makes none has no table for the collector to mark and no code for it.
let callouts: ContextTable<BaseContext> | null = null;

/**
 * Records which context made a callout (token 0 = refused, nothing to record), so its answer reaches that
 * context. Returns the token. For code that calls the raw ABI itself (the differential probe does).
 */
export function trackCallout(token: u32, owner: BaseContext): u32 {
  if (token != 0) {
    let table = callouts;
    if (!table) callouts = table = new ContextTable<BaseContext>();
    table.set(token, owner);
  }
  return token;
}

/** The pending callouts' owners (null before the first callout). */
export function pendingCallouts(): ContextTable<BaseContext> | null {
  return callouts;
}

/** What kind of context an id belongs to (the dispatcher checks it before calling a typed callback). */
export enum ContextKind {
  Root = 0,
  Http = 1,
  Tcp = 2,
  /** A stream its root made no context for (neither createHttpContext nor createTcpContext answered one). */
  Unhandled = 3,
}

/** What every context can do: lifecycle callbacks and outgoing calls whose answers come back to it. */
export abstract class BaseContext {
  constructor(public readonly id: u32, public readonly kind: ContextKind) {}

  /** The host wants to finish this context. Return false to finish later with `done()`. */
  onDone(): bool {
    return true;
  }

  /** Last chance to read the stream's headers (access logging). */
  onLog(): void {}

  /** The context is gone; release what it holds. */
  onDelete(): void {}

  /** Finishes a context whose `onDone` returned false. */
  done(): bool {
    host.setEffectiveContext(this.id);
    return host.done();
  }

  /**
   * Sends an HTTP request to `cluster`; `headers` must include `:method`, `:path` and `:authority`. The answer
   * arrives in this context's `onHttpCallResponse`. Returns the call token, or 0 when the host refused the call.
   */
  httpCall(cluster: string, headers: Header[], body: ArrayBuffer | null, trailers: Header[], timeoutMs: u32): u32 {
    return trackCallout(host.httpCall(cluster, headers, body, trailers, timeoutMs), this);
  }

  /**
   * The answer to `httpCall` (numHeaders == 0: the call failed or timed out). Read it with
   * `httpCallResponseHeaders`, `httpCallResponseBody`, `httpCallResponseTrailers` during this callback.
   */
  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {}

  /** A unary gRPC call; answers arrive in this context's `onGrpc*` callbacks. Returns the token, or 0 when refused. */
  grpcCall(cluster: string, service: string, method: string, initialMetadata: Header[], message: ArrayBuffer | null, timeoutMs: u32): u32 {
    return trackCallout(host.grpcCall(cluster, service, method, initialMetadata, message, timeoutMs), this);
  }

  /** Opens a gRPC stream (send with `grpcSend`); answers arrive in this context's `onGrpc*` callbacks. 0 when refused. */
  grpcStream(cluster: string, service: string, method: string, initialMetadata: Header[]): u32 {
    return trackCallout(host.grpcStream(cluster, service, method, initialMetadata), this);
  }

  /** Initial metadata of a gRPC call or stream arrived (read `grpcInitialMetadata`). */
  onGrpcReceiveInitialMetadata(token: u32, numElements: u32): void {}

  /** A gRPC message arrived (read `grpcMessage`). */
  onGrpcReceive(token: u32, messageSize: usize): void {}

  /** Trailing metadata of a gRPC call or stream arrived (read `grpcTrailingMetadata`). */
  onGrpcReceiveTrailingMetadata(token: u32, numElements: u32): void {}

  /** The gRPC call or stream ended with `status`; `getStatus()` gives the message. */
  onGrpcClose(token: u32, status: GrpcStatus): void {}
}

/** The plugin's context: configuration, timers, queues, and the factory of per-stream contexts. */
export class RootContext extends BaseContext {
  constructor(id: u32) {
    super(id, ContextKind.Root);
  }

  /** The VM started; its configuration is in `vmConfiguration` (`vmConfigurationSize` bytes). Return false to fail. */
  onVmStart(vmConfigurationSize: usize): bool {
    return true;
  }

  /** The plugin got its configuration (`pluginConfiguration`, `configurationSize` bytes). Return false to reject it. */
  onConfigure(configurationSize: usize): bool {
    return true;
  }

  /** The VM configuration bytes (only inside `onVmStart`). */
  getVmConfiguration(): ArrayBuffer | null {
    return views.vmConfiguration.get();
  }

  /** The plugin configuration bytes (only inside `onConfigure`). */
  getPluginConfiguration(): ArrayBuffer | null {
    return views.pluginConfiguration.get();
  }

  /**
   * The plugin configuration as a JSON object (only inside `onConfigure`; an empty configuration reads as
   * `{}`). Malformed JSON or a non-object: logs what is wrong and at which byte, and returns null — then return
   * false (the plugin is refused). Read values with `getString`/`getInt`/`getBool`/`getStrings`/… and a
   * fallback, and end with `return config.ok()` (refuses a value of the wrong type).
   */
  parseConfig(): JsonObject | null {
    return parseJsonObject(views.pluginConfiguration.get(), "invalid configuration");
  }

  /** The plugin configuration as a string (only inside `onConfigure`; "" when none). */
  getPluginConfigurationString(): string {
    return views.pluginConfiguration.getText();
  }

  /** Calls `onTick` every `periodMs` milliseconds; 0 stops the timer. */
  setTickPeriod(periodMs: u32): void {
    host.setTickPeriodMilliseconds(periodMs);
  }

  /** The timer set by `setTickPeriod` fired. */
  onTick(): void {}

  /** A message is waiting in queue `queueId` (registered by this VM); take it with `dequeueSharedQueue`. */
  onQueueReady(queueId: u32): void {}

  /** The host called into the plugin (arguments in `foreignFunctionArguments`, `argsSize` bytes). */
  onForeignFunction(functionId: u32, argsSize: usize): void {}

  /** Creates the context of a new HTTP stream; null (the default) if this plugin is not an HTTP filter. */
  createHttpContext(contextId: u32): HttpStream | null {
    return null;
  }

  /** Creates the context of a new TCP connection; null (the default) if this plugin is not a network filter. */
  createTcpContext(contextId: u32): TcpStream | null {
    return null;
  }
}

/**
 * One HTTP stream (request and response) passing through the filter: every HTTP callback and accessor. The
 * dispatcher calls these through this non-generic class (each instantiation of a generic class is a class of
 * its own in AssemblyScript, so overrides must hang off one common base). Filters extend `HttpContext<R>`.
 */
export abstract class HttpStream extends BaseContext {
  constructor(id: u32, public readonly rootContext: RootContext) {
    super(id, ContextKind.Http);
  }

  /** Request headers arrived (`endOfStream`: no body follows). */
  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    return FilterHeadersStatus.Continue;
  }

  /** A request body chunk arrived; `bodySize` counts all bytes buffered so far (see `requestBody`). */
  onRequestBody(bodySize: usize, endOfStream: bool): FilterDataStatus {
    return FilterDataStatus.Continue;
  }

  /** Request trailers arrived. */
  onRequestTrailers(numTrailers: u32): FilterTrailersStatus {
    return FilterTrailersStatus.Continue;
  }

  /** Response headers arrived from upstream (or from a local response). */
  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    return FilterHeadersStatus.Continue;
  }

  /** A response body chunk arrived; `bodySize` counts all bytes buffered so far (see `responseBody`). */
  onResponseBody(bodySize: usize, endOfStream: bool): FilterDataStatus {
    return FilterDataStatus.Continue;
  }

  /** Response trailers arrived. */
  onResponseTrailers(numTrailers: u32): FilterTrailersStatus {
    return FilterTrailersStatus.Continue;
  }

  /** Request headers (changeable in `onRequestHeaders` or while the request is paused there). */
  get requestHeaders(): HeaderMap {
    return views.requestHeaders;
  }

  /** Request trailers. */
  get requestTrailers(): HeaderMap {
    return views.requestTrailers;
  }

  /** Response headers (changeable in `onResponseHeaders` or while the response is paused there). */
  get responseHeaders(): HeaderMap {
    return views.responseHeaders;
  }

  /** Response trailers. */
  get responseTrailers(): HeaderMap {
    return views.responseTrailers;
  }

  /** The buffered request body (in `onRequestBody`). */
  get requestBody(): DataBuffer {
    return views.requestBody;
  }

  /** The buffered response body (in `onResponseBody`). */
  get responseBody(): DataBuffer {
    return views.responseBody;
  }

  /** Resumes a request paused by a StopIteration return. */
  continueRequest(): bool {
    return host.continueStream(StreamType.HttpRequest);
  }

  /** Resumes a response paused by a StopIteration return. */
  continueResponse(): bool {
    return host.continueStream(StreamType.HttpResponse);
  }

  /** Resets the request direction of the stream. */
  closeRequest(): bool {
    return host.closeStream(StreamType.HttpRequest);
  }

  /** Resets the response direction of the stream. */
  closeResponse(): bool {
    return host.closeStream(StreamType.HttpResponse);
  }

  /**
   * Answers the client directly with `statusCode` (the request goes no further; return StopIteration from the
   * callback). `grpcStatus` other than InvalidCode makes it a gRPC error response.
   */
  sendLocalResponse(statusCode: u32, body: string = "", headers: Header[] = [], details: string = "", grpcStatus: GrpcStatus = GrpcStatus.InvalidCode): void {
    host.sendLocalResponse(statusCode, details, String.UTF8.encode(body), headers, grpcStatus);
  }

  /** `sendLocalResponse` with a binary body. */
  sendLocalResponseBytes(statusCode: u32, body: ArrayBuffer | null, headers: Header[] = [], details: string = "", grpcStatus: GrpcStatus = GrpcStatus.InvalidCode): void {
    host.sendLocalResponse(statusCode, details, body, headers, grpcStatus);
  }
}

/** One TCP connection passing through a network filter: every TCP callback and accessor (see `HttpStream`). */
export abstract class TcpStream extends BaseContext {
  constructor(id: u32, public readonly rootContext: RootContext) {
    super(id, ContextKind.Tcp);
  }

  /** A downstream connection was accepted. */
  onNewConnection(): FilterStatus {
    return FilterStatus.Continue;
  }

  /** Bytes arrived from the client (see `downstreamData`; `dataSize` counts all buffered bytes). */
  onDownstreamData(dataSize: usize, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }

  /** The client side closed. */
  onDownstreamConnectionClose(peer: PeerType): void {}

  /** Bytes arrived from the upstream server (see `upstreamData`). */
  onUpstreamData(dataSize: usize, endOfStream: bool): FilterStatus {
    return FilterStatus.Continue;
  }

  /** The upstream side closed. */
  onUpstreamConnectionClose(peer: PeerType): void {}

  /** Data from the client, in `onDownstreamData`. */
  get downstreamData(): DataBuffer {
    return views.downstreamData;
  }

  /** Data from the upstream, in `onUpstreamData`. */
  get upstreamData(): DataBuffer {
    return views.upstreamData;
  }

  /** Resumes the client→upstream direction after a StopIteration. */
  continueDownstream(): bool {
    return host.continueStream(StreamType.Downstream);
  }

  /** Resumes the upstream→client direction after a StopIteration. */
  continueUpstream(): bool {
    return host.continueStream(StreamType.Upstream);
  }

  /** Closes the client connection. */
  closeDownstream(): bool {
    return host.closeStream(StreamType.Downstream);
  }

  /** Closes the upstream connection. */
  closeUpstream(): bool {
    return host.closeStream(StreamType.Upstream);
  }
}

/**
 * The base of a filter's HTTP context. `R` is the filter's root class: `this.root` is typed, no cast needed.
 *
 *   class AddHeader extends HttpContext<Root> {
 *     onResponseHeaders(n: u32, end: bool): FilterHeadersStatus {
 *       this.responseHeaders.add(this.root.name, this.root.value);
 *       return FilterHeadersStatus.Continue;
 *     }
 *   }
 */
export class HttpContext<R extends RootContext = RootContext> extends HttpStream {
  constructor(id: u32, root: R) {
    super(id, root);
  }

  /** The root context that created this stream, as the filter's own root class. */
  get root(): R {
    return changetype<R>(this.rootContext);
  }
}

/** The base of a filter's TCP context; `this.root` is the filter's root class `R` (see `HttpContext`). */
export class TcpContext<R extends RootContext = RootContext> extends TcpStream {
  constructor(id: u32, root: R) {
    super(id, root);
  }

  /** The root context that created this connection, as the filter's own root class. */
  get root(): R {
    return changetype<R>(this.rootContext);
  }
}
