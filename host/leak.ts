import type { HttpScenario, HttpStreamResult } from "./http-stream.js";
import type { Plugin } from "./plugin.js";

export interface LeakCheckOptions {
  /** Streams served in all (warm-up included). */
  requests: number;
  /** Streams served before the baseline is taken: caches, pools and the allocator's first pages fill up. Default: a tenth, at most 1,000. */
  warmup?: number;
  /** The stream to serve, the same each time or by index. Default: GET / answered 200. */
  scenario?: HttpScenario | ((index: number) => HttpScenario);
  /** Called now and then (every 1% of the streams) with how many were served. */
  onProgress?: (served: number, total: number) => void;
  /** Called with each stream's outcome, e.g. to count statuses. */
  onResult?: (result: HttpStreamResult, index: number) => void;
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

/** Where the streams are served and whose memory is measured: one VM's plugin, or several workers. */
export interface StreamServer {
  serve(scenario: HttpScenario, index: number): Promise<HttpStreamResult>;
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

export function defaultWarmup(requests: number): number {
  return Math.min(1000, Math.floor(requests / 10));
}

/**
 * The leak gate: serves `requests` streams through `target` (a plugin, or any `StreamServer`) and reports the
 * module's memory at the start, after the warm-up and at the end. A module that keeps something per stream
 * grows without bound; one that frees what it allocates stays at its warm-up size.
 */
export async function checkLeaks(target: Plugin | StreamServer, options: LeakCheckOptions): Promise<LeakReport> {
  const server = "serve" in target ? target : pluginServer(target);
  const { requests } = options;
  const warmup = Math.min(options.warmup ?? defaultWarmup(requests), requests);
  const scenario = typeof options.scenario === "function" ? options.scenario : () => (options.scenario ?? {}) as HttpScenario;
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
