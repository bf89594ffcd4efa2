// Keeps the contexts by id and turns each exported callback (sdk/abi/exports.ts) into a method call on the
// right one. Outgoing calls (HTTP/gRPC) are remembered by token so their answers reach the context that made
// them, with that context made effective first so it can e.g. resume its stream.
// Long because the ABI has that many callbacks: one short entry each.
import * as host from "./hostcalls";
import { ContextTable } from "./internal/table";
import { BaseContext, ContextKind, HttpStream, RootContext, TcpStream, pendingCallouts } from "./context";

// The plugin's root-context factory (one per module, as in the Rust and Go SDKs).
let createRoot: ((contextId: u32) => RootContext) | null = null;
const contexts = new ContextTable<BaseContext>();
// Consecutive callbacks nearly always target the same stream: remember the last lookup.
let lastId: u32 = 0;
let last: BaseContext | null = null;

// Garbage collection. The module uses AssemblyScript's "minimal" runtime (two-colour mark & sweep, no shadow
// stack: half the size of the incremental one), which collects only when told and only when no managed
// reference lives on the wasm stack alone. That holds when the outermost callback returns (contexts and
// everything they keep hang off `contexts`), so callbacks count their nesting (a host may call back from
// inside a host call) and the outermost one collects every COLLECT_EVERY callbacks: garbage stays bounded.
const COLLECT_EVERY: u32 = 64;
let depth: u32 = 0;
let sinceCollect: u32 = 0;

// @ts-ignore: decorator
@inline function enter(): void {
  depth++;
}

function leave(): void {
  if (--depth == 0 && ++sinceCollect >= COLLECT_EVERY) {
    sinceCollect = 0;
    __collect();
  }
}

/** `leave()` then pass a callback's result through. */
// @ts-ignore: decorator
@inline function leaveWith<T>(result: T): T {
  leave();
  return result;
}

/**
 * Registers the plugin: `create` makes its RootContext, once per plugin configured on this module (the
 * host's root_id does not matter). Call it once, at the top level of the entry file.
 */
export function registerRootContext(create: (contextId: u32) => RootContext): void {
  createRoot = create;
}

/** Stands for every stream its root made no context for: their callbacks pass (Continue) untouched. */
@final class Unhandled extends BaseContext {
  constructor() {
    super(0, ContextKind.Unhandled);
  }
}
let unhandled: Unhandled | null = null;

function unknownContext(): void {
  proxyAbort("unknown context");
}

function find(id: u32): BaseContext | null {
  if (id == lastId && last) return last;
  const ctx = contexts.get(id);
  lastId = id;
  last = ctx;
  return ctx;
}

/**
 * The context `id` names if it is of `kind`; null for a stream its root made no context for. A host calling
 * back for a context it never created, or of the other kind, is a bug: stop, as the Rust SDK does.
 */
function ofKind(id: u32, kind: ContextKind): BaseContext | null {
  const ctx = find(id);
  if (ctx && ctx.kind == kind) return ctx;
  if (!ctx || ctx.kind != ContextKind.Unhandled) unknownContext();
  return null;
}

function root(id: u32): RootContext | null {
  return changetype<RootContext | null>(ofKind(id, ContextKind.Root));
}

function http(id: u32): HttpStream | null {
  return changetype<HttpStream | null>(ofKind(id, ContextKind.Http));
}

function tcp(id: u32): TcpStream | null {
  return changetype<TcpStream | null>(ofKind(id, ContextKind.Tcp));
}

/**
 * The context a callout answer belongs to, made effective (null when it is gone); `remove` forgets the token
 * (on the call's last callback). Answers to unknown tokens go to the root context.
 */
function calloutOwner(rootId: u32, token: u32, remove: bool): BaseContext | null {
  const table = pendingCallouts();
  let owner: BaseContext | null = null;
  if (table) owner = remove ? table.delete(token) : table.get(token);
  if (!owner) return find(rootId);
  if (find(owner.id) !== owner) return null;
  if (owner.id != rootId) host.setEffectiveContext(owner.id);
  return owner;
}

// --- Lifecycle ---

export function onContextCreate(id: u32, parentId: u32): void {
  enter();
  let ctx: BaseContext | null = null;
  if (parentId == 0) {
    const create = createRoot;
    if (!create) abort("registerRootContext not called");
    else ctx = create(id);
  } else {
    const parent = root(parentId);
    if (parent) {
      ctx = parent.createHttpContext(id);
      if (!ctx) ctx = parent.createTcpContext(id);
    }
  }
  if (!ctx) {
    let none = unhandled;
    if (!none) unhandled = none = new Unhandled();
    ctx = none;
  }
  contexts.set(id, ctx);
  // The next callback is nearly always for this new context.
  lastId = id;
  last = ctx;
  leave();
}

export function onDone(id: u32): bool {
  enter();
  const ctx = find(id);
  return leaveWith(ctx ? ctx.onDone() : true);
}

export function onLog(id: u32): void {
  enter();
  const ctx = find(id);
  if (ctx) ctx.onLog();
  leave();
}

export function onDelete(id: u32): void {
  enter();
  const ctx = find(id);
  if (ctx) {
    ctx.onDelete();
    contexts.delete(id);
    // Calls it still waited for will not be answered (the host cancels them): forget them, or they would
    // keep the context alive.
    const table = pendingCallouts();
    if (table && table.size > 0) table.deleteValue(ctx);
    if (lastId == id) last = null;
  }
  leave();
}

// --- Root context ---

export function onVmStart(id: u32, vmConfigurationSize: usize): bool {
  enter();
  const ctx = root(id);
  return leaveWith(ctx ? ctx.onVmStart(vmConfigurationSize) : true);
}

export function onConfigure(id: u32, configurationSize: usize): bool {
  enter();
  const ctx = root(id);
  return leaveWith(ctx ? ctx.onConfigure(configurationSize) : true);
}

export function onTick(id: u32): void {
  enter();
  const ctx = root(id);
  if (ctx) ctx.onTick();
  leave();
}

export function onQueueReady(id: u32, queueId: u32): void {
  enter();
  const ctx = root(id);
  if (ctx) ctx.onQueueReady(queueId);
  leave();
}

export function onForeignFunction(id: u32, functionId: u32, argsSize: usize): void {
  enter();
  const ctx = root(id);
  if (ctx) ctx.onForeignFunction(functionId, argsSize);
  leave();
}

// --- HTTP streams ---

export function onRequestHeaders(id: u32, numHeaders: u32, endOfStream: bool): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onRequestHeaders(numHeaders, endOfStream) : 0);
}

export function onRequestBody(id: u32, bodySize: usize, endOfStream: bool): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onRequestBody(bodySize, endOfStream) : 0);
}

export function onRequestTrailers(id: u32, numTrailers: u32): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onRequestTrailers(numTrailers) : 0);
}

export function onResponseHeaders(id: u32, numHeaders: u32, endOfStream: bool): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onResponseHeaders(numHeaders, endOfStream) : 0);
}

export function onResponseBody(id: u32, bodySize: usize, endOfStream: bool): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onResponseBody(bodySize, endOfStream) : 0);
}

export function onResponseTrailers(id: u32, numTrailers: u32): u32 {
  enter();
  const ctx = http(id);
  return leaveWith(ctx ? ctx.onResponseTrailers(numTrailers) : 0);
}

// --- TCP connections ---

export function onNewConnection(id: u32): u32 {
  enter();
  const ctx = tcp(id);
  return leaveWith(ctx ? ctx.onNewConnection() : 0);
}

export function onDownstreamData(id: u32, dataSize: usize, endOfStream: bool): u32 {
  enter();
  const ctx = tcp(id);
  return leaveWith(ctx ? ctx.onDownstreamData(dataSize, endOfStream) : 0);
}

export function onDownstreamConnectionClose(id: u32, peer: u32): void {
  enter();
  const ctx = tcp(id);
  if (ctx) ctx.onDownstreamConnectionClose(peer);
  leave();
}

export function onUpstreamData(id: u32, dataSize: usize, endOfStream: bool): u32 {
  enter();
  const ctx = tcp(id);
  return leaveWith(ctx ? ctx.onUpstreamData(dataSize, endOfStream) : 0);
}

export function onUpstreamConnectionClose(id: u32, peer: u32): void {
  enter();
  const ctx = tcp(id);
  if (ctx) ctx.onUpstreamConnectionClose(peer);
  leave();
}

// --- Callout answers (delivered on the root context id; routed to the caller) ---

export function onHttpCallResponse(rootId: u32, token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
  enter();
  const ctx = calloutOwner(rootId, token, true);
  if (ctx) ctx.onHttpCallResponse(token, numHeaders, bodySize, numTrailers);
  leave();
}

export function onGrpcReceiveInitialMetadata(rootId: u32, token: u32, numElements: u32): void {
  enter();
  const ctx = calloutOwner(rootId, token, false);
  if (ctx) ctx.onGrpcReceiveInitialMetadata(token, numElements);
  leave();
}

export function onGrpcReceive(rootId: u32, token: u32, messageSize: usize): void {
  enter();
  const ctx = calloutOwner(rootId, token, false);
  if (ctx) ctx.onGrpcReceive(token, messageSize);
  leave();
}

export function onGrpcReceiveTrailingMetadata(rootId: u32, token: u32, numElements: u32): void {
  enter();
  const ctx = calloutOwner(rootId, token, false);
  if (ctx) ctx.onGrpcReceiveTrailingMetadata(token, numElements);
  leave();
}

export function onGrpcClose(rootId: u32, token: u32, statusCode: u32): void {
  enter();
  const ctx = calloutOwner(rootId, token, true);
  if (ctx) ctx.onGrpcClose(token, statusCode);
  leave();
}
