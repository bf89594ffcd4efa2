// The host: what the VMs of one proxy share (shared data, queues, metrics, the clock, properties, callout
// and gRPC answers, foreign functions, the log). Long because each is a small piece of the same Envoy state.
import { LOG_LEVEL_NAMES, METRIC_TYPE_NAMES, MetricType, WasmResult, type LogLevelName, type MetricTypeName } from "./abi.js";
import type { CalloutHandler, CalloutRequest, GrpcCall, GrpcHandler } from "./callouts.js";
import { toBytes, type Bytes } from "./codec.js";
import { encodePropertyValue, propertyKey, propertyMap, type PropertyValue } from "./properties.js";
import { Vm, type VmOptions } from "./vm.js";

export type ForeignFunction = (args: Uint8Array) => Bytes;

export interface HostOptions {
  /** What `proxy_get_log_level` reports; lines below it are dropped. Default "trace" (keep all). */
  logLevel?: LogLevelName;
  /** Virtual wall clock at start, ms since the epoch. Default: the real time at construction. */
  startTime?: number;
  properties?: Record<string, PropertyValue>;
  callouts?: Record<string, CalloutHandler>;
  grpc?: Record<string, GrpcHandler>;
  foreignFunctions?: Record<string, ForeignFunction>;
  /** Also print every log line to stderr. */
  echoLogs?: boolean;
}

export interface LogEntry {
  level: LogLevelName;
  message: string;
  vmId: string;
  contextId: number;
}

export interface MetricValue {
  type: MetricTypeName;
  value: bigint;
}

interface Metric extends MetricValue {
  name: string;
}

interface SharedQueue {
  id: number;
  vmId: string;
  name: string;
  items: Uint8Array[];
  /** Where `proxy_on_queue_ready` goes: the root context that registered the queue. */
  onReady: (queueId: number) => void;
}

/**
 * What Envoy shares between the VMs of one proxy: shared data (per vm_id, with CAS), shared queues,
 * metrics, the clock, default properties, logs, callout answers and foreign functions.
 */
export class Host {
  readonly logs: LogEntry[] = [];
  logLevel: LogLevelName;
  readonly echoLogs: boolean;
  readonly properties: Map<string, Uint8Array>;
  readonly calloutHandlers = new Map<string, CalloutHandler>();
  readonly grpcHandlers = new Map<string, GrpcHandler>();
  readonly foreignFunctions = new Map<string, ForeignFunction>();
  /** Every `proxy_http_call` made by any VM of this host, in order. */
  readonly callouts: CalloutRequest[] = [];
  /** Clusters a `proxy_http_call` named with no handler set: refused (BAD_ARGUMENT) as Envoy refuses an unknown cluster, silently, so tools can say why. */
  readonly refusedCallouts: string[] = [];
  /** Every `proxy_grpc_call` / `proxy_grpc_stream`, in order. */
  readonly grpcCalls: GrpcCall[] = [];
  readonly vms: Vm[] = [];

  private clockMs: number;
  private elapsedMs = 0;
  private readonly sharedData = new Map<string, Map<string, { value: Uint8Array; cas: number }>>();
  private nextCas = 1;
  private readonly queuesByName = new Map<string, SharedQueue>();
  private readonly queuesById = new Map<number, SharedQueue>();
  private readonly metricsById = new Map<number, Metric>();
  private readonly metricIds = new Map<string, number>();
  private readonly deferred: (() => void)[] = [];
  private guestDepth = 0;

  private requestIds = 0;

  constructor(options: HostOptions = {}) {
    this.logLevel = options.logLevel ?? "trace";
    this.echoLogs = options.echoLogs ?? false;
    this.clockMs = options.startTime ?? Date.now();
    this.properties = propertyMap(options.properties);
    for (const [cluster, handler] of Object.entries(options.callouts ?? {})) this.setCallout(cluster, handler);
    for (const [cluster, handler] of Object.entries(options.grpc ?? {})) this.setGrpc(cluster, handler);
    for (const [name, f] of Object.entries(options.foreignFunctions ?? {})) this.registerForeignFunction(name, f);
  }

  /** Instantiates a module, runs its start functions, then (with a first root context) `proxy_on_vm_start`. */
  loadVm(wasm: Uint8Array | WebAssembly.Module, options: VmOptions = {}): Promise<Vm> {
    return Vm.load(this, wasm, options);
  }

  // Logs

  log(level: LogLevelName, message: string, vmId: string, contextId: number): void {
    if (LOG_LEVEL_NAMES.indexOf(level) < LOG_LEVEL_NAMES.indexOf(this.logLevel)) return;
    this.logs.push({ level, message, vmId, contextId });
    if (this.echoLogs) process.stderr.write(`[${level}] ${vmId ? `${vmId} ` : ""}${message}\n`);
  }

  clearLogs(): void {
    this.logs.length = 0;
  }

  // Properties

  setProperty(path: string | string[], value: PropertyValue): void {
    this.properties.set(propertyKey(path), encodePropertyValue(value));
  }

  getProperty(path: string | string[]): Uint8Array | undefined {
    return this.properties.get(propertyKey(path));
  }

  // Virtual time

  /** Virtual wall-clock time in ms since the epoch. */
  /**
   * The next `x-request-id` the connection manager gives a request without one. Envoy's are random UUIDs;
   * these count up (`00000000-0000-4000-8000-000000000001`, …) so tests stay reproducible.
   */
  nextRequestId(): string {
    return `00000000-0000-4000-8000-${(++this.requestIds).toString(16).padStart(12, "0")}`;
  }

  now(): number {
    return this.clockMs;
  }

  nowNanoseconds(): bigint {
    return BigInt(Math.round(this.clockMs * 1e6));
  }

  monotonicNanoseconds(): bigint {
    return BigInt(Math.round(this.elapsedMs * 1e6));
  }

  /**
   * Moves the clock by `ms`, firing in time order `proxy_on_tick` for every period that elapses and the
   * timeout of every unanswered HTTP callout whose deadline passes.
   */
  advanceTime(ms: number): void {
    const target = this.elapsedMs + ms;
    for (let next = this.nextTimer(); next && next.at <= target; next = this.nextTimer()) {
      this.clockMs += next.at - this.elapsedMs;
      this.elapsedMs = next.at;
      next.fire();
    }
    this.clockMs += target - this.elapsedMs;
    this.elapsedMs = target;
  }

  /**
   * Moves the clock to the next timer of any VM and fires it (a tick, a callout timeout); false when no
   * timer is set or the next is more than `withinMs` away.
   */
  advanceToNextTimer(withinMs: number): boolean {
    const next = this.nextTimer();
    if (!next || next.at - this.elapsedMs > withinMs) return false;
    this.advanceTime(next.at - this.elapsedMs);
    return true;
  }

  private nextTimer(): { at: number; fire: () => void } | undefined {
    let next: { at: number; fire: () => void } | undefined;
    for (const vm of this.vms) {
      const due = vm.nextTimer();
      if (due && (!next || due.at < next.at)) next = due;
    }
    return next;
  }

  /** Virtual ms since the host started (the monotonic clock, which tick schedules use). */
  elapsed(): number {
    return this.elapsedMs;
  }

  // Shared data: keyed by vm_id like Envoy, so VMs with the same vm_id share it. `caller` (the VM asking)
  // is for hosts that model worker threads running at once (host/workers.ts).

  getSharedData(key: string, vmId = "", _caller?: Vm): { value: Uint8Array; cas: number } | undefined {
    return this.sharedData.get(vmId)?.get(key);
  }

  setSharedData(key: string, value: Bytes, vmId = "", cas = 0, _caller?: Vm): WasmResult {
    let map = this.sharedData.get(vmId);
    if (!map) this.sharedData.set(vmId, (map = new Map()));
    const entry = map.get(key);
    if (entry && cas !== 0 && cas !== entry.cas) return WasmResult.CasMismatch;
    map.set(key, { value: toBytes(value).slice(), cas: this.nextCas++ });
    return WasmResult.Ok;
  }

  // Shared queues: named per vm_id, readable from any VM by (vm_id, name).

  registerQueue(vmId: string, name: string, onReady: (queueId: number) => void): number {
    const key = `${vmId}\0${name}`;
    const existing = this.queuesByName.get(key);
    if (existing) {
      existing.onReady = onReady;
      return existing.id;
    }
    const queue: SharedQueue = { id: this.queuesById.size + 1, vmId, name, items: [], onReady };
    this.queuesByName.set(key, queue);
    this.queuesById.set(queue.id, queue);
    return queue.id;
  }

  resolveQueue(vmId: string, name: string): number | undefined {
    return this.queuesByName.get(`${vmId}\0${name}`)?.id;
  }

  enqueueById(id: number, value: Uint8Array): WasmResult {
    const queue = this.queuesById.get(id);
    if (!queue) return WasmResult.NotFound;
    queue.items.push(value.slice());
    // Envoy posts the notification to the owner's dispatcher: it runs after the current VM call.
    this.defer(() => queue.onReady(queue.id));
    return WasmResult.Ok;
  }

  dequeueById(id: number): Uint8Array | WasmResult {
    const queue = this.queuesById.get(id);
    if (!queue) return WasmResult.NotFound;
    return queue.items.shift() ?? WasmResult.Empty;
  }

  /** What is still queued, or undefined when no VM registered that queue. */
  queueItems(vmId: string, name: string): Uint8Array[] | undefined {
    return this.queuesByName.get(`${vmId}\0${name}`)?.items.slice();
  }

  /** Enqueues from the test, notifying the registering VM (`proxy_on_queue_ready`). */
  enqueue(vmId: string, name: string, value: Bytes): void {
    const id = this.resolveQueue(vmId, name);
    if (id === undefined) throw new Error(`no shared queue ${JSON.stringify(name)} registered by vm ${JSON.stringify(vmId)}`);
    this.enqueueById(id, toBytes(value));
  }

  // Metrics (Envoy semantics per type).

  /** The metric's id (the same for the same type and name), or undefined for an unknown type. */
  defineMetric(type: number, name: string): number | undefined {
    if (type > MetricType.Histogram) return undefined;
    const key = `${type}\0${name}`;
    const existing = this.metricIds.get(key);
    if (existing !== undefined) return existing;
    const id = this.metricsById.size + 1;
    this.metricIds.set(key, id);
    this.metricsById.set(id, { name, type: METRIC_TYPE_NAMES[type]!, value: 0n });
    return id;
  }

  incrementMetric(id: number, delta: bigint): WasmResult {
    const metric = this.metricsById.get(id);
    if (!metric) return WasmResult.NotFound;
    if (metric.type === "histogram") return WasmResult.BadArgument;
    // Envoy adds to a counter only a positive offset: 0 is BAD_ARGUMENT too (differential case tcp-template).
    if (metric.type === "counter" && delta <= 0n) return WasmResult.BadArgument;
    metric.value = metric.type === "counter" ? BigInt.asUintN(64, metric.value + delta) : metric.value + delta;
    return WasmResult.Ok;
  }

  recordMetric(id: number, value: bigint): WasmResult {
    const metric = this.metricsById.get(id);
    if (!metric) return WasmResult.NotFound;
    metric.value = metric.type === "counter" ? metric.value + value : value;
    return WasmResult.Ok;
  }

  getMetricById(id: number): bigint | WasmResult {
    const metric = this.metricsById.get(id);
    if (!metric) return WasmResult.NotFound;
    if (metric.type === "histogram") return WasmResult.BadArgument;
    return metric.value;
  }

  /** A metric by name (histogram value: the last recorded). */
  metric(name: string): MetricValue | undefined {
    for (const m of this.metricsById.values()) if (m.name === name) return { type: m.type, value: m.value };
    return undefined;
  }

  metrics(): Map<string, MetricValue> {
    return new Map([...this.metricsById.values()].map((m) => [m.name, { type: m.type, value: m.value }]));
  }

  // Callouts and foreign functions

  setCallout(cluster: string, handler: CalloutHandler): void {
    this.calloutHandlers.set(cluster, handler);
  }

  setGrpc(cluster: string, handler: GrpcHandler): void {
    this.grpcHandlers.set(cluster, handler);
  }

  registerForeignFunction(name: string, f: ForeignFunction): void {
    this.foreignFunctions.set(name, f);
  }

  // Guest calls: work that Envoy posts to its dispatcher runs once the outermost VM call returns.

  runGuest<T>(call: () => T): T {
    this.guestDepth++;
    try {
      return call();
    } finally {
      this.guestDepth--;
      if (this.guestDepth === 0) this.runDeferred();
    }
  }

  defer(task: () => void): void {
    this.deferred.push(task);
    if (this.guestDepth === 0) this.runDeferred();
  }

  private runDeferred(): void {
    while (this.deferred.length > 0 && this.guestDepth === 0) this.runGuest(this.deferred.shift()!);
  }
}
