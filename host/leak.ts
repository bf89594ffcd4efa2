import type { HttpScenario, HttpStreamResult } from "./http-stream.js";
import type { Plugin } from "./plugin.js";
import type { TcpResult, TcpScenario } from "./tcp-connection.js";

export interface LeakCheckOptions<S = HttpScenario, R = HttpStreamResult> {
  /** Streams served in all (warm-up included). */
  requests: number;
  /** Streams served before the baseline is taken: caches, pools and the allocator's first pages fill up. Default: a tenth, at most 1,000. */
  warmup?: number;
  /** The stream to serve, the same each time or by index. Default: GET / answered 200 (a plugin's HTTP stream). */
  scenario?: S | ((index: number) => S);
  /** Called now and then (every 1% of the streams) with how many were served. */
  onProgress?: (served: number, total: number) => void;
  /** Called with each stream's outcome, e.g. to count statuses. */
  onResult?: (result: R, index: number) => void;
}

/** The module's linear memory (bytes; Wasm memory only grows, so growth is what Envoy's VM keeps). */
export interface LeakReport {
  requests: number;
  warmup: number;
  startBytes: number;
  afterWarmupBytes: number;
  endBytes: number;
  /** (end − after warm-up) per 1,000 streams served after the warm-up. */
  growthPer1000: number;
}

/** Where the streams (HTTP, or TCP connections) are served and whose memory is measured: one VM's plugin, or several workers. */
export interface StreamServer<S = HttpScenario, R = HttpStreamResult> {
  serve(scenario: S, index: number): Promise<R>;
  /** Linear memory in bytes, over every VM served. */
  memoryBytes(): number;
}

/** One plugin's VM as a `StreamServer`. */
export function pluginServer(plugin: Plugin): StreamServer {
  return {
    serve: (scenario) => plugin.httpStream(scenario, { failStream: true }),
    memoryBytes: () => plugin.vm.memory.memory.buffer.byteLength,
  };
}

/** One plugin's VM serving TCP connections, as a `StreamServer` for `checkLeaks`. */
export function tcpServer(plugin: Plugin): StreamServer<TcpScenario, TcpResult> {
  return {
    serve: (scenario) => plugin.tcpConnection(scenario),
    memoryBytes: () => plugin.vm.memory.memory.buffer.byteLength,
  };
}

export function defaultWarmup(requests: number): number {
  return Math.min(1000, Math.floor(requests / 10));
}

/**
 * The leak gate: serves `requests` streams through `target` (a plugin, or any `StreamServer`) and reports the
 * module's memory at the start, after the warm-up and at the end. A module that keeps something per stream
 * grows without bound; one that frees what it allocates stays at its warm-up size.
 */
export async function checkLeaks(target: Plugin | StreamServer, options: LeakCheckOptions): Promise<LeakReport>;
export async function checkLeaks<S, R>(target: StreamServer<S, R>, options: LeakCheckOptions<S, R>): Promise<LeakReport>;
export async function checkLeaks<S, R>(target: Plugin | StreamServer<S, R>, options: LeakCheckOptions<S, R>): Promise<LeakReport> {
  const server = ("serve" in target ? target : pluginServer(target)) as StreamServer<S, R>;
  const { requests } = options;
  const warmup = Math.min(options.warmup ?? defaultWarmup(requests), requests);
  const given = options.scenario;
  const scenario = typeof given === "function" ? (given as (index: number) => S) : () => (given ?? {}) as S;
  const step = Math.max(1, Math.floor(requests / 100));
  const startBytes = server.memoryBytes();
  let afterWarmupBytes = startBytes;
  for (let i = 0; i < requests; i++) {
    if (i === warmup) afterWarmupBytes = server.memoryBytes();
    const result = await server.serve(scenario(i), i);
    options.onResult?.(result, i);
    if ((i + 1) % step === 0) options.onProgress?.(i + 1, requests);
  }
  if (warmup === requests) afterWarmupBytes = server.memoryBytes();
  const endBytes = server.memoryBytes();
  const measured = requests - warmup;
  return {
    requests,
    warmup,
    startBytes,
    afterWarmupBytes,
    endBytes,
    growthPer1000: measured === 0 ? 0 : ((endBytes - afterWarmupBytes) * 1000) / measured,
  };
}
