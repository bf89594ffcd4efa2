import { CALLBACKS, WasmResult, hostFunctionsFor, type AbiVersion, type CallbackName, type FunctionSpec } from "./abi.js";
import {
  CalloutRequest,
  GrpcCall,
  answerHeaders,
  envoyFailureAnswer,
  isFailure,
  type CalloutAnswer,
  type CalloutHandler,
  type GrpcDelivery,
  type GrpcHandler,
} from "./callouts.js";
import { lowercaseNames, toBytes, type Bytes, type HeaderList } from "./codec.js";
import type { Context } from "./context.js";
import { envImports } from "./env-imports.js";
import { HostError, MemoryFault, ProcExit, WasmTrapError } from "./errors.js";
import type { Host } from "./host.js";
import { GuestMemory } from "./memory.js";
import { Plugin, type PluginOptions } from "./plugin.js";
import { checkModule } from "./module-check.js";
import { describeFrames, wasmFrames } from "./trap-frames.js";
import { readWasmInterface } from "./wasm-binary.js";
import { wasiImports } from "./wasi-imports.js";

export interface VmOptions {
  /** Envoy's vm_id: VMs with the same id share shared data; queues are named per vm_id. */
  vmId?: string;
  /** VM_CONFIGURATION, read by `proxy_on_vm_start`. */
  vmConfig?: Bytes;
  /** Environment variables for WASI `environ_get`. */
  env?: Record<string, string>;
}

type Pending = { kind: "http"; request: CalloutRequest; handler: CalloutHandler } | { kind: "grpc"; call: GrpcCall; handler: GrpcHandler };

type Timer = { at: number; fire: () => void };

/** When Envoy's async client answers a pending HTTP callout itself: at its timeout, with a 504 (`envoyFailureAnswer`). */
function calloutTimeout(pending: Pending): Timer | undefined {
  if (pending.kind !== "http") return undefined;
  const { request } = pending;
  return request.answered || request.deadline === undefined ? undefined : { at: request.deadline, fire: () => request.respond({ failure: "timeout" }) };
}

/** When Envoy closes an open gRPC call itself: at its timeout, with UNAVAILABLE (`envoyGrpcTimeout`). */
function grpcTimeout(call: GrpcCall): Timer | undefined {
  return call.finished || call.cancelled || call.deadline === undefined ? undefined : { at: call.deadline, fire: () => call.timeOut() };
}

type GuestFunction = (...args: (number | bigint)[]) => number | bigint | undefined;

/** One instance of a module (a Wasm VM in Envoy's words) with its contexts. */
export class Vm {
  readonly vmId: string;
  readonly vmConfig: Uint8Array;
  readonly env: Record<string, string>;
  /** The VM's own context (id 0): what host functions see while start functions run. */
  readonly vmContext: Plugin;
  readonly contexts = new Map<number, Context>();
  /** Root contexts, in creation order. */
  readonly plugins: Plugin[] = [];
  /** Set after the module trapped: like Envoy, a failed VM takes no more calls. */
  failed = false;
  imports: WebAssembly.Imports = {};
  instance!: WebAssembly.Instance;
  memory!: GuestMemory;
  /** True while `proxy_on_vm_start` runs (0.1.0 `proxy_get_configuration` then returns the VM configuration). */
  startingVm = false;
  effectiveContextId = 0;

  private current: Context;
  private nextContextId = 1;
  private readonly pending: Pending[] = [];
  private nextHttpCallId = 1;
  private nextGrpcCallId = 1;
  private nextGrpcStreamId = 2;
  private readonly grpcCalls = new Map<number, GrpcCall>();

  private constructor(
    readonly host: Host,
    readonly abiVersion: AbiVersion,
    options: VmOptions,
  ) {
    this.vmId = options.vmId ?? "";
    this.vmConfig = toBytes(options.vmConfig).slice();
    this.env = options.env ?? {};
    this.vmContext = new Plugin(this, 0);
    this.current = this.vmContext;
  }

  static async load(host: Host, wasm: Uint8Array | WebAssembly.Module, options: VmOptions): Promise<Vm> {
    let module: WebAssembly.Module;
    try {
      module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new HostError(`not a valid WebAssembly module: ${(e as Error).message}`, "load", undefined, { cause: e });
    }
    const imports = wasm instanceof WebAssembly.Module ? WebAssembly.Module.imports(module) : readWasmInterface(wasm).imports;
    const check = checkModule({ imports, exports: WebAssembly.Module.exports(module) });
    if (!check.loadable || !check.abiVersion) throw new HostError(`the module cannot be loaded: ${check.problems.join("; ")}`, "load");
    const version = check.abiVersion;

    const vm = new Vm(host, version, options);
    vm.imports = vm.buildImports();
    try {
      vm.instance = await WebAssembly.instantiate(module, vm.imports);
    } catch (e) {
      throw new HostError(`instantiation failed: ${(e as Error).message}`, "load", undefined, { cause: e });
    }
    const exports = vm.instance.exports;
    const allocate = (exports.malloc ?? exports.proxy_on_memory_allocate) as (size: number) => number;
    vm.memory = new GuestMemory(exports.memory as WebAssembly.Memory, allocate);
    host.vms.push(vm);
    vm.start();
    return vm;
  }

  /** The import object, exactly the functions cpp-host registers for this ABI version. */
  private buildImports(): WebAssembly.Imports {
    const provided = hostFunctionsFor(this.abiVersion);
    const env = envImports(this);
    const wasi = wasiImports(this);
    const pick = (impls: Record<string, unknown>, specs: FunctionSpec[]) =>
      Object.fromEntries(specs.map((s) => [s.name, impls[s.name]])) as WebAssembly.ModuleImports;
    return Object.fromEntries([...provided].map(([module, specs]) => [module, pick(module === "env" ? env : wasi, specs)]));
  }

  /** `_initialize` (then `main`) or `_start`: the module's own initialization, before any context. */
  private start(): void {
    if (this.exportedFunction("_initialize")) {
      this.invoke("_initialize", this.vmContext, []);
      if (this.exportedFunction("main")) this.invoke("main", this.vmContext, [0, 0]);
    } else if (this.exportedFunction("_start")) {
      this.invoke("_start", this.vmContext, []);
    }
  }

  /**
   * Creates a root context and configures it. cpp-host starts the VM with its first plugin: that plugin's
   * root context is created (`proxy_on_context_create(id, 0)`), then `proxy_on_vm_start(id, vm_config_size)`
   * runs, then `proxy_on_configure`; later plugins only get create and configure.
   */
  startPlugin(options: PluginOptions = {}): Plugin {
    const first = this.plugins.length === 0;
    const root = new Plugin(this, this.allocContextId());
    this.registerContext(root);
    this.plugins.push(root);
    root.name = options.name ?? "";
    root.rootId = options.rootId ?? "";
    root.configuration = toBytes(options.configuration).slice();
    this.withPlugin(root, () => this.callback("proxy_on_context_create", root, [root.id, 0]));
    if (first) {
      this.startingVm = true;
      try {
        if (this.callback("proxy_on_vm_start", root, [root.id, this.vmConfig.length]) === 0) {
          throw new HostError("returned false: the module refused to start (check its VM configuration)", "proxy_on_vm_start", root.id);
        }
      } finally {
        this.startingVm = false;
      }
    }
    const configured = this.withPlugin(root, () => this.callback("proxy_on_configure", root, [root.id, root.configuration.length]));
    if (configured === 0) throw new HostError("returned false: the plugin refused its configuration", "proxy_on_configure", root.id);
    return root;
  }

  /** PLUGIN_CONFIGURATION is readable while cpp-host holds the plugin (context creation and configure). */
  private withPlugin<T>(root: Plugin, call: () => T): T {
    root.configuring = true;
    try {
      return call();
    } finally {
      root.configuring = false;
    }
  }

  allocContextId(): number {
    return this.nextContextId++;
  }

  registerContext(context: Context): void {
    this.contexts.set(context.id, context);
  }

  forgetContext(id: number): void {
    this.contexts.delete(id);
  }

  /** cpp-host's `contextOrEffectiveContext()`: the context host functions act on. */
  context(): Context {
    if (this.effectiveContextId !== 0) {
      const effective = this.contexts.get(this.effectiveContextId);
      if (effective) return effective;
    }
    return this.current;
  }

  /** The next timer due in this VM: a root context's tick, or an HTTP callout or gRPC call reaching its timeout. */
  nextTimer(): Timer | undefined {
    if (this.failed) return undefined;
    let next: Timer | undefined;
    // gRPC calls from the open ones: a call whose handler said "pending" has left `pending` but still times out.
    for (const due of [...this.plugins.map((p) => p.dueTick()), ...this.pending.map(calloutTimeout), ...[...this.grpcCalls.values()].map(grpcTimeout)]) {
      if (due && (!next || due.at < next.at)) next = due;
    }
    return next;
  }

  private exportedFunction(name: string): GuestFunction | undefined {
    const f = this.instance.exports[name];
    return typeof f === "function" ? (f as GuestFunction) : undefined;
  }

  /** Calls a callback if the module exports it (undefined otherwise); returns its i32 result as unsigned. */
  callback(name: CallbackName, context: Context, args: number[]): number | undefined {
    const spec = CALLBACKS[name];
    if (!spec.versions.includes(this.abiVersion) || !this.exportedFunction(name)) return undefined;
    return this.invoke(name, context, args);
  }

  private invoke(name: string, context: Context, args: number[]): number | undefined {
    const f = this.exportedFunction(name)!;
    if (this.failed) throw new HostError("the VM failed earlier (the module trapped); load a new VM", name, context.id);
    const saved = { current: this.current, effective: this.effectiveContextId };
    this.current = context;
    this.effectiveContextId = 0;
    const logStart = this.host.logs.length;
    // V8 keeps 10 frames by default: a trap deep in the standard library would lose the module's own.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 50;
    try {
      const result = this.host.runGuest(() => f(...args));
      return typeof result === "number" ? result >>> 0 : undefined;
    } catch (e) {
      throw this.failure(e, name, context.id, logStart);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      this.current = saved.current;
      this.effectiveContextId = saved.effective;
    }
  }

  private failure(e: unknown, operation: string, contextId: number, logStart: number): HostError {
    this.failed = true;
    if (e instanceof HostError) return e;
    // What the module logged just before dying (an abort message, say) is the useful part of the error.
    const last = this.host.logs
      .slice(logStart)
      .reverse()
      .find((l) => l.vmId === this.vmId && (l.level === "error" || l.level === "critical"));
    const detail = last ? ` (last error log: ${last.message})` : "";
    if (e instanceof WebAssembly.RuntimeError || e instanceof ProcExit || e instanceof MemoryFault || e instanceof RangeError) {
      const frames = wasmFrames(e);
      return new WasmTrapError(`${e.message}${detail}${describeFrames(frames)}`, operation, contextId, e, frames);
    }
    return new HostError(`host function failed: ${(e as Error)?.message ?? String(e)}`, operation, contextId, { cause: e });
  }

  // Properties: the context's own, its plugin's, the host's, what the host derives from state, then what
  // the module stored (which, as in Envoy, never shadows a property the host knows).

  getProperty(context: Context, key: string): Uint8Array | undefined {
    return (
      context.properties.get(key) ??
      context.plugin.properties.get(key) ??
      this.host.properties.get(key) ??
      context.derivedProperty(key) ??
      context.plugin.derivedProperty(key) ??
      (key.includes("\0") ? undefined : (context.filterState.get(key) ?? context.plugin.filterState.get(key)))
    );
  }

  // HTTP callouts

  httpCall(
    context: Context,
    cluster: string,
    headers: HeaderList,
    body: Uint8Array,
    trailers: HeaderList,
    timeoutMs: number,
  ): { status: WasmResult; id: number } {
    const handler = context.calloutOverride(cluster) ?? this.host.calloutHandlers.get(cluster);
    if (timeoutMs < 0) return { status: WasmResult.BadArgument, id: 0 };
    if (!handler) {
      this.host.refusedCallouts.push(cluster);
      return { status: WasmResult.BadArgument, id: 0 };
    }
    const names = new Set(headers.map(([k]) => k.toLowerCase()));
    if (!names.has(":path") || !names.has(":method") || !names.has(":authority")) return { status: WasmResult.BadArgument, id: 0 };
    const sent = lowercaseNames(headers);
    if (body.length > 0) sent.push(["content-length", String(body.length)]);
    const root = context.plugin;
    const id = this.nextHttpCallId++;
    // A timeout of 0 means none, as in Envoy.
    const deadline = timeoutMs > 0 ? this.host.elapsed() + timeoutMs : undefined;
    const request = new CalloutRequest(id, cluster, sent, body, lowercaseNames(trailers), timeoutMs, deadline, context.id, (r, a) =>
      this.deliverHttpAnswer(root, r, a),
    );
    this.host.callouts.push(request);
    this.pending.push({ kind: "http", request, handler });
    return { status: WasmResult.Ok, id };
  }

  /**
   * A failed call still gets an answer in Envoy: its async client runs the router, which replies locally
   * (503 for a reset or refused connection, 504 for a timeout), so the module sees headers and a body, never
   * "zero headers" (checked against Envoy 1.40 in test/differential).
   */
  private deliverHttpAnswer(root: Plugin, request: CalloutRequest, answer: CalloutAnswer): void {
    if (root.deleted || this.failed) return;
    if (isFailure(answer)) answer = envoyFailureAnswer[answer.failure];
    const headers = answerHeaders(answer);
    const body = toBytes(answer.body);
    const trailers = lowercaseNames(answer.trailers);
    root.status = { code: WasmResult.Ok, message: "" };
    root.httpCallResponse = { headers, body, trailers };
    try {
      this.callback("proxy_on_http_call_response", root, [root.id, request.id, headers.length, body.length, trailers.length]);
    } finally {
      root.httpCallResponse = null;
    }
  }

  // gRPC

  grpcCall(
    context: Context,
    call: { cluster: string; service: string; method: string; initialMetadata: HeaderList; message: Uint8Array; timeoutMs: number; stream: boolean },
  ): { status: WasmResult; id: number } {
    const handler = this.host.grpcHandlers.get(call.cluster);
    // Envoy answers PARSE_FAILURE when the service is neither a GrpcService proto nor a known cluster.
    if (!handler) return { status: WasmResult.ParseFailure, id: 0 };
    const id = call.stream ? (this.nextGrpcStreamId += 2) - 2 : (this.nextGrpcCallId += 2) - 2;
    // A timeout of 0 means none, as for HTTP callouts.
    const deadline = call.timeoutMs > 0 ? this.host.elapsed() + call.timeoutMs : undefined;
    const grpc = new GrpcCall(
      id,
      call.cluster,
      call.service,
      call.method,
      lowercaseNames(call.initialMetadata),
      call.message,
      call.timeoutMs,
      call.stream,
      context.id,
      deadline,
      this.grpcDelivery(context.plugin),
    );
    this.grpcCalls.set(id, grpc);
    this.host.grpcCalls.push(grpc);
    this.pending.push({ kind: "grpc", call: grpc, handler });
    return { status: WasmResult.Ok, id };
  }

  findGrpc(id: number): GrpcCall | undefined {
    return this.grpcCalls.get(id);
  }

  endGrpc(id: number): void {
    this.grpcCalls.delete(id);
  }

  private grpcDelivery(root: Plugin): GrpcDelivery {
    const deliver = (name: CallbackName, args: number[], set: () => void, reset: () => void) => {
      if (root.deleted || this.failed) return;
      set();
      try {
        this.callback(name, root, [root.id, ...args]);
      } finally {
        reset();
      }
    };
    return {
      initialMetadata: (call, md) =>
        deliver(
          "proxy_on_grpc_receive_initial_metadata",
          [call.id, md.length],
          () => void (root.grpcInitialMetadata = lowercaseNames(md)),
          () => void (root.grpcInitialMetadata = null),
        ),
      // Envoy forgets a unary call once its answer is delivered (after the callback, so it may still cancel it).
      message: (call, message) =>
        deliver(
          "proxy_on_grpc_receive",
          [call.id, message.length],
          () => void (root.grpcReceiveBuffer = message),
          () => {
            root.grpcReceiveBuffer = null;
            if (!call.stream) this.grpcCalls.delete(call.id);
          },
        ),
      trailingMetadata: (call, md) =>
        deliver(
          "proxy_on_grpc_receive_trailing_metadata",
          [call.id, md.length],
          () => void (root.grpcTrailingMetadata = lowercaseNames(md)),
          () => void (root.grpcTrailingMetadata = null),
        ),
      close: (call, status, message) => {
        this.grpcCalls.delete(call.id);
        deliver(
          "proxy_on_grpc_close",
          [call.id, status],
          () => void (root.status = { code: status, message }),
          () => {},
        );
      },
    };
  }

  /** Answers the oldest pending callout or gRPC call whose handler gives an answer; false when none is left. */
  async deliverNextPending(): Promise<boolean> {
    while (this.pending.length > 0) {
      const next = this.pending.shift()!;
      if (next.kind === "http") {
        if (next.request.answered) continue;
        const answer = typeof next.handler === "function" ? await next.handler(next.request) : next.handler;
        if (answer === "pending" || next.request.answered) continue;
        next.request.respond(answer);
        return true;
      }
      if (next.call.finished || next.call.cancelled) continue;
      const answer = typeof next.handler === "function" ? await next.handler(next.call) : next.handler;
      if (!answer || answer === "pending" || next.call.finished) continue;
      next.call.respond(answer);
      return true;
    }
    return false;
  }

  /**
   * Drops the calls a stream context made that are still unanswered: Envoy cancels them when the stream's
   * context goes away, so their answers never reach the module (differential case probe-callout-no-pause).
   */
  cancelPending(contextId: number): void {
    const owned = (p: Pending) => (p.kind === "http" ? p.request.contextId : p.call.contextId) === contextId;
    for (let i = this.pending.length - 1; i >= 0; i--) if (owned(this.pending[i]!)) this.pending.splice(i, 1);
    // Its gRPC calls are over too: no answer and no timeout reaches the module.
    for (const call of this.grpcCalls.values()) {
      if (call.contextId === contextId) {
        call.cancelled = true;
        this.grpcCalls.delete(call.id);
      }
    }
  }

  /** `proxy_done`: a root context whose `proxy_on_done` returned false is now deleted. */
  done(context: Context): WasmResult {
    const root = context.plugin;
    if (!root.pendingDone) return WasmResult.NotFound;
    root.pendingDone = false;
    this.host.defer(() => root.delete());
    return WasmResult.Ok;
  }
}
