import { BufferType, MapType, WasmResult, StreamType } from "./abi.js";
import type { CalloutHandler } from "./callouts.js";
import type { HeaderList } from "./codec.js";
import type { Plugin } from "./plugin.js";
import type { Vm } from "./vm.js";

/** A buffer a callback may touch: read-only ones (configuration, callout answers) have no `set`. */
export interface BufferAccess {
  get(): Uint8Array;
  set?(bytes: Uint8Array): void;
}

const EMPTY = new Uint8Array(0);
/** Envoy hands out an empty buffer object when there is no data: reads give 0 bytes, writes BAD_ARGUMENT. */
export const ABSENT_BUFFER: BufferAccess = { get: () => EMPTY };

/** Data a stream callback holds (body, connection data): read-write while held, else an absent buffer. */
export function heldBuffer(held: boolean, get: () => Uint8Array, set: (bytes: Uint8Array) => void): BufferAccess {
  return held ? { get, set } : ABSENT_BUFFER;
}

export function readOnly(bytes: Uint8Array): BufferAccess {
  return { get: () => bytes };
}

/**
 * Envoy's `Buffer::copyFrom`: start 0 drains `length` bytes then prepends; start ≥ size appends; else
 * BAD_ARGUMENT. Immutable and absent buffers are BAD_ARGUMENT too (cpp-host's `BufferBase::copyFrom`).
 */
export function writeBuffer(buffer: BufferAccess, start: number, length: number, data: Uint8Array): WasmResult {
  if (!buffer.set) return WasmResult.BadArgument;
  const current = buffer.get();
  if (start === 0) {
    const rest = current.subarray(Math.min(length, current.length));
    const out = new Uint8Array(data.length + rest.length);
    out.set(data);
    out.set(rest, data.length);
    buffer.set(out);
    return WasmResult.Ok;
  }
  if (start >= current.length) {
    const out = new Uint8Array(current.length + data.length);
    out.set(current);
    out.set(data, current.length);
    buffer.set(out);
    return WasmResult.Ok;
  }
  return WasmResult.BadArgument;
}

/** What a host function sees of the context it runs for; HTTP and TCP contexts add their maps and buffers. */
export abstract class Context {
  /** Properties the scenario or a test gives this context only. */
  readonly properties = new Map<string, Uint8Array>();
  /**
   * What the module stored with `proxy_set_property`, by the path it gave. Envoy keeps it as filter state
   * under the whole path but looks a read up by the path's first part only: a value set under a one-part
   * path reads back, one under a longer path never does (differential case `probe-props-set-get`).
   */
  readonly filterState = new Map<string, Uint8Array>();

  constructor(
    readonly vm: Vm,
    readonly id: number,
  ) {}

  /** The root (plugin) context this context belongs to (itself for a root context). */
  abstract get plugin(): Plugin;

  /**
   * The header map a host function may touch, or null (BAD_ARGUMENT / NOT_FOUND to the module). `mutable`
   * follows Envoy's `getMap` (writes, size) versus `getConstMap` (reads).
   */
  getMap(type: MapType, mutable: boolean): HeaderList | null {
    if (mutable) return null;
    const root = this.plugin;
    switch (type) {
      case MapType.GrpcReceiveInitialMetadata:
        return root.grpcInitialMetadata;
      case MapType.GrpcReceiveTrailingMetadata:
        return root.grpcTrailingMetadata;
      case MapType.HttpCallResponseHeaders:
        return root.httpCallResponse?.headers ?? null;
      case MapType.HttpCallResponseTrailers:
        return root.httpCallResponse?.trailers ?? null;
      default:
        return null;
    }
  }

  /** The log phase reads some maps that are otherwise gone (Envoy's access-log pointers). */
  inLogPhase(): boolean {
    return false;
  }

  getBuffer(type: BufferType): BufferAccess | null {
    const root = this.plugin;
    switch (type) {
      case BufferType.VmConfiguration:
        return readOnly(this.vm.vmConfig);
      case BufferType.PluginConfiguration:
        return root.configuring ? readOnly(root.configuration) : null;
      case BufferType.HttpCallResponseBody:
        return root.httpCallResponse ? readOnly(root.httpCallResponse.body) : null;
      case BufferType.GrpcReceiveBuffer:
        return root.grpcReceiveBuffer ? readOnly(root.grpcReceiveBuffer) : ABSENT_BUFFER;
      case BufferType.CallData:
        return readOnly(root.callData ?? EMPTY);
      case BufferType.HttpRequestBody:
      case BufferType.HttpResponseBody:
      case BufferType.DownstreamData:
      case BufferType.UpstreamData:
        return ABSENT_BUFFER;
      default:
        return null;
    }
  }

  /** Envoy's `continueStream` for a context without HTTP or network callbacks. */
  continueStream(type: StreamType): WasmResult {
    return type === StreamType.Upstream ? WasmResult.Unimplemented : WasmResult.Ok;
  }

  closeStream(_type: StreamType): WasmResult {
    return WasmResult.Ok;
  }

  /** Only an HTTP stream can answer locally; elsewhere Envoy ignores it (no decoder callbacks). */
  sendLocalResponse(_response: LocalResponse): void {}

  /** A property the host derives from this context's state (e.g. request.path), if any. */
  derivedProperty(_key: string): Uint8Array | undefined {
    return undefined;
  }

  /** Handlers for callouts made from this context (a scenario's `callouts`), before the host's. */
  calloutOverride(_cluster: string): CalloutHandler | undefined {
    return undefined;
  }
}

export interface LocalResponse {
  status: number;
  headers: HeaderList;
  body: Uint8Array;
  details: string;
  grpcStatus: number;
}

/** An HTTP stream or TCP connection context: created under a root context, done, then deleted. */
export abstract class StreamContext extends Context {
  deleted = false;

  constructor(
    vm: Vm,
    id: number,
    readonly root: Plugin,
  ) {
    super(vm, id);
    vm.registerContext(this);
  }

  /** `proxy_on_context_create(id, root)`; separate from the constructor so subclass state exists first. */
  create(): this {
    this.vm.callback("proxy_on_context_create", this, [this.id, this.root.id]);
    return this;
  }

  get plugin(): Plugin {
    return this.root;
  }

  /** `proxy_on_done`. Envoy deletes a stream context right after, whatever it returns. */
  onDone(): boolean {
    return (this.vm.callback("proxy_on_done", this, [this.id]) ?? 1) !== 0;
  }

  onDelete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.vm.callback("proxy_on_delete", this, [this.id]);
    this.vm.forgetContext(this.id);
  }
}
