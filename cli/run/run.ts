import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createColors } from "picocolors";
import { Host, HostError, type HeaderList, type HttpStreamResult, type TcpResult } from "../../host/index.js";
import { readConfigInput } from "../config-input.js";
import { CliError, ExitError, UsageError } from "../errors.js";
import type { Io, Output } from "../io.js";
import { loadWasmFile } from "../wasm/load.js";
import { formatDifferences, type Difference } from "../envoy/compare.js";
import { formatMetrics, metricsJson } from "./metrics.js";
import { DEFAULT_MAX_GROWTH, runRepeated, type RepeatOptions } from "./repeat.js";
import { defaultScenario, defaultTcpScenario, readScenario, toScenario, toTcpScenario, type Scenario, type TcpRunScenario } from "./scenario.js";

export interface RunOptions {
  request?: string;
  config?: string;
  rootId?: string;
  /** A TCP connection through a network filter instead of an HTTP stream. */
  tcp?: boolean;
  json?: boolean;
  /** Run the scenario through a real Envoy instead (`true`: find one; a string: that binary). */
  envoy?: string | true;
  /** Run it through both hosts and print where they differ (exit 1 when they do). */
  compare?: boolean;
  /** Serve the scenario this many times (leak gate, with --workers a concurrency check). */
  repeat?: number;
  warmup?: number;
  /** Bytes per 1,000 streams. */
  maxGrowth?: number;
  workers?: number;
  seed?: number;
  quiet?: boolean;
  /** Run under Node's inspector, with the module's source map (`<file>.map`), waiting for a debugger. */
  inspect?: boolean;
  /** The same, pausing before the filter's first callback. */
  inspectBrk?: boolean;
}

/** `run`: one HTTP stream (or with --tcp one connection) through the host emulator, as JSON or for people. */
export async function run(file: string, options: RunOptions, io: Io): Promise<void> {
  const { bytes: fileBytes } = await loadWasmFile(file, io.cwd);
  const inspecting = options.inspect || options.inspectBrk;
  if (inspecting && (options.envoy !== undefined || options.compare))
    throw new UsageError("--inspect debugs the filter in the emulator: not with --envoy or --compare");
  const { debugModule } = inspecting ? await import("../debug/inspect.js") : { debugModule: undefined };
  const bytes = debugModule ? await debugModule(file, fileBytes, !!options.inspectBrk, io) : fileBytes;
  const configuration = options.config === undefined ? undefined : (await readConfigInput(options.config, io.cwd)).text;
  const repeated = options.repeat !== undefined || options.workers !== undefined;
  if (repeated && (options.envoy !== undefined || options.compare)) {
    throw new UsageError(`--repeat and --workers run in the emulator: not with ${options.compare ? "--compare" : "--envoy"}`);
  }
  if (options.workers !== undefined && options.tcp)
    throw new UsageError("--workers serves HTTP streams: not with --tcp (--repeat alone checks a network filter for leaks)");
  if (options.tcp) {
    const scenario = options.request ? await readScenario(options.request, io.cwd, toTcpScenario) : defaultTcpScenario();
    if (options.envoy !== undefined || options.compare) {
      await tcpInEnvoy(resolve(io.cwd, file), scenario, configuration, options, io);
      return;
    }
    if (repeated) {
      await runRepeated(scenario, { bytes, configuration, rootId: options.rootId, hostCall }, repeatOptions(options, true), io);
      return;
    }
    const plugin = await startPlugin(bytes, scenario.vmConfig, configuration, options.rootId);
    const result = await hostCall(() => plugin.tcpConnection(scenario));
    io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatTcpResult(result, io.stdout));
    return;
  }
  const scenario = options.request ? await readScenario(options.request, io.cwd, toScenario) : defaultScenario();
  if (options.envoy !== undefined || options.compare) {
    await runInEnvoy(resolve(io.cwd, file), scenario, configuration, options, io);
    return;
  }
  if (repeated) {
    await runRepeated(scenario, { bytes, configuration, rootId: options.rootId, hostCall }, repeatOptions(options, false), io);
    return;
  }
  const plugin = await startPlugin(bytes, scenario.vmConfig, configuration, options.rootId);
  const result = await hostCall(() => plugin.httpStream(scenario, { failStream: true }));
  const host = plugin.vm.host;
  io.stdout.write(options.json ? `${formatJson({ ...result, metrics: metricsJson(host) })}\n` : formatResult(result, io.stdout, host));
  if (result.trap !== undefined) {
    io.stderr.write(
      `error: the filter trapped: ${result.trap}\nhint: Envoy answers such a stream 503 (wasm_fail_stream), as shown, and marks the VM failed: later requests get 503 too unless the failure policy says otherwise\n`,
    );
    throw new ExitError(1);
  }
  // Envoy refuses a callout to an unknown cluster without a word; here the scenario is what is missing.
  for (const cluster of new Set(plugin.vm.host.refusedCallouts)) {
    io.stderr.write(
      `note: the filter's callout to cluster "${cluster}" was refused: the scenario has no answer for it (callouts: { ${cluster}: { status: 200 } })\n`,
    );
  }
}

function repeatOptions(options: RunOptions, tcp: boolean): RepeatOptions {
  return {
    repeat: options.repeat ?? 1000,
    workers: options.workers ?? 1,
    seed: options.seed ?? 1,
    warmup: options.warmup,
    maxGrowth: options.maxGrowth ?? DEFAULT_MAX_GROWTH,
    json: options.json,
    quiet: options.quiet,
    tcp,
  };
}

/** `--envoy`: the scenario through a real Envoy; `--compare`: through both hosts, printing the differences. */
async function runInEnvoy(wasmPath: string, scenario: Scenario, configuration: string | undefined, options: RunOptions, io: Io): Promise<void> {
  const { envoyHttpStream } = await import("../envoy/run-http.js");
  const binary = await envoyBinary(options, io);
  if (scenario.properties) {
    io.stderr.write("note: the scenario's properties are the emulator's; Envoy answers properties from the real connection and stream\n");
  }
  const envoy = await envoyHttpStream({ binary, wasmPath, configuration, vmConfig: scenario.vmConfig, rootId: options.rootId }, scenario);
  if (!options.compare) {
    io.stdout.write(options.json ? `${formatJson(envoy)}\n` : formatResult(envoy, io.stdout));
    return;
  }
  const plugin = await startPlugin(await readFile(wasmPath), scenario.vmConfig, configuration, options.rootId);
  const emulator = await hostCall(() => plugin.httpStream(scenario, { failStream: true }));
  const { compareHttpResults } = await import("../envoy/compare.js");
  printComparison(compareHttpResults(scenario, emulator, envoy), emulator, envoy, options, io);
}

/** `--envoy` / `--compare` with `--tcp`: one connection through a real Envoy, or through both hosts. */
async function tcpInEnvoy(wasmPath: string, scenario: TcpRunScenario, configuration: string | undefined, options: RunOptions, io: Io): Promise<void> {
  const { envoyTcpConnection } = await import("../envoy/run-tcp.js");
  const binary = await envoyBinary(options, io);
  const envoy = await envoyTcpConnection({ binary, wasmPath, configuration, vmConfig: scenario.vmConfig, rootId: options.rootId }, scenario);
  if (!options.compare) {
    io.stdout.write(options.json ? `${JSON.stringify(envoy, null, 2)}\n` : formatTcpResult(envoy, io.stdout));
    return;
  }
  const plugin = await startPlugin(await readFile(wasmPath), scenario.vmConfig, configuration, options.rootId);
  const emulator = await hostCall(() => plugin.tcpConnection(scenario));
  const { compareTcpResults } = await import("../envoy/compare.js");
  printComparison(compareTcpResults(emulator, envoy), emulator, envoy, options, io);
}

async function envoyBinary(options: RunOptions, io: Io): Promise<string> {
  const { requireEnvoy } = await import("../envoy/locate.js");
  return requireEnvoy(typeof options.envoy === "string" ? resolve(io.cwd, options.envoy) : undefined, io.env).path;
}

/** The differences for people (or all of it with `--json`); exit 1 when the hosts differ. */
function printComparison(differences: Difference[], emulator: unknown, envoy: unknown, options: RunOptions, io: Io): void {
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ same: differences.length === 0, differences, emulator, envoy }, null, 2)}\n`);
  } else if (differences.length === 0) {
    io.stdout.write(
      `the emulator and Envoy agree: ${options.tcp ? "same bytes each way, close and logs" : "same upstream request, client response, local reply and logs"}\n`,
    );
  } else {
    io.stdout.write(`the emulator and Envoy differ in ${differences.length} place(s):\n${formatDifferences(differences)}\n`);
  }
  if (differences.length > 0) throw new ExitError(1);
}

async function startPlugin(
  bytes: Uint8Array | WebAssembly.Module,
  vmConfig: string | undefined,
  configuration: string | undefined,
  rootId: string | undefined,
) {
  const vm = await hostCall(() => new Host().loadVm(bytes, { vmConfig }));
  return hostCall(() => vm.startPlugin({ configuration, rootId }));
}

/** The emulator's errors (load refusals, traps, a plugin rejecting its configuration) as one line. */
async function hostCall<T>(call: () => T | Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HostError) throw new CliError(`run failed: ${error.message}`);
    throw error;
  }
}

/** Indented JSON with each [name, value] header pair kept on one line. */
function formatJson(result: HttpStreamResult & { metrics?: unknown }): string {
  const string = String.raw`"(?:[^"\\]|\\.)*"`;
  const pair = new RegExp(String.raw`\[\s*(${string}),\s*(${string})\s*\]`, "g");
  return JSON.stringify(result, null, 2).replace(pair, "[$1, $2]");
}

type Colors = ReturnType<typeof createColors>;

function formatResult(result: HttpStreamResult, out: Output, host?: Host): string {
  const c = createColors(!!out.isTTY);
  const lines: string[] = [];
  const message = (title: string, m: { headers: HeaderList; body: string; trailers: HeaderList }) => {
    lines.push(c.bold(title));
    for (const [name, value] of m.headers) lines.push(`  ${c.dim(`${name}:`)} ${value}`);
    if (m.body) lines.push("", ...indent(shorten(m.body, c)));
    for (const [name, value] of m.trailers) lines.push(`  ${c.dim(`${name}:`)} ${value} ${c.dim("(trailer)")}`);
    lines.push("");
  };
  if (result.request) message("→ forwarded upstream", result.request);
  else lines.push(c.bold("→ not forwarded upstream: the filter answered itself"), "");
  if (result.localResponse) {
    const { status, details } = result.localResponse;
    lines.push(c.bold(`local response ${status}${details ? ` (${details})` : ""}`), "");
  }
  if (result.reset) lines.push(c.bold("← the stream was reset: the client got no complete response"), "");
  message("← client received", result.response);
  // Envoy has no metrics of a filter it ran elsewhere to show: only the emulator's run prints them.
  const metrics = host ? ["", ...formatMetrics(host, c)] : [];
  return [...lines, ...formatLogs(result.logs, c), ...metrics].join("\n") + "\n";
}

function formatTcpResult(result: TcpResult, out: Output): string {
  const c = createColors(!!out.isTTY);
  const data = (title: string, text: string) => [c.bold(`${title} (${Buffer.byteLength(text)} bytes)`), ...indent(shorten(text, c)), ""];
  const lines = [...data("→ forwarded upstream", result.upstream), ...data("← client received", result.downstream)];
  if (result.closed) lines.push(c.bold("the filter closed the connection"), "");
  return [...lines, ...formatLogs(result.logs, c)].join("\n") + "\n";
}

function formatLogs(logs: { level: string; message: string }[], c: Colors): string[] {
  return [c.bold(`logs (${logs.length})`), ...logs.map(({ level, message }) => `  ${c.dim(`[${level}]`)} ${message}`)];
}

/** Shown bodies stop at 4 KiB so a large one does not flood the terminal; `--json` has every byte. */
const shownBodyLength = 4096;

function shorten(text: string, c: Colors): string {
  if (text.length <= shownBodyLength) return text;
  return `${text.slice(0, shownBodyLength)}\n${c.dim(`… ${text.length - shownBodyLength} more characters (--json prints all)`)}`;
}

function indent(text: string): string[] {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => `  ${line}`);
}
