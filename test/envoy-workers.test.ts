/**
 * Shared state across worker threads, and host calls at VM start: the fixture test/fixtures/differential/workers
 * runs in a real Envoy with `--concurrency 2` and in the emulator with several VMs of one vm_id (Envoy gives
 * each thread its own VM of the module; shared data, shared queues and metrics belong to the proxy). The
 * outcome of each host is reduced to the same shape and the two are compared in one assertion.
 *
 * How many VMs Envoy starts for one plugin (observed here: 4 `vm_start` log lines with --concurrency 2) —
 * proxy-wasm-cpp-host (src/wasm.cc):
 *   1. `createWasm` on the main thread loads the base VM (initialized only, never started), then runs the
 *      plugin's *configuration canary*: a clone that gets on_vm_start + on_configure and is then killed;
 *   2. `getOrCreateThreadLocalPlugin` clones the base VM again for every thread of Envoy's thread-local slot:
 *      the main thread first, then each worker, each with its own on_vm_start + on_configure.
 * So with --concurrency W, 2 + W starts: the canary (#1), the main thread (#2), the workers (#3, #4), in that
 * order of the shared `starts` counter (the main thread's slot is set before the workers' are posted). Only
 * the workers' VMs serve requests. The emulator's VMs are what the test loads: test 2 loads the same four to
 * model Envoy, test 1 only the two workers'.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { sendH2Request, startH2Server, type LoopbackServer } from "../cli/envoy/h2.js";
import { startEnvoy, type EnvoyProcess } from "../cli/envoy/process.js";
import { runBootstrap } from "../cli/envoy/run-bootstrap.js";
import { Host, type HeaderList, type Plugin } from "../host/index.js";
import { envoyForTests } from "./helpers/envoy.js";
import { filterModule } from "./helpers/filters.js";

const envoy = envoyForTests();
/** Plugin name and vm_id in both hosts (`runBootstrap` names both after `name`). */
const NAME = "workers";
const N = 40;
const WORKERS = 2;
const METRICS = ["workers_starts", "workers_requests", "workers_consumed", "workers_last"] as const;
const SHARED = ["count", "starts", "configures", "consumed"] as const;

const requestHeaders = (path: string): HeaderList => [
  [":method", "GET"],
  [":path", path],
  [":authority", "workers.test"],
  [":scheme", "http"],
];
const get = (headers: HeaderList, name: string): string | undefined => headers.find(([n]) => n === name)?.[1];

/** A response of the fixture: the x-* headers it added, by name. */
type Seen = Record<string, string>;
const seen = (headers: HeaderList): Seen => Object.fromEntries(headers.filter(([n]) => n.startsWith("x-") && n !== "x-envoy-upstream-service-time"));

// --- Envoy ---

async function withEnvoy<T>(run: (proxy: EnvoyProcess, request: (path: string) => Promise<Seen>) => Promise<T>): Promise<T> {
  const upstream: LoopbackServer = await startH2Server(() => ({ headers: [[":status", "200"]], body: Buffer.from("ok") }));
  let proxy: EnvoyProcess | undefined;
  try {
    const bootstrap = runBootstrap({
      type: "HTTP",
      name: NAME,
      wasmPath: await filterModule("differential/workers"),
      configuration: "",
      upstreamPort: upstream.port,
      calloutClusters: {},
    });
    proxy = await startEnvoy({ binary: envoy.binary!, bootstrap, concurrency: WORKERS, wasmLogLevel: "info" });
    const port = proxy.listenerPort("listener_http");
    // One HTTP/2 connection per request: Envoy pins a connection to the worker that accepted it, and the
    // kernel spreads new connections over the workers' listening sockets (reuse_port).
    const request = async (path: string) => {
      const { response, reset } = await sendH2Request(port, { headers: requestHeaders(path) }, 5000);
      assert.equal(reset, false, `request ${path} was reset`);
      assert.equal(get(response.headers, ":status"), "200");
      return seen(response.headers);
    };
    return await run(proxy, request);
  } finally {
    await proxy?.stop();
    await upstream.close();
  }
}

/** wasmcustom.<name> of every metric of the fixture, from the admin /stats (numbers as text). */
async function envoyMetrics(proxy: EnvoyProcess): Promise<Record<string, string | undefined>> {
  const stats = await proxy.stats("^wasmcustom\\.");
  return Object.fromEntries(METRICS.map((name) => [name, stats.get(`wasmcustom.${name}`)]));
}

/** /report answers from VMs until every one of `vms` (x-vm start numbers) answered once; by VM. */
async function reportsFrom(vms: Set<string>, report: () => Promise<Seen>, tries: number): Promise<Map<string, Seen>> {
  const reports = new Map<string, Seen>();
  for (let i = 0; i < tries && reports.size < vms.size; i++) {
    const answer = await report();
    if (!reports.has(answer["x-vm"]!)) reports.set(answer["x-vm"]!, answer);
  }
  return reports;
}

// --- Emulator ---

async function emulatorVms(count: number): Promise<{ host: Host; plugins: Plugin[] }> {
  const bytes = await readFile(await filterModule("differential/workers"));
  const host = new Host({ logLevel: "info" });
  const plugins: Plugin[] = [];
  // One at a time, as Envoy starts them (canary, main thread, then the workers).
  for (let i = 0; i < count; i++) plugins.push((await host.loadVm(bytes, { vmId: NAME })).startPlugin({ name: NAME, configuration: "" }));
  return { host, plugins };
}

async function emulatorRequest(plugin: Plugin, path: string): Promise<Seen> {
  const result = await plugin.httpStream({ request: { headers: requestHeaders(path) }, response: { headers: [[":status", "200"]], body: "ok" } });
  assert.equal(result.reset, false);
  return seen(result.response.headers);
}

const emulatorMetrics = (host: Host): Record<string, string | undefined> =>
  Object.fromEntries(METRICS.map((name) => [name, host.metric(name)?.value.toString()]));

const sharedValue = (host: Host, key: string): string | undefined => {
  const entry = host.getSharedData(key, NAME);
  return entry && Buffer.from(entry.value).toString("utf8");
};

// --- 1. Shared data, queues and metrics across two workers ---

/** What one host did with N requests over two serving VMs, in a shape both hosts fill. */
interface WorkersOutcome {
  /** x-count of every response, sorted: 1..N when the CAS loop never lost or repeated an increment. */
  counts: number[];
  /** Some response needed a CAS retry (requests overlapped between its get and its set). */
  casRetried: boolean;
  /** Distinct VMs (x-vm) that answered the N requests. */
  servingVms: number;
  /** Every request resolved the queue to the id its own VM registered (one queue per vm_id and name). */
  queueResolvedEverywhere: boolean;
  /** The last response's x-requests-metric (the counter as that VM read it back: the proxy-wide value). */
  lastRequestsMetric: string;
  /** What /report read from shared data once everything was consumed. */
  shared: Record<string, string | undefined>;
  /** The metrics, as the host shows them (Envoy: admin /stats wasmcustom.<name>). */
  metrics: Record<string, string | undefined>;
  /** Items each serving VM's root dequeued, sorted: only the last VM to register the queue is notified. */
  consumedPerServingVm: number[];
}

function workersOutcome(responses: Seen[], reports: Map<string, Seen>, metrics: Record<string, string | undefined>): WorkersOutcome {
  const report = [...reports.values()][0]!;
  return {
    counts: responses.map((r) => Number(r["x-count"])).sort((a, b) => a - b),
    casRetried: responses.some((r) => Number(r["x-cas-retries"]) > 0),
    servingVms: new Set(responses.map((r) => r["x-vm"])).size,
    queueResolvedEverywhere: responses.every((r) => r["x-queue-resolved"] === "yes"),
    lastRequestsMetric: responses.at(-1)!["x-requests-metric"]!,
    // `starts` and `configures` count the VMs the host started (4 in Envoy, the 2 loaded here): test 2's subject.
    shared: { count: report["x-shared-count"], consumed: report["x-shared-consumed"] },
    metrics: Object.fromEntries(Object.entries(metrics).filter(([name]) => name !== "workers_starts")),
    consumedPerServingVm: [...reports.values()].map((r) => Number(r["x-consumed-here"])).sort((a, b) => a - b),
  };
}

const expectedWorkersOutcome: WorkersOutcome = {
  counts: Array.from({ length: N }, (_, i) => i + 1),
  casRetried: true,
  servingVms: WORKERS,
  queueResolvedEverywhere: true,
  lastRequestsMetric: String(N),
  shared: { count: String(N), consumed: String(N) },
  metrics: { workers_requests: String(N), workers_consumed: String(N), workers_last: String(N) },
  consumedPerServingVm: [0, N],
};

test(
  "shared data, a shared queue and metrics across two worker threads: Envoy --concurrency 2 and two emulator VMs of one vm_id agree",
  { skip: envoy.skip },
  async (t) => {
    const started = Date.now();
    const inEnvoy = await withEnvoy(async (proxy, request) => {
      // N - 1 requests at once (one connection each, spread over both workers), then one more after they all
      // answered, so the last gauge write is the last count (concurrent writers would race for the gauge).
      const responses = await Promise.all(Array.from({ length: N - 1 }, () => request("/")));
      responses.push(await request("/"));

      // Both workers accepted connections (each request had its own), N in all so far.
      const stats = await proxy.stats("^listener\\..*\\.worker_\\d+\\.downstream_cx_total$");
      const perWorker = [...stats].map(([name, value]) => [name.replace(/^.*\.(worker_\d+)\..*$/, "$1"), Number(value)] as const).sort();
      assert.equal(perWorker.length, WORKERS, `per-worker stats: ${JSON.stringify(perWorker)}`);
      assert.ok(
        perWorker.every(([, connections]) => connections > 0),
        `both workers served requests: ${JSON.stringify(perWorker)}`,
      );
      assert.equal(
        perWorker.reduce((sum, [, connections]) => sum + connections, 0),
        N,
      );

      // Queue notifications are posted to the registering thread's dispatcher: wait until all are consumed.
      const deadline = Date.now() + 5000;
      while ((await envoyMetrics(proxy)).workers_consumed !== String(N) && Date.now() < deadline) await sleep(20);
      const vms = new Set(responses.map((r) => r["x-vm"]!));
      const reports = await reportsFrom(vms, () => request("/report"), 60);
      assert.equal(reports.size, vms.size, "a /report from every serving VM");
      const outcome = workersOutcome(responses, reports, await envoyMetrics(proxy));
      return { outcome, retries: responses.reduce((sum, r) => sum + Number(r["x-cas-retries"]), 0), perWorker, vms: [...vms].sort() };
    });

    // The emulator: the two workers' VMs, streams alternating between them; all N - 1 streams in flight at once
    // (each httpStream yields between its phases, so their callbacks interleave), then the last one.
    const { host, plugins } = await emulatorVms(WORKERS);
    const responses = await Promise.all(Array.from({ length: N - 1 }, (_, i) => emulatorRequest(plugins[i % WORKERS]!, "/")));
    responses.push(await emulatorRequest(plugins[(N - 1) % WORKERS]!, "/"));
    const reports = new Map<string, Seen>();
    for (const plugin of plugins) {
      const report = await emulatorRequest(plugin, "/report");
      reports.set(report["x-vm"]!, report);
    }
    const inEmulator = workersOutcome(responses, reports, emulatorMetrics(host));

    // The differential check: the same final values in both hosts...
    assert.deepEqual(inEmulator, inEnvoy.outcome);
    // ...and they are the right ones.
    assert.deepEqual(inEnvoy.outcome, expectedWorkersOutcome);
    // The emulator's own view agrees with what the module reported: nothing left queued.
    assert.equal(sharedValue(host, "count"), String(N));
    assert.deepEqual(host.queueItems(NAME, "workers"), []);
    const emulatorRetries = responses.reduce((sum, r) => sum + Number(r["x-cas-retries"]), 0);
    t.diagnostic(
      `Envoy: connections per worker ${JSON.stringify(inEnvoy.perWorker)}, serving VMs ${inEnvoy.vms.join(",")}, CAS retries ${inEnvoy.retries}; ` +
        `emulator CAS retries ${emulatorRetries}; ${Date.now() - started} ms`,
    );
  },
);

// --- 2. Host calls during VM start ---

interface StartOutcome {
  /** The fixture's start log lines (info), sorted: the workers start on their own threads, in any order. */
  logs: string[];
  /** The metrics before any request. */
  metrics: Record<string, string | undefined>;
  /** Shared data before any request, read back through /report. */
  shared: Record<string, string | undefined>;
}

const startLogs = (logs: { level: string; message: string }[]) =>
  logs
    .filter((l) => l.message.startsWith("workers: "))
    .map((l) => `${l.level} ${l.message}`)
    .sort();

/** What Envoy's four VMs (canary, main thread, two workers) did at start, each one start number. */
const ENVOY_STARTS = 2 + WORKERS;
const expectedStartOutcome: StartOutcome = {
  logs: Array.from({ length: ENVOY_STARTS }, (_, i) => [
    `info workers: configure #${i + 1} queue=registered plugin_name=${NAME}`,
    `info workers: vm_start #${i + 1} plugin_name=${NAME} vm_id=${NAME}`,
  ])
    .flat()
    .sort(),
  // workers_starts: incremented once per on_vm_start, the canary's included (the stat outlives its VM);
  // workers_requests is defined in on_vm_start, the others in on_configure: all listed, 0, before any request.
  metrics: { workers_starts: String(ENVOY_STARTS), workers_requests: "0", workers_consumed: "0", workers_last: "0" },
  shared: { count: "0", starts: String(ENVOY_STARTS), configures: String(ENVOY_STARTS), consumed: "0" },
};

test(
  "host calls during VM start: every VM Envoy starts (canary, main thread, each worker) logs, defines metrics and writes shared data; the emulator's VMs do the same",
  { skip: envoy.skip },
  async () => {
    const inEnvoy = await withEnvoy(async (proxy, request) => {
      // Metrics defined at start are on /stats before any request, and all four VMs' start lines are already
      // logged when the admin says ready (observed on every run: the workers' VMs are configured by then).
      const metrics = await envoyMetrics(proxy);
      const logs = startLogs(proxy.wasmLogs());
      const report = await request("/report");
      return { logs, metrics, shared: Object.fromEntries(SHARED.map((key) => [key, report[`x-shared-${key}`]])) } satisfies StartOutcome;
    });

    // The emulator, loaded the way Envoy starts the plugin: four VMs of the vm_id, one after another.
    const { host, plugins } = await emulatorVms(ENVOY_STARTS);
    const metrics = emulatorMetrics(host);
    const logs = startLogs(host.logs);
    const report = await emulatorRequest(plugins.at(-1)!, "/report");
    const inEmulator: StartOutcome = { logs, metrics, shared: Object.fromEntries(SHARED.map((key) => [key, report[`x-shared-${key}`]])) };
    // The module's report matches the emulator's own view of its shared data.
    assert.deepEqual(Object.fromEntries(SHARED.map((key) => [key, sharedValue(host, key)])), inEmulator.shared);

    assert.deepEqual(inEmulator, inEnvoy);
    assert.deepEqual(inEnvoy, expectedStartOutcome);
  },
);
