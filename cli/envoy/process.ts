// A real Envoy process for `run --envoy`, the tests and the bench: started on a bootstrap with ports the
// kernel picks, its log parsed line by line, its admin read (stats, readiness), stopped and cleaned up.
// Long because it is one process's whole life (start, log, admin, counters, stop) behind one class.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CliError } from "../errors.js";
import { envoyLogFormat, parseEnvoyLogLine, wasmLogEntry, type EnvoyLogLine } from "./log.js";

export interface EnvoyStartOptions {
  /** The Envoy binary (see `findEnvoy`). */
  binary: string;
  /** A v3 bootstrap; listeners and admin may use port 0: the bound ports are read back from the admin. */
  bootstrap: Record<string, unknown>;
  /** Worker threads (default 1: log lines and shared state in the order requests were sent). */
  concurrency?: number;
  /** Level of the `wasm` logger (default info: every filter log line at info or above). */
  wasmLogLevel?: "trace" | "debug" | "info" | "warning" | "error" | "critical";
  /** How often Envoy flushes access logs (default 10 ms, for tests and runs that read them right away). */
  fileFlushIntervalMs?: number;
  /** How long to wait for `/ready` (default 30 s: V8 compiles the module at start). */
  readyTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** A running Envoy: its admin, the ports its listeners bound, and every log line it printed. */
export class EnvoyProcess {
  readonly lines: EnvoyLogLine[] = [];
  /** What Envoy printed that is not a log line (start-up errors before logging is set up). */
  readonly otherOutput: string[] = [];
  adminUrl = "";
  private listeners = new Map<string, number>();
  private exit: Promise<number | null>;
  exited = false;

  constructor(
    private readonly child: ChildProcess,
    readonly dir: string,
  ) {
    running.add(child);
    let pending = "";
    const onData = (chunk: Buffer) => {
      pending += chunk.toString("utf8");
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        const parsed = parseEnvoyLogLine(line);
        if (parsed) this.lines.push(parsed);
        else if (line.trim()) this.otherOutput.push(line);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    this.exit = new Promise((resolve) =>
      child.on("exit", (code) => {
        this.exited = true;
        running.delete(child);
        resolve(code);
      }),
    );
  }

  /** The Envoy process's id (for /proc readings). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The port a listener bound (by its name in the bootstrap). */
  listenerPort(name: string): number {
    const port = this.listeners.get(name);
    if (port === undefined) throw new Error(`envoy has no listener named ${name} (has ${[...this.listeners.keys()].join(", ")})`);
    return port;
  }

  /** The filter's own log lines (`proxy_log`), from line index `from` on. */
  wasmLogs(from = 0): { level: string; message: string }[] {
    return this.lines.slice(from).flatMap((line) => wasmLogEntry(line) ?? []);
  }

  /** Waits until a log line (from index `from`) satisfies `predicate`; false on timeout or exit. */
  async waitForLine(predicate: (line: EnvoyLogLine) => boolean, timeoutMs: number, from = 0): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.lines.slice(from).some(predicate)) return true;
      if (this.exited || Date.now() > deadline) return false;
      await sleep(10);
    }
  }

  /** Admin `/stats` as name → value (counters and gauges; histograms as Envoy prints them). */
  async stats(filter?: string): Promise<Map<string, string>> {
    const text = await this.admin(`/stats${filter ? `?filter=${encodeURIComponent(filter)}` : ""}`);
    const stats = new Map<string, string>();
    for (const line of text.split("\n")) {
      const at = line.indexOf(": ");
      if (at > 0) stats.set(line.slice(0, at), line.slice(at + 2));
    }
    return stats;
  }

  /**
   * Waits (up to 5 s) until every stat matching `filter` reads 0, e.g. the active connections of a
   * listener: once Envoy has torn them down, every filter callback of theirs has run.
   */
  async untilZero(filter: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const stats = await this.stats(filter);
      if ([...stats.values()].every((v) => v === "0")) return;
      await sleep(10);
    }
  }

  /**
   * Waits (up to `timeoutMs`) until the counter `name` reaches `value`, e.g. the bytes Envoy has read from a
   * connection: Envoy counts them as it reads, before its filters see the data. Stops early once `until`
   * says the wait is moot (e.g. that connection closed) or Envoy has exited. An admin request that fails is
   * asked again (a pooled connection the admin closed fails now and then under load): the wait paces a
   * client, it never fails one.
   */
  async untilAtLeast(name: string, value: number, timeoutMs: number, until: () => boolean = () => false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.exited && !until()) {
      const stats = await this.stats(`^${name.replace(/[.]/g, "\\.")}$`).catch(() => undefined);
      if (stats && Number(stats.get(name) ?? 0) >= value) return;
      await sleep(5);
    }
  }

  async admin(path: string, method = "GET"): Promise<string> {
    const response = await fetch(`${this.adminUrl}${path}`, { method });
    return response.text();
  }

  /**
   * Why Envoy gave up, in one line: the filter's own error or critical log line when it wrote one (a plugin
   * refusing its configuration says why), else Envoy's last error.
   */
  reason(): string | undefined {
    const filter = this.lines.flatMap((l) => wasmLogEntry(l) ?? []).filter((l) => l.level === "error" || l.level === "critical");
    if (filter.length > 0) return `the filter logged: ${filter.map((l) => l.message).join("; ")}`;
    return this.problems().at(-1)?.split("\n")[0];
  }

  /** Errors and critical lines, for a failure message. */
  problems(): string[] {
    return [...this.lines.filter((l) => l.level === "error" || l.level === "critical").map((l) => l.message), ...this.otherOutput];
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill("SIGTERM");
      const killed = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      await this.exit;
      clearTimeout(killed);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const addressFile = join(this.dir, "admin-address");
    while (Date.now() < deadline && !this.exited) {
      const address = await readFile(addressFile, "utf8").catch(() => "");
      if (address) {
        this.adminUrl = `http://${address.trim()}`;
        const ready = await fetch(`${this.adminUrl}/ready`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) {
          await this.readListeners();
          return;
        }
      }
      await sleep(20);
    }
    const why = this.exited ? "did not start" : `was not ready after ${timeoutMs / 1000} s`;
    await this.stop();
    throw new EnvoyStartError(`envoy ${why}${this.reason() ? `: ${this.reason()}` : ""}`, this.problems());
  }

  private async readListeners(): Promise<void> {
    const body = JSON.parse(await this.admin("/listeners?format=json")) as {
      listener_statuses?: { name: string; local_address: { socket_address: { port_value: number } } }[];
    };
    for (const status of body.listener_statuses ?? []) this.listeners.set(status.name, status.local_address.socket_address.port_value);
  }
}

/** Envoy did not come up: its error lines say why (e.g. a plugin that refused its configuration). */
export class EnvoyStartError extends CliError {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}

const commonFlags = () => ["--log-format", envoyLogFormat, "--log-format-escaped", "-l", "warning"];

/** Starts Envoy on `bootstrap` and waits until its admin says it is ready. */
export async function startEnvoy(options: EnvoyStartOptions): Promise<EnvoyProcess> {
  const dir = await mkdtemp(join(tmpdir(), "as-proxy-wasm-envoy-"));
  const config = join(dir, "envoy.yaml");
  await writeFile(config, JSON.stringify(options.bootstrap));
  const child = spawn(
    options.binary,
    [
      "-c",
      config,
      "--use-dynamic-base-id",
      "--concurrency",
      String(options.concurrency ?? 1),
      "--admin-address-path",
      join(dir, "admin-address"),
      ...commonFlags(),
      "--component-log-level",
      `wasm:${options.wasmLogLevel ?? "info"}`,
      "--file-flush-interval-msec",
      String(options.fileFlushIntervalMs ?? 10),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const envoy = new EnvoyProcess(child, dir);
  child.on("error", () => undefined);
  await envoy.ready(options.readyTimeoutMs ?? 30_000);
  return envoy;
}

export interface ValidationResult {
  ok: boolean;
  /** Envoy's error and critical lines when not ok. */
  problems: string[];
}

/**
 * `envoy --mode validate`: Envoy parses the bootstrap, builds every listener and cluster and, for a wasm
 * filter, loads and configures the module, then exits without binding a port.
 */
export async function validateEnvoyConfig(binary: string, bootstrap: Record<string, unknown>): Promise<ValidationResult> {
  const dir = await mkdtemp(join(tmpdir(), "as-proxy-wasm-envoy-"));
  try {
    const config = join(dir, "envoy.yaml");
    await writeFile(config, JSON.stringify(bootstrap));
    const child = spawn(binary, ["--mode", "validate", "-c", config, ...commonFlags()], { stdio: ["ignore", "pipe", "pipe"] });
    const envoy = new EnvoyProcess(child, dir);
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    // Output may still be arriving after the exit event.
    await sleep(5);
    const problems = envoy.problems();
    return { ok: code === 0 && !problems.some((p) => /failed|error|Unable/i.test(p)), problems };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
