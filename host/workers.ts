import type { WasmResult } from "./abi.js";
import type { Bytes } from "./codec.js";
import { Host, type HostOptions } from "./host.js";
import type { HttpScenario, HttpStreamResult } from "./http-stream.js";
import type { StreamServer } from "./leak.js";
import type { Plugin } from "./plugin.js";
import type { Vm } from "./vm.js";

type Entry = { value: Uint8Array; cas: number };

/**
 * A host whose VMs run "at once", as Envoy's worker threads do. Streams are served in rounds of at most one
 * per worker; within a round the workers' reads of shared data all happen before any of their writes: a
 * worker reading a key sees it as it was when the round began, until that worker writes the key or a
 * compare-and-swap on it fails (then it sees the proxy's current value). That is a schedule real threads can
 * take, and the one that exposes a read-modify-write without CAS: two workers read the same value and the
 * second write silently drops the first. Writes are checked against the current value, as Envoy checks them.
 */
export class ConcurrentHost extends Host {
  /** `vmId\0key` → the key as it was when the round began (taken at its first read or write). */
  private snapshot: Map<string, Entry | undefined> | undefined;
  /** Per worker, the `vmId\0key`s it reads live in this round. */
  private readonly live = new Map<Vm, Set<string>>();

  /** Starts a round: every worker's next reads see shared data as it is now. */
  beginRound(): void {
    if (this.snapshot) this.snapshot.clear();
    else this.snapshot = new Map();
    this.live.clear();
  }

  override getSharedData(key: string, vmId = "", caller?: Vm): Entry | undefined {
    if (!this.snapshot || !caller || this.live.get(caller)?.has(`${vmId}\0${key}`)) return super.getSharedData(key, vmId);
    return this.roundView(key, vmId);
  }

  override setSharedData(key: string, value: Bytes, vmId = "", cas = 0, caller?: Vm): WasmResult {
    if (!this.snapshot) return super.setSharedData(key, value, vmId, cas);
    // The view is taken before the first write changes the key, for the workers yet to read it.
    this.roundView(key, vmId);
    const status = super.setSharedData(key, value, vmId, cas);
    if (caller) {
      let keys = this.live.get(caller);
      if (!keys) this.live.set(caller, (keys = new Set()));
      keys.add(`${vmId}\0${key}`);
    }
    return status;
  }

  private roundView(key: string, vmId: string): Entry | undefined {
    const id = `${vmId}\0${key}`;
    if (!this.snapshot!.has(id)) this.snapshot!.set(id, super.getSharedData(key, vmId));
    return this.snapshot!.get(id);
  }
}

export interface WorkersOptions {
  /** How many worker VMs (Envoy's --concurrency). */
  workers: number;
  vmId?: string;
  vmConfig?: string;
  configuration?: string;
  rootId?: string;
  /** The plugin's name (Envoy's `name`). */
  name?: string;
  /** Seed of the order in which workers take streams; the same seed gives the same run. Default 1. */
  seed?: number;
  /** Virtual ms the clock moves between rounds, firing the ticks that fall due. Default 1. */
  stepMs?: number;
  /**
   * Whether the streams of a round overlap (default true). False serves the same streams on the same workers
   * one after another, each seeing every earlier write: a filter whose outcome differs between the two
   * depends on how its workers interleave (a race).
   */
  overlap?: boolean;
  host?: HostOptions;
}

/**
 * K VMs of one module and one vm_id in one host, as Envoy runs a plugin on K worker threads: shared data,
 * shared queues and metrics are common, each VM has its own memory and contexts. Each stream goes to a worker
 * picked at random (seeded), the way the kernel spreads connections over the workers' sockets.
 */
export class Workers implements StreamServer {
  /** Streams served by each worker. */
  readonly served: number[];
  private readonly random: () => number;
  private readonly inRound = new Set<number>();

  private constructor(
    readonly host: ConcurrentHost,
    readonly plugins: Plugin[],
    private readonly stepMs: number,
    private readonly overlap: boolean,
    seed: number,
  ) {
    this.served = plugins.map(() => 0);
    this.random = mulberry32(seed);
  }

  /** Loads and starts the workers one after another, as Envoy starts its threads' VMs. */
  static async start(wasm: Uint8Array | WebAssembly.Module, options: WorkersOptions): Promise<Workers> {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
    const host = new ConcurrentHost(options.host);
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm as Uint8Array<ArrayBuffer>);
    const plugins: Plugin[] = [];
    for (let i = 0; i < options.workers; i++) {
      const vm = await host.loadVm(module, { vmId: options.vmId ?? "", vmConfig: options.vmConfig });
      plugins.push(vm.startPlugin({ configuration: options.configuration, rootId: options.rootId, name: options.name }));
    }
    return new Workers(host, plugins, options.stepMs ?? 1, options.overlap ?? true, options.seed ?? 1);
  }

  /** Serves one stream on a worker picked at random; a worker already busy in this round starts the next. */
  async serve(scenario: HttpScenario): Promise<HttpStreamResult & { worker: number }> {
    const worker = Math.floor(this.random() * this.plugins.length);
    if (this.inRound.size === 0 || this.inRound.has(worker)) this.nextRound();
    this.inRound.add(worker);
    this.served[worker]!++;
    // The stream's own result, marked rather than copied (a spread is V8's slow clone, once per stream).
    const result = (await this.plugins[worker]!.httpStream(scenario, { failStream: true })) as HttpStreamResult & { worker: number };
    result.worker = worker;
    return result;
  }

  memoryBytes(): number {
    return this.plugins.reduce((sum, plugin) => sum + plugin.vm.memory.memory.buffer.byteLength, 0);
  }

  private nextRound(): void {
    if (this.inRound.size > 0) this.host.advanceTime(this.stepMs);
    this.inRound.clear();
    if (this.overlap) this.host.beginRound();
  }
}

/** A small seeded PRNG (mulberry32): reproducible orders without a dependency. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
