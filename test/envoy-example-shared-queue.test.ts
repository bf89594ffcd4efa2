/**
 * examples/shared-queue in a real Envoy with two workers: the module as the HTTP filter (producer, one VM
 * per worker) and as a singleton wasm service in `bootstrap_extensions` (consumer, its own vm_id, on the
 * main thread). Records cross VMs through the shared queue, the consumer logs and POSTs its summary to a
 * collector on loopback, the producers' per-second budget holds across workers. (test/examples-envoy-yaml.test.ts
 * checks its envoy.yaml is current.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { envoyForTests, validateEnvoyConfig, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { send, startHttpUpstream, type HttpUpstream } from "./helpers/envoy-upstream.js";
import { atProject, checkedInBootstrap, exampleBootstrap, exampleProject } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;

/** Polls /stats until counter `name` (wasmcustom.shared_queue.<name>) reaches `value`, at most 10 s. */
async function counterReaches(proxy: EnvoyProcess, name: string, value: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const current = Number((await proxy.stats("shared_queue")).get(`wasmcustom.shared_queue.${name}`) ?? 0);
    if (current >= value || Date.now() > deadline) return current;
    await sleep(50);
  }
}

describe("examples/shared-queue in Envoy", { skip }, () => {
  let project = "";
  let upstream: HttpUpstream;
  let collector: HttpUpstream;
  before(async () => {
    project = await exampleProject("shared-queue");
    upstream = await startHttpUpstream((request) => (request.path.startsWith("/missing") ? { status: 404 } : {}));
    collector = await startHttpUpstream(() => ({ status: 204 }));
  });
  after(async () => {
    await upstream?.close();
    await collector?.close();
  });

  test("its envoy.yaml passes envoy --mode validate (the module path pointed at the build)", async () => {
    const validation = await validateEnvoyConfig(envoy.binary!, await checkedInBootstrap("shared-queue", atProject(project)));
    assert.ok(validation.ok, validation.problems.join("\n"));
  });

  // The producer as the HTTP filter and, as the README deploys it, the same module as a singleton Wasm
  // service (Envoy's main thread) in its own VM, configured as the consumer.
  const bootstrap = (producer: { consumerVmId: string }, consumer: Record<string, unknown>) =>
    exampleBootstrap(project, upstream.port, JSON.stringify(producer), [
      "--cluster",
      `collector=127.0.0.1:${collector.port}`,
      "--service-vm-id",
      producer.consumerVmId,
      "--service-config",
      JSON.stringify(consumer),
    ]);

  test("records from two workers reach the singleton consumer, which logs and POSTs each window's summary", async () => {
    const producer = { role: "producer", queue: "request_records", consumerVmId: "shared-queue-consumer" };
    const consumer = { role: "consumer", queue: "request_records", flushIntervalMs: 1000, collectorCluster: "collector" };
    await withValidatedEnvoy(
      envoy.binary!,
      await bootstrap(producer, consumer),
      async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        const paths = ["/api/users/1", "/api/users/2?token=secret", "/missing/x", "/api/users/3", "/"];
        for (const path of paths) assert.equal((await send(port, { path })).status, path.startsWith("/missing") ? 404 : 200);
        assert.equal(await counterReaches(proxy, "received", paths.length), paths.length);
        // The requests may fall into two windows: add the summaries up until every request is in one.
        type Summary = { requests: number; routes: { method: string; path: string; status: string; count: number }[] };
        const summaries = () => collector.requests.map((post) => JSON.parse(post.body) as Summary);
        const deadline = Date.now() + 5000;
        while (summaries().reduce((n, s) => n + s.requests, 0) < paths.length && Date.now() < deadline) await sleep(50);
        const counts: Record<string, number> = {};
        for (const summary of summaries())
          for (const r of summary.routes) counts[`${r.method} ${r.path} ${r.status}`] = (counts[`${r.method} ${r.path} ${r.status}`] ?? 0) + r.count;
        assert.deepEqual(counts, { "GET /api/users 2xx": 3, "GET /missing/x 4xx": 1, "GET / 2xx": 1 });
        assert.deepEqual([...new Set(collector.requests.map((post) => `${post.method} ${post.path}`))], ["POST /summaries"]);
        const logs = proxy.wasmLogs().map((l) => l.message);
        const lines = logs.filter((l) => l.startsWith("shared-queue: GET /api/users 2xx "));
        assert.ok(lines.length > 0 && lines.every((l) => /^shared-queue: GET \/api\/users 2xx count=[1-3] avg_ms=\d+ max_ms=\d+$/.test(l)), logs.join("\n"));
        assert.ok(!logs.some((l) => l.includes("token=secret")), "the query never leaves the worker");
        assert.equal(Number((await proxy.stats("shared_queue")).get("wasmcustom.shared_queue.flush_failed") ?? 0), 0);
      },
      2,
    );
  });

  test("the producers' budget holds across both workers: past maxRecordsPerSecond records are dropped and counted", async () => {
    const producer = { consumerVmId: "shared-queue-consumer", maxRecordsPerSecond: 3 };
    const consumer = { role: "consumer" };
    await withValidatedEnvoy(
      envoy.binary!,
      await bootstrap(producer, consumer),
      async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        await Promise.all(Array.from({ length: 12 }, (_, i) => send(port, { path: `/burst/${i}` })));
        // Each request is recorded when its stream ends, which may be just after the client has its answer.
        let stats = await proxy.stats("shared_queue");
        const count = (name: string) => Number(stats.get(`wasmcustom.shared_queue.${name}`) ?? 0);
        for (const deadline = Date.now() + 10_000; count("enqueued") + count("dropped_over_budget") < 12 && Date.now() < deadline;) {
          await sleep(50);
          stats = await proxy.stats("shared_queue");
        }
        const enqueued = count("enqueued");
        assert.equal(enqueued + count("dropped_over_budget"), 12, JSON.stringify([...stats]));
        // 3 a second; a burst that straddles a second boundary may get two seconds' worth.
        assert.ok(enqueued >= 3 && enqueued <= 6, `enqueued ${enqueued}`);
        assert.equal(await counterReaches(proxy, "received", enqueued), enqueued);
      },
      2,
    );
  });
});
