import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Host } from "as-proxy-wasm/host";
import { exampleConfig as producerConfig, startPlugin } from "./plugin.mjs";

const consumerConfig = await readFile(new URL("../config.consumer.example.json", import.meta.url), "utf8");
const { consumerVmId, queue } = JSON.parse(producerConfig);
const PRODUCER_VM = "shared-queue";
const with_ = (config, changes) => JSON.stringify({ ...JSON.parse(config), ...changes });

/** A host whose clock starts on a whole second (the producers' budget counts per second). */
const newHost = (options = {}) => new Host({ startTime: Date.UTC(2026, 0, 1), ...options });
const consumer = (host, config = consumerConfig) => startPlugin(config, { host, vmId: consumerVmId });
/** One producer VM: a worker thread of the HTTP filter. */
const producer = async (host, config = producerConfig) => (await startPlugin(config, { host, vmId: PRODUCER_VM })).plugin;

const get = (path, status = 200, method = "GET") => ({
  request: {
    headers: [
      [":method", method],
      [":path", path],
      [":authority", "example.com"],
    ],
  },
  response: { headers: [[":status", String(status)]], body: "x" },
});
const counter = (host, name) => Number(host.metric(`shared_queue.${name}`)?.value ?? 0n);
const summaries = (host) => host.logs.filter((l) => l.vmId === consumerVmId && l.message.startsWith("shared-queue: ")).map((l) => l.message);

test("records from two workers reach the consumer's VM; each flush logs the window's summary per (method, path prefix, status class)", async () => {
  const host = newHost();
  await consumer(host);
  const workers = [await producer(host), await producer(host)];
  // Durations from the host clock: request headers to the end of the stream.
  const slow = workers[0].newHttpContext();
  slow.onRequestHeaders(get("/api/users/1").request.headers, true);
  host.advanceTime(40);
  slow.onResponseHeaders([[":status", "200"]], true);
  slow.onLog();
  await workers[1].httpStream(get("/api/users/2?token=secret"));
  await workers[0].httpStream(get("/api/orders", 503, "POST"));
  await workers[1].httpStream(get("/", 404));
  assert.equal(counter(host, "enqueued"), 4);
  assert.equal(counter(host, "received"), 4);
  assert.deepEqual(host.queueItems(consumerVmId, queue), [], "drained as it arrives");
  host.clearLogs();
  host.advanceTime(10_000);
  assert.deepEqual(summaries(host), [
    "shared-queue: 4 requests in 10000 ms (3 keys, 0 over maxKeys, 0 malformed records)",
    "shared-queue: GET /api/users 2xx count=2 avg_ms=20 max_ms=40",
    "shared-queue: POST /api/orders 5xx count=1 avg_ms=0 max_ms=0",
    "shared-queue: GET / 4xx count=1 avg_ms=0 max_ms=0",
  ]);
  host.clearLogs();
  host.advanceTime(10_000);
  assert.deepEqual(summaries(host), [], "an empty window logs nothing");
});

test("the consumer starting after the producers: records are dropped and counted (one warning per VM) until its queue appears", async () => {
  const host = newHost();
  const worker = await producer(host);
  for (let i = 0; i < 3; i++) await worker.httpStream(get("/early"));
  assert.equal(counter(host, "dropped_no_consumer"), 3);
  const warnings = host.logs.filter((l) => l.level === "warn" && l.message.includes("dropping records"));
  assert.equal(warnings.length, 1, JSON.stringify(host.logs));
  assert.equal(warnings[0].message, `shared-queue: no queue ${queue} of vm ${consumerVmId} yet; dropping records until its consumer registers it`);
  await consumer(host);
  await worker.httpStream(get("/late"));
  assert.equal(counter(host, "enqueued"), 1);
  assert.equal(counter(host, "received"), 1);
  assert.ok(host.logs.some((l) => l.message === `shared-queue: sending records to queue ${queue} of vm ${consumerVmId}`));
});

test("a stalled consumer: what waits in the queue is bounded by maxRecordsPerSecond across all workers; the rest is dropped and counted", async () => {
  const host = newHost();
  host.registerQueue(consumerVmId, queue, () => {}); // registered, never dequeued
  const config = with_(producerConfig, { maxRecordsPerSecond: 5 });
  const workers = [await producer(host, config), await producer(host, config), await producer(host, config)];
  for (let i = 0; i < 12; i++) await workers[i % 3].httpStream(get(`/burst/${i}`));
  assert.equal(host.queueItems(consumerVmId, queue).length, 5);
  assert.equal(counter(host, "enqueued"), 5);
  assert.equal(counter(host, "dropped_over_budget"), 7);
  host.advanceTime(1000); // the next second has a budget again
  for (let i = 0; i < 3; i++) await workers[i].httpStream(get("/later"));
  assert.equal(host.queueItems(consumerVmId, queue).length, 8);
});

test("maxKeys bounds the consumer's memory: records of further keys count under other", async () => {
  const host = newHost();
  await consumer(host, with_(consumerConfig, { maxKeys: 2 }));
  const worker = await producer(host);
  for (const path of ["/a", "/b", "/c", "/d", "/a"]) await worker.httpStream(get(path));
  host.clearLogs();
  host.advanceTime(10_000);
  assert.deepEqual(summaries(host), [
    "shared-queue: 5 requests in 10000 ms (2 keys, 2 over maxKeys, 0 malformed records)",
    "shared-queue: GET /a 2xx count=2 avg_ms=0 max_ms=0",
    "shared-queue: GET /b 2xx count=1 avg_ms=0 max_ms=0",
    "shared-queue: other count=2 avg_ms=0 max_ms=0",
  ]);
  assert.equal(counter(host, "overflow"), 2);
});

test("malformed messages on the queue are counted and skipped, never a trap", async () => {
  const host = newHost();
  await consumer(host);
  for (const bytes of [
    new Uint8Array(0),
    Uint8Array.of(2, 200, 0, 0, 0, 0, 0, 3, 0x47, 0x45, 0x54, 0, 0),
    Uint8Array.of(1, 200, 0, 0, 0, 0, 0, 3, 0x47, 0x45, 0x54, 9, 0),
    "hello world, not a record",
  ]) {
    host.enqueue(consumerVmId, queue, bytes);
  }
  const worker = await producer(host);
  await worker.httpStream(get("/fine"));
  assert.equal(counter(host, "malformed"), 4);
  assert.equal(counter(host, "received"), 1);
  host.clearLogs();
  host.advanceTime(10_000);
  assert.equal(summaries(host)[0], "shared-queue: 1 requests in 10000 ms (1 keys, 0 over maxKeys, 4 malformed records)");
});

test("paths: the query never leaves the worker, long paths are cut, requests without a response count as none", async () => {
  const host = newHost();
  await consumer(host, with_(consumerConfig, { pathSegments: 0 }));
  const worker = await producer(host, with_(producerConfig, { maxPathLength: 8 }));
  await worker.httpStream(get("/search?q=password"));
  await worker.httpStream(get("/a-very-long-path/indeed"));
  const reset = worker.newHttpContext();
  reset.onRequestHeaders(get("/upload").request.headers, false);
  reset.onLog();
  const early = worker.newHttpContext();
  early.onLog(); // ended before its request headers: no record
  host.clearLogs();
  host.advanceTime(10_000);
  assert.deepEqual(summaries(host).slice(1), [
    "shared-queue: GET /search 2xx count=1 avg_ms=0 max_ms=0",
    "shared-queue: GET /a-very- 2xx count=1 avg_ms=0 max_ms=0",
    "shared-queue: GET /upload none count=1 avg_ms=0 max_ms=0",
  ]);
});

test("with collectorCluster, each summary is POSTed as JSON (paths escaped); a failing collector is counted and logged", async () => {
  const posted = [];
  let status = 200;
  const host = newHost({
    callouts: {
      collector: (req) => {
        posted.push(req);
        return { status };
      },
    },
  });
  const { plugin } = await consumer(host, with_(consumerConfig, { collectorCluster: "collector", collectorAuthority: "stats.internal" }));
  const worker = await producer(host);
  await worker.httpStream(get('/q"uo\\te'));
  host.advanceTime(10_000);
  await plugin.deliverCallouts();
  assert.equal(posted.length, 1);
  const [call] = posted;
  const header = (name) => call.headers.find(([n]) => n === name)?.[1];
  assert.deepEqual(
    [header(":method"), header(":path"), header(":authority"), header("content-type")],
    ["POST", "/summaries", "stats.internal", "application/json"],
  );
  const body = JSON.parse(new TextDecoder().decode(call.body));
  assert.equal(body.requests, 1);
  assert.equal(body.endMs - body.startMs, 10_000);
  assert.deepEqual(body.routes, [{ method: "GET", path: '/q"uo\\te', status: "2xx", count: 1, avgMs: 0, maxMs: 0 }]);
  assert.equal(counter(host, "flush_failed"), 0);

  status = 500;
  await worker.httpStream(get("/again"));
  host.advanceTime(10_000);
  await plugin.deliverCallouts();
  assert.equal(counter(host, "flush_failed"), 1);
  assert.ok(host.logs.some((l) => l.message === "shared-queue: the collector answered 500; that summary is only in this log"));
});

test("an unknown collector cluster: the refused call is counted and logged, the consumer goes on", async () => {
  const host = newHost();
  await consumer(host, with_(consumerConfig, { collectorCluster: "nowhere" }));
  const worker = await producer(host);
  await worker.httpStream(get("/x"));
  host.advanceTime(10_000);
  assert.equal(counter(host, "flush_failed"), 1);
  assert.ok(host.logs.some((l) => l.message.includes("the call to cluster nowhere was refused")));
  await worker.httpStream(get("/y"));
  assert.equal(counter(host, "received"), 2);
});

test("configurations that cannot be applied are refused with what to fix", async () => {
  const cases = [
    ['{"role": "both"}', '"role" must be "producer"'],
    ["{}", '"consumerVmId" is required'],
    ['{"consumerVmId": 7}', '"consumerVmId" must be a string'],
    ['{"queue": "", "consumerVmId": "c"}', '"queue" must not be empty'],
    ['{"consumerVmId": "c", "maxRecordsPerSecond": 0}', '"maxRecordsPerSecond" must be 1 to 1000000'],
    ['{"consumerVmId": "c", "maxPathLength": "long"}', '"maxPathLength" must be a number'],
    ['{"role": "consumer", "flushIntervalMs": 10}', '"flushIntervalMs" must be 100 to 3600000'],
    ['{"role": "consumer", "maxKeys": 0}', '"maxKeys" must be 1 to 10000'],
    ['{"role": "consumer", "maxKeys": 0, "pathSegments": 99}', '"maxKeys" must be 1 to 10000'],
    ['{"role": "consumer", "collectorPath": "summaries"}', '"collectorPath" must start with /'],
    ["[1, 2]", "invalid configuration: not an object"],
  ];
  for (const [config, message] of cases) {
    const host = newHost();
    await assert.rejects(startPlugin(config, { host }), /proxy_on_configure/, config);
    const refusals = host.logs.filter((l) => l.level === "critical" || l.level === "error");
    assert.equal(refusals.length, 1, `one line for ${config}: ${JSON.stringify(refusals)}`);
    assert.ok(refusals[0].message.includes(message), `${config}: ${JSON.stringify(host.logs.map((l) => l.message))}`);
  }
});
