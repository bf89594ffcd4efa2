import { createColors } from "picocolors";
import { Host } from "../../host/index.js";
import type { HttpStreamResult, TcpResult } from "../../host/index.js";
import { checkLeaks, tcpServer, type LeakReport, type StreamServer } from "../../host/leak.js";
import { Workers } from "../../host/workers.js";
import { ExitError } from "../errors.js";
import type { Io } from "../io.js";
import { formatMetrics, metricsJson } from "./metrics.js";
import type { Scenario, TcpRunScenario } from "./scenario.js";

export interface RepeatOptions {
  /** Streams in all. */
  repeat: number;
  warmup?: number;
  /** Bytes of memory growth per 1,000 streams after the warm-up past which the run fails. */
  maxGrowth: number;
  /** Worker VMs of the same vm_id; 1 = one VM. */
  workers: number;
  seed: number;
  json?: boolean;
  quiet?: boolean;
  /** TCP connections (the scenario a `TcpRunScenario`) instead of HTTP streams; one VM only. */
  tcp?: boolean;
}

export interface RepeatStart {
  bytes: Uint8Array | WebAssembly.Module;
  configuration: string | undefined;
  rootId: string | undefined;
  /** Loads the module as `run` does, turning the host's refusals into CLI errors. */
  hostCall: <T>(call: () => T | Promise<T>) => Promise<T>;
}

/** Default `--max-growth`: a 64 KiB page over 64,000 streams; a filter keeping ~1 byte per stream fails. */
export const DEFAULT_MAX_GROWTH = 1024;

/** What serving the scenario N times gave. */
interface Served {
  host: Host;
  report: LeakReport;
  /** How the streams ended: HTTP status (or "reset"), for TCP "closed" (by the filter) or "open". */
  statuses: Map<string, number>;
  /** Streams per worker. */
  served: number[];
  metrics: ReturnType<typeof metricsJson>;
}

/**
 * `run --repeat N [--workers K]`: the scenario N times through one VM (or K workers sharing shared data and
 * queues), reporting statuses, the filter's metrics and the module's memory; exit 1 past `--max-growth`,
 * when the filter traps, or when K workers overlapping end otherwise than the same streams served one after
 * another (the outcome depends on how workers interleave: a race).
 */
export async function runRepeated(scenario: Scenario | TcpRunScenario, start: RepeatStart, options: RepeatOptions, io: Io): Promise<void> {
  const serialised = options.workers > 1 ? await serveAll(scenario, start, options, io, false) : undefined;
  const result = await serveAll(scenario, start, options, io, true);
  const race = serialised && raceBetween(serialised, result);
  const passed = result.report.growthPer1000 <= options.maxGrowth;
  if (options.json) {
    const { report, statuses, served, metrics } = result;
    const json = {
      streams: options.repeat,
      workers: options.workers,
      seed: options.seed,
      statuses: Object.fromEntries(statuses),
      served,
      metrics,
      memory: report,
      maxGrowth: options.maxGrowth,
      ...(serialised && { serialised: { statuses: Object.fromEntries(serialised.statuses), metrics: serialised.metrics }, race: race ?? null }),
      passed: passed && !race,
    };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    io.stdout.write(formatRepeat(result, serialised, options, io));
  }
  if (!passed) {
    io.stderr.write(
      `error: the module's memory grew ${bytes(result.report.growthPer1000)} per 1,000 streams after the warm-up, past --max-growth ${options.maxGrowth}: the filter keeps something for every request (a global list or map never emptied?)\n`,
    );
  }
  if (race) {
    io.stderr.write(
      `error: a race between workers: ${race}; the filter reads shared data and writes it back without compare-and-swap? (setSharedData(key, value, cas) and retry on CasMismatch)\n`,
    );
  }
  if (!passed || race) throw new ExitError(1);
}

async function serveAll(scenario: Scenario | TcpRunScenario, start: RepeatStart, options: RepeatOptions, io: Io, overlap: boolean): Promise<Served> {
  const { host, server, workers } = await startServer(scenario, start, options, overlap);
  const statuses = new Map<string, number>();
  const progress = io.stderr.isTTY && !options.quiet && !options.json && !io.env.CI;
  try {
    // A TCP connection that traps throws (a HostError, made a one-line error by hostCall).
    const report = await start.hostCall(() =>
      checkLeaks(server, {
        requests: options.repeat,
        warmup: options.warmup,
        scenario,
        onResult: (result, index) => {
          if ("trap" in result && result.trap !== undefined) throw new TrapStop(`stream ${index + 1} of ${options.repeat}: ${result.trap}`);
          const status = outcome(result);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          host.clearLogs(); // N streams of logs would be kept for nothing
        },
        onProgress: progress ? (served, total) => io.stderr.write(`\r${served}/${total} streams`) : undefined,
      }),
    );
    return { host, report, statuses, served: workers?.served ?? [options.repeat], metrics: metricsJson(host) };
  } catch (error) {
    if (!(error instanceof TrapStop)) throw error;
    io.stderr.write(`error: the filter trapped on ${error.message}\n`);
    throw new ExitError(1);
  } finally {
    if (progress) io.stderr.write("\r\x1b[K");
  }
}

/** How overlapping workers ended otherwise than serialised ones, or undefined when they agree. */
function outcome(result: HttpStreamResult | TcpResult): string {
  if ("closed" in result) return result.closed ? "closed" : "open";
  return result.reset ? "reset" : (result.response.headers.find(([name]) => name === ":status")?.[1] ?? "no status");
}

function raceBetween(serialised: Served, overlapping: Served): string | undefined {
  const text = (statuses: Map<string, number>) => formatStatuses(statuses);
  if (text(serialised.statuses) !== text(overlapping.statuses)) {
    return `served one after another the streams got ${text(serialised.statuses)}, overlapping ${text(overlapping.statuses)}`;
  }
  for (const [name, { value }] of Object.entries(serialised.metrics)) {
    const other = overlapping.metrics[name]?.value;
    if (other !== value) return `metric ${name} is ${value} with the streams served one after another, ${other} overlapping`;
  }
  return undefined;
}

class TrapStop extends Error {}

async function startServer(
  scenario: Scenario | TcpRunScenario,
  start: RepeatStart,
  options: RepeatOptions,
  overlap: boolean,
): Promise<{ host: Host; server: StreamServer<unknown, HttpStreamResult | TcpResult>; workers?: Workers }> {
  const { bytes, configuration, rootId, hostCall } = start;
  // HTTP streams go through workers even when there is one: the clock moves between streams, so ticks fire
  // and time-based logic (a rate limit's refill) takes both of its paths.
  if (!options.tcp) {
    const workers = await hostCall(() =>
      Workers.start(bytes, { workers: options.workers, seed: options.seed, overlap, vmConfig: scenario.vmConfig, configuration, rootId }),
    );
    return { host: workers.host, server: workers as StreamServer<unknown, HttpStreamResult>, workers };
  }
  const vm = await hostCall(() => new Host().loadVm(bytes, { vmConfig: scenario.vmConfig }));
  const plugin = await hostCall(() => vm.startPlugin({ configuration, rootId }));
  return { host: vm.host, server: tcpServer(plugin) as StreamServer<unknown, TcpResult> };
}

function formatStatuses(statuses: Map<string, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, n]) => `${status} × ${n}`)
    .join(", ");
}

function formatRepeat(result: Served, serialised: Served | undefined, options: RepeatOptions, io: Io): string {
  const c = createColors(!!io.stdout.isTTY);
  const { report } = result;
  const where = options.workers > 1 ? `${options.workers} workers overlapping (seed ${options.seed})` : "one VM";
  const clock = options.tcp ? "" : `, the clock ${options.workers > 1 ? "1 ms on between rounds" : "1 ms on between streams"}`;
  const lines = [c.bold(`${options.repeat} ${options.tcp ? "connections" : "streams"} through ${where}${clock}: ${formatStatuses(result.statuses)}`)];
  if (serialised) {
    lines.push(`  served per worker: ${result.served.join(", ")}`, `  the same streams one after another: ${formatStatuses(serialised.statuses)}`);
  }
  lines.push(
    "",
    c.bold(`memory${options.workers > 1 ? " (all workers)" : ""}`),
    `  at start          ${bytes(report.startBytes)}`,
    `  after warm-up     ${bytes(report.afterWarmupBytes)} (${report.warmup} streams)`,
    `  at the end        ${bytes(report.endBytes)}`,
    `  growth            ${bytes(report.growthPer1000)} per 1,000 streams (limit ${bytes(options.maxGrowth)})`,
    "",
    ...formatMetrics(result.host, c),
  );
  return `${lines.join("\n")}\n`;
}

function bytes(n: number): string {
  if (Math.abs(n) >= 1024 && Number.isInteger(n / 1024)) return `${n / 1024} KiB`;
  return `${Math.round(n)} B`;
}
