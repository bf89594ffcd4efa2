// One Wasm VM: loads and checks a module, builds its imports, creates and finds contexts, calls back into
// it and turns traps into errors; outgoing calls are the callout broker's (callout-broker.ts).
import { CALLBACKS, WasmResult, hostFunctionsFor, type AbiVersion, type CallbackName, type FunctionSpec } from "./abi.js";
import { CalloutBroker, type Timer } from "./callout-broker.js";
import { toBytes, type Bytes } from "./codec.js";
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
  private hasFailed = false;
  imports: WebAssembly.Imports = {};
  instance!: WebAssembly.Instance;
  memory!: GuestMemory;
  private inVmStart = false;
  private effectiveContextId = 0;

  private current: Context;
  private nextContextId = 1;
  /** The module's HTTP callouts and gRPC calls, until answered. */
  readonly callouts: CalloutBroker;

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
    this.callouts = new CalloutBroker(host, this);
  }

  /** Set after the module trapped: like Envoy, a failed VM takes no more calls. */
  get failed(): boolean {
    return this.hasFailed;
  }

  /** True while `proxy_on_vm_start` runs (0.1.0 `proxy_get_configuration` then returns the VM configuration). */
  get startingVm(): boolean {
    return this.inVmStart;
  }

  /** `proxy_set_effective_context`: later host calls in this callback act for context `id`, if it exists. */
  setEffectiveContext(id: number): WasmResult {
    if (!this.contexts.has(id)) return WasmResult.BadArgument;
    this.effectiveContextId = id;
    return WasmResult.Ok;
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
      this.inVmStart = true;
      try {
        if (this.callback("proxy_on_vm_start", root, [root.id, this.vmConfig.length]) === 0) {
          throw new HostError("returned false: the module refused to start (check its VM configuration)", "proxy_on_vm_start", root.id);
        }
      } finally {
        this.inVmStart = false;
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
    for (const due of [...this.plugins.map((p) => p.dueTick()), ...this.callouts.timers()]) {
      if (due && (!next || due.at < next.at)) next = due;
    }
    return next;
  }

  // Looked up once per name: reading `instance.exports` by a different name on each call is a slow
  // (megamorphic) property load, and a stream makes several callbacks.
  private readonly functions = new Map<string, GuestFunction | undefined>();

  private exportedFunction(name: string): GuestFunction | undefined {
    if (this.functions.has(name)) return this.functions.get(name);
    const f = this.instance.exports[name];
    const found = typeof f === "function" ? (f as GuestFunction) : undefined;
    this.functions.set(name, found);
    return found;
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
    this.hasFailed = true;
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

  /** `proxy_done`: a root context whose `proxy_on_done` returned false is now deleted. */
  done(context: Context): WasmResult {
    const root = context.plugin;
    if (!root.pendingDone) return WasmResult.NotFound;
    root.pendingDone = false;
    this.host.defer(() => root.delete());
    return WasmResult.Ok;
  }
}
