// `npm run bench:envoy` (node --import ./scripts/tsx.mjs bench/envoy/run.ts): per-request cost of filters inside a real Envoy
// (`--concurrency 1`, one bootstrap for all, only the HTTP filter before the router differs), driven by `wrk`
// with a fixed request mix against a loopback upstream (a second Envoy answering by itself). Rows: no filter;
// Envoy's Lua filter doing the same job; the hand-written raw-ABI module; as-proxy-wasm; @solo-io/proxy-runtime;
// the Go SDK — for the add-header filter and for the heavier one. Configurations run interleaved (A, B, C, …,
// A, B, C) so they share the machine's noise; each Envoy chains `--stack` copies of its filter, and what they
// add over no filter, round by round, is divided by that number. One connection by default: latency without
// queueing (with more, p50 is mostly time spent waiting behind other requests). Flags: `--quick` (1 s warm-up,
// one 1 s round), `--json`, `--save <file>`, `--connections N` (default 1), `--rounds N` (default 5),
// `--seconds N` (per round, default 5), `--warmup N` (default 3), `--stack N` (default 20). Never fails on a
// time; a missing Envoy, wrk or Go skips rows with a note (exit 0).
// Long because it is the whole run: building every row's module and bootstrap, the rounds, the report.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { cpus } from "node:os";
import { promisify } from "node:util";
import { findEnvoy } from "../../cli/envoy/locate.js";
import { startEnvoy, type EnvoyProcess } from "../../cli/envoy/process.js";
import { figuresOutput } from "../output.js";
import { formatTable, integer } from "../table.js";
import { envoyTargets, formatTargets } from "../targets.js";
import { bootstrapFor, buildConfigs, CHECK_AGENT, upstreamBootstrap, type EnvoyConfig, type Expect } from "./configs.js";
import { drive, findWrk, type LoadResult } from "./load.js";

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const option = (name: string, fallback: number) => {
  const at = argv.indexOf(name);
  const value = at >= 0 ? Number(argv[at + 1]) : fallback;
  return Number.isFinite(value) && value > 0 ? Math.floor(value) : fallback;
};
const quick = flag("--quick");
const output = figuresOutput(argv);
const json = output.json;
const settings = {
  connections: option("--connections", 1),
  warmupSeconds: option("--warmup", quick ? 1 : 3),
  rounds: option("--rounds", quick ? 1 : 5),
  seconds: option("--seconds", quick ? 1 : 5),
  stack: option("--stack", 20),
};
const write = (text: string) => void process.stdout.write(text);
const note = (text: string) => (json ? process.stderr.write(`${text}\n`) : write(`${text}\n`));

export interface Row {
  group: EnvoyConfig["group"];
  name: string;
  kind: EnvoyConfig["kind"];
  bytes?: number;
  skipped?: string;
  /** Medians over the rounds (of the whole chain of `stack` filters). */
  requestsPerSecond?: number;
  p50Us?: number;
  p99Us?: number;
  /** Each round's figures, in the order the rounds ran. */
  rounds?: { p50Us: number; p99Us: number; cpuUsPerRequest: number }[];
  /**
   * What one filter adds over the no-filter row: the median over rounds of (this row − no filter, same round)
   * divided by the chain's length; and that divided by the Lua filter's (same group).
   */
  addedP50Us?: number;
  addedP99Us?: number;
  addedP50VsLua?: number;
  /** Envoy's CPU time (all threads, /proc) per request over all rounds; one filter's over no filter; ratio to Lua's. */
  cpuUsPerRequest?: number;
  addedCpuUs?: number;
  addedCpuVsLua?: number;
  /** Envoy's resident memory after the run (/proc VmRSS) and over the no-filter Envoy; tcmalloc's allocated (/memory). */
  rssKiB?: number;
  addedRssKiB?: number;
  allocatedKiB?: number;
  addedAllocatedKiB?: number;
  /** Admin /stats?filter=wasm after the run (VM counts). */
  wasmStats?: Record<string, string>;
  errors?: number;
}

interface Live {
  config: EnvoyConfig;
  envoy: EnvoyProcess;
  url: string;
  results: LoadResult[];
  /** Envoy's CPU ticks in each round. */
  cpuTicks: number[];
}

async function main(): Promise<void> {
  const started = new Date();
  const envoyBin = findEnvoy(undefined, process.env)?.path;
  const wrk = await findWrk();
  const envoyVersion = envoyBin ? await versionOf(envoyBin) : undefined;
  const meta = {
    date: started.toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "?",
    envoy: envoyVersion ?? "not found",
    ...settings,
  };
  if (!json) {
    write(`as-proxy-wasm: per-request cost inside Envoy${quick ? " (quick mode: figures are noisy)" : ""}\n`);
    write(
      `  Envoy ${meta.envoy}, --concurrency 1; wrk, ${settings.connections} keep-alive connection${settings.connections === 1 ? "" : "s"}, request mix of bench/envoy/mix.lua; `,
    );
    write(
      `${settings.warmupSeconds} s warm-up + ${settings.rounds} × ${settings.seconds} s interleaved rounds; each filter chained ${settings.stack} times; ${meta.cpus} × ${meta.cpuModel}; Node ${meta.node}\n\n`,
    );
  }
  if (!envoyBin || !wrk) {
    note(`skipped: ${!envoyBin ? "no Envoy found (ENVOY_BIN, envoy on PATH, .venv/bin/envoy)" : "no wrk on PATH (apt-get install -y wrk)"}`);
    await output.emit({ meta, rows: [], skipped: !envoyBin ? "no Envoy" : "no wrk" });
    return;
  }

  const configs = await buildConfigs(note);
  const upstream = await startEnvoy({ binary: envoyBin, bootstrap: upstreamBootstrap(), concurrency: 1, wasmLogLevel: "warning" });
  const live: Live[] = [];
  const skipped = new Map<EnvoyConfig, string>();
  try {
    const upstreamPort = upstream.listenerPort("listener_http");
    for (const config of configs) {
      if (config.skipped) continue;
      let envoy: EnvoyProcess | undefined;
      try {
        envoy = await startEnvoy({ binary: envoyBin, bootstrap: bootstrapFor(config, upstreamPort, settings.stack), concurrency: 1, wasmLogLevel: "warning" });
        const url = `http://127.0.0.1:${envoy.listenerPort("listener_http")}`;
        const problem = await check(url, config.expect, settings.stack);
        if (problem) throw new Error(`does not do the work: ${problem}${envoy.reason() ? ` (${envoy.reason()})` : ""}`);
        live.push({ config, envoy, url, results: [], cpuTicks: [] });
      } catch (error) {
        await envoy?.stop();
        const why = error instanceof Error ? error.message.split("\n")[0]! : String(error);
        skipped.set(config, why);
        note(`${config.group} / ${config.name} skipped: ${why}`);
      }
    }

    if (!json) write(`warming up ${live.length} Envoys…\n`);
    for (const l of live) await drive(wrk, l.url, settings.warmupSeconds, settings.connections);
    for (let round = 0; round < settings.rounds; round++) {
      if (!json) write(`round ${round + 1}/${settings.rounds}…\n`);
      // Each round starts one configuration later, so none always follows the same one.
      for (let k = 0; k < live.length; k++) {
        const l = live[(k + round) % live.length]!;
        const before = await cpuTicks(l.envoy);
        l.results.push(await drive(wrk, l.url, settings.seconds, settings.connections));
        l.cpuTicks.push((await cpuTicks(l.envoy)) - before);
      }
    }
    const memory = new Map<Live, { rssKiB: number; allocatedKiB: number; wasmStats: Record<string, string> }>();
    for (const l of live) memory.set(l, await memoryOf(l.envoy));

    const rows = configs.map((config): Row => {
      const base = { group: config.group, name: config.name, kind: config.kind, bytes: config.bytes };
      const l = live.find((x) => x.config === config);
      if (!l) return { ...base, skipped: config.skipped ?? skipped.get(config) ?? "not run" };
      const requests = l.results.reduce((n, r) => n + r.requests, 0);
      const ticks = l.cpuTicks.reduce((n, t) => n + t, 0);
      const m = memory.get(l)!;
      return {
        ...base,
        requestsPerSecond: median(l.results.map((r) => r.requests / (r.durationUs / 1e6))),
        p50Us: median(l.results.map((r) => r.p50Us)),
        p99Us: median(l.results.map((r) => r.p99Us)),
        rounds: l.results.map((r, i) => ({ p50Us: r.p50Us, p99Us: r.p99Us, cpuUsPerRequest: cpuUs(l.cpuTicks[i]!, r.requests) })),
        cpuUsPerRequest: cpuUs(ticks, requests),
        rssKiB: m.rssKiB,
        allocatedKiB: m.allocatedKiB,
        wasmStats: m.wasmStats,
        errors: l.results.reduce((n, r) => n + r.errors + r.non2xx, 0),
      };
    });
    addComparisons(rows, settings.stack);
    await output.emit({ meta, rows });
    if (!json) report(rows);
  } finally {
    for (const l of live) await l.envoy.stop();
    await upstream.stop();
  }
}

/**
 * One request through the Envoy: the response must show the filters' work (so no row can win by doing
 * nothing): the response header once from each of the `copies` chained filters.
 */
async function check(url: string, expect: Expect, copies: number): Promise<string | undefined> {
  const response = await fetch(`${url}/check`, { headers: { "user-agent": CHECK_AGENT }, signal: AbortSignal.timeout(5000) });
  const body = await response.text();
  if (response.status !== 200) return `status ${response.status}`;
  const [name, value] = expect.header ?? [];
  // fetch joins a header's repeated values with ", ".
  if (name && response.headers.get(name) !== Array.from({ length: copies }, () => value).join(", ")) {
    return `response header ${name} is ${JSON.stringify(response.headers.get(name))}, not ${JSON.stringify(value)} from each of ${copies} filters`;
  }
  if (expect.body !== undefined && body !== expect.body) return `response body is ${JSON.stringify(body.slice(0, 60))}`;
  for (const [header, want] of Object.entries(expect.upstreamSaw ?? {})) {
    const saw = response.headers.get(`x-upstream-saw-${header.slice(2)}`);
    if (saw !== want) return `the upstream saw ${header}: ${JSON.stringify(saw)}, not ${JSON.stringify(want)}`;
  }
  return undefined;
}

/**
 * Fills in what one filter of each row adds over the no-filter row, and that against its group's Lua filter.
 * Differences are taken within a round (both measured minutes apart at most, so a slow phase of the machine
 * cancels out) and their median quoted.
 */
function addComparisons(rows: Row[], stack: number): void {
  const none = rows.find((r) => r.kind === "none" && r.rounds !== undefined);
  if (!none) return;
  for (const r of rows) {
    if (r.rounds === undefined || r.kind === "none") continue;
    const added = (figure: keyof NonNullable<Row["rounds"]>[number]) => median(r.rounds!.map((round, i) => (round[figure] - none.rounds![i]![figure]) / stack));
    r.addedP50Us = added("p50Us");
    r.addedP99Us = added("p99Us");
    r.addedCpuUs = added("cpuUsPerRequest");
    r.addedRssKiB = r.rssKiB! - none.rssKiB!;
    r.addedAllocatedKiB = r.allocatedKiB! - none.allocatedKiB!;
  }
  for (const r of rows) {
    const lua = rows.find((x) => x.group === r.group && x.kind === "lua" && x.addedP50Us !== undefined);
    if (!lua || r.addedP50Us === undefined) continue;
    r.addedP50VsLua = ratio(r.addedP50Us, lua.addedP50Us!);
    r.addedCpuVsLua = ratio(r.addedCpuUs!, lua.addedCpuUs!);
  }
}

/**
 * `added / reference`, or undefined when the reference added nothing measurable (≤ 0: its cost is inside the
 * noise of this run), where a quotient would be meaningless or infinite.
 */
function ratio(added: number, reference: number): number | undefined {
  return reference > 0 ? added / reference : undefined;
}

function report(rows: Row[]): void {
  const f1 = (n: number | undefined) => (n === undefined ? "" : n.toFixed(1));
  const x = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? "" : `${n.toFixed(2)}×`);
  const signed = (n: number | undefined, digits = 0) => (n === undefined ? "" : `${n >= 0 ? "+" : ""}${n.toFixed(digits)}`);
  const measured = rows.filter((r) => !r.skipped);
  write(
    `\nThroughput and latency of the chain of ${settings.stack} (medians of the rounds); "+" is what one filter adds over the no-filter row (per round, divided by ${settings.stack}; the median), "× Lua" divides that by the Lua filter's\n`,
  );
  write(
    `${formatTable(
      [
        { title: "filter" },
        { title: "implementation" },
        { title: "bytes", right: true },
        { title: "req/s", right: true },
        { title: "p50 µs", right: true },
        { title: "p99 µs", right: true },
        { title: "+p50 µs", right: true },
        { title: "+p99 µs", right: true },
        { title: "+p50 × Lua", right: true },
      ],
      measured.map((r) => [
        r.group,
        r.name,
        r.bytes === undefined ? "" : integer(r.bytes),
        integer(r.requestsPerSecond!),
        integer(r.p50Us!),
        integer(r.p99Us!),
        signed(r.addedP50Us, 1),
        signed(r.addedP99Us, 1),
        x(r.addedP50VsLua),
      ]),
    )}\n\n`,
  );
  write(`Envoy CPU per request (all threads, /proc; over all rounds; "+": one filter's, as above) and memory after the run\n`);
  write(
    `${formatTable(
      [
        { title: "filter" },
        { title: "implementation" },
        { title: "CPU µs/req", right: true },
        { title: "+CPU µs", right: true },
        { title: "+CPU × Lua", right: true },
        { title: "RSS MiB", right: true },
        { title: "+RSS MiB", right: true },
        { title: "+heap MiB", right: true },
        { title: "wasm VMs", right: true },
      ],
      measured.map((r) => [
        r.group,
        r.name,
        f1(r.cpuUsPerRequest),
        signed(r.addedCpuUs, 1),
        x(r.addedCpuVsLua),
        f1(r.rssKiB! / 1024),
        signed(r.addedRssKiB === undefined ? undefined : r.addedRssKiB / 1024, 1),
        signed(r.addedAllocatedKiB === undefined ? undefined : r.addedAllocatedKiB / 1024, 1),
        r.kind === "wasm" ? (r.wasmStats?.["wasm.envoy.wasm.runtime.v8.active"] ?? "?") : "",
      ]),
    )}\n`,
  );
  const errors = measured.filter((r) => r.errors);
  if (errors.length) write(`\n  errors or non-2xx answers: ${errors.map((r) => `${r.group} / ${r.name}: ${r.errors}`).join("; ")}\n`);
  for (const r of rows.filter((r) => r.skipped)) write(`  skipped: ${r.group} / ${r.name}: ${r.skipped}\n`);
  write(`\nTargets\n${formatTargets(envoyTargets({ rows }))}\n`);
}

const ticksPerSecond = 100; // Linux's USER_HZ, what /proc/<pid>/stat counts in
const cpuUs = (ticks: number, requests: number) => (ticks * 1e6) / ticksPerSecond / requests;

function pidOf(envoy: EnvoyProcess): number {
  return envoy.pid!;
}

/** utime + stime of the Envoy process, in clock ticks. */
async function cpuTicks(envoy: EnvoyProcess): Promise<number> {
  const stat = await readFile(`/proc/${pidOf(envoy)}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

async function memoryOf(envoy: EnvoyProcess): Promise<{ rssKiB: number; allocatedKiB: number; wasmStats: Record<string, string> }> {
  const status = await readFile(`/proc/${pidOf(envoy)}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const memory = JSON.parse(await envoy.admin("/memory")) as { allocated?: string };
  const wasmStats = Object.fromEntries(await envoy.stats("wasm"));
  return { rssKiB, allocatedKiB: Number(memory.allocated ?? NaN) / 1024, wasmStats };
}

async function versionOf(binary: string): Promise<string> {
  const { stdout } = await promisify(execFile)(binary, ["--version"]).catch(() => ({ stdout: "" }));
  return /\/(\d+\.\d+\.\d+)\//.exec(stdout)?.[1] ?? "?";
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench:envoy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
