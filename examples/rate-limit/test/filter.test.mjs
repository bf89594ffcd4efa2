import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { Host, Workers } from "as-proxy-wasm/host";
import { header, startPlugin } from "./plugin.mjs";

const request = {
  headers: [
    [":method", "GET"],
    [":path", "/"],
    [":authority", "example.com"],
  ],
};
const statusOf = (result) => result.localResponse?.status ?? 200;

test("lets requestsPerSecond through, answers 429 with retry-after and x-ratelimit-* after, and refills after a second", async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 2 }));
  const results = [];
  for (let i = 0; i < 3; i++) results.push(await plugin.httpStream({ request }));
  assert.deepEqual(results.map(statusOf), [200, 200, 429]);
  // Allowed answers say what is left; the 429 says when to come back.
  assert.deepEqual(
    results.slice(0, 2).map((r) => header(r.response.headers, "x-ratelimit-remaining")),
    ["1", "0"],
  );
  assert.equal(header(results[0].response.headers, "x-ratelimit-limit"), "2");
  const limited = results[2].response;
  assert.equal(header(limited.headers, "retry-after"), "1");
  assert.equal(header(limited.headers, "x-ratelimit-limit"), "2");
  assert.equal(header(limited.headers, "x-ratelimit-remaining"), "0");
  assert.equal(limited.body, "too many requests\n");
  host.advanceTime(999);
  assert.equal(statusOf(await plugin.httpStream({ request })), 429, "not before the second is over");
  host.advanceTime(1);
  assert.equal(statusOf(await plugin.httpStream({ request })), 200);
});

test("workers (VMs with the same vm_id) share one budget", async () => {
  const configuration = JSON.stringify({ requestsPerSecond: 3 });
  const first = await startPlugin(configuration, { vmId: "edge" });
  const second = await startPlugin(configuration, { host: first.host, vmId: "edge" });
  const workers = [first.plugin, second.plugin];
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push(statusOf(await workers[i % 2].httpStream({ request })));
  assert.deepEqual(statuses, [200, 200, 200, 429]);
});

test("workers started at different times, and a VM restarting, keep the budget at exactly the limit per second", async () => {
  // Envoy starts a VM per worker thread (and one on the main thread), not all at once; a VM that fails is
  // started again. Each one configures the plugin: none of that may refill the shared bucket.
  const configuration = JSON.stringify({ requestsPerSecond: 10 });
  const first = await startPlugin(configuration, { vmId: "edge" });
  const { host } = first;
  const start = host.now();
  const workers = [first.plugin];
  const allowed = new Map(); // second since start → requests allowed
  // 4 seconds in 50 ms steps; every worker sends a request at each step (2-3 times the limit).
  for (let step = 0; step < 80; step++) {
    const at = host.now() - start;
    if (at === 400 || at === 1700 || at === 2950) workers.push((await startPlugin(configuration, { host, vmId: "edge" })).plugin);
    for (const worker of workers) {
      if ((await worker.httpStream({ request })).localResponse === null) {
        const second = Math.floor(at / 1000);
        allowed.set(second, (allowed.get(second) ?? 0) + 1);
      }
    }
    host.advanceTime(50);
  }
  assert.deepEqual(
    [...allowed],
    [
      [0, 10],
      [1, 10],
      [2, 10],
      [3, 10],
    ],
  );
});

test("a reconfigured plugin (a new VM, or new configuration) finds the drained bucket as it was", async () => {
  const configuration = JSON.stringify({ requestsPerSecond: 2 });
  const { host, plugin } = await startPlugin(configuration, { vmId: "edge" });
  await plugin.httpStream({ request });
  await plugin.httpStream({ request });
  host.advanceTime(500);
  const restarted = await startPlugin(configuration, { host, vmId: "edge" });
  assert.equal(statusOf(await restarted.plugin.httpStream({ request })), 429);
  // A lower limit applies at once to what is left.
  const lower = await startPlugin(JSON.stringify({ requestsPerSecond: 1 }), { host, vmId: "edge" });
  host.advanceTime(500);
  assert.equal(statusOf(await lower.plugin.httpStream({ request })), 200);
  assert.equal(statusOf(await lower.plugin.httpStream({ request })), 429);
});

test("requestsPerMinute: the budget lasts a minute, and retry-after says how long is left", async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ requestsPerMinute: 3 }));
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push(statusOf(await plugin.httpStream({ request })));
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  host.advanceTime(20_500);
  const limited = await plugin.httpStream({ request });
  assert.equal(statusOf(limited), 429);
  assert.equal(header(limited.response.headers, "retry-after"), "40");
  host.advanceTime(39_500);
  assert.equal(statusOf(await plugin.httpStream({ request })), 200);
});

test("the wall clock going back does not stop the refills", async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 1 }));
  await plugin.httpStream({ request });
  // The bucket says its interval started at the old time; the host's clock now reads an hour earlier.
  const bucket = host.getSharedData("rate-limit.bucket");
  const view = new DataView(bucket.value.buffer, bucket.value.byteOffset);
  view.setBigUint64(0, view.getBigUint64(0, true) + 3_600_000_000_000n, true);
  host.setSharedData("rate-limit.bucket", bucket.value);
  assert.equal(statusOf(await plugin.httpStream({ request })), 429);
  host.advanceTime(1000);
  assert.equal(statusOf(await plugin.httpStream({ request })), 200);
});

const withKey = (key) => (key === undefined ? request : { headers: [...request.headers, ["x-api-key", key]] });

test('"key": {"header": …} gives each key its own budget; requests without the key share one more', async () => {
  const { plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 2, key: { header: "X-Api-Key" } }));
  const statuses = async (key, n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(statusOf(await plugin.httpStream({ request: withKey(key) })));
    return out;
  };
  assert.deepEqual(await statuses("alice", 3), [200, 200, 429]);
  const bob = await plugin.httpStream({ request: withKey("bob") });
  assert.equal(statusOf(bob), 200, "alice's budget is spent, not bob's");
  assert.equal(header(bob.response.headers, "x-ratelimit-remaining"), "1");
  // No header, or an empty one: one budget for all of them, apart from every key's.
  assert.deepEqual([...(await statuses(undefined, 2)), ...(await statuses("", 1))], [200, 200, 429]);
  assert.deepEqual(await statuses("bob", 2), [200, 429]);
});

test('"key": "remote-address" limits each client address (without its port) on its own', async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 1, key: "remote-address" }));
  const from = async (address) => statusOf(await plugin.httpStream({ request, properties: { "source.address": address } }));
  assert.equal(await from("10.0.0.1:40000"), 200);
  assert.equal(await from("10.0.0.1:40001"), 429, "another port of the same client");
  assert.equal(await from("10.0.0.2:40000"), 200);
  assert.equal(await from("[2001:db8::1]:443"), 200);
  assert.equal(await from("[2001:db8::1]:444"), 429);
  host.advanceTime(1000);
  assert.equal(await from("10.0.0.1:40002"), 200);
});

test("20,000 distinct keys write at most `buckets` shared-data entries (plus the one for no key)", async () => {
  // Counts every key the module writes, through the host's own shared-data store.
  class CountingHost extends Host {
    written = new Set();
    setSharedData(key, ...rest) {
      this.written.add(key);
      return super.setSharedData(key, ...rest);
    }
  }
  const host = new CountingHost();
  const { plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 5, key: { header: "x-api-key" }, buckets: 64 }), { host });
  for (let i = 0; i < 20_000; i++) await plugin.httpStream({ request: withKey(`attacker-${i}`) });
  await plugin.httpStream({ request });
  assert.equal(host.written.size, 65, [...host.written].slice(0, 5).join(", "));
  // Colliding keys share a budget: every one of the 64 buckets spent its 5 tokens, the no-key bucket 1.
  const tokensLeft = (key) => {
    const { value } = host.getSharedData(key);
    return new DataView(value.buffer, value.byteOffset).getUint32(8, true);
  };
  const spent = [...host.written].reduce((sum, key) => sum + 5 - tokensLeft(key), 0);
  assert.equal(spent, 64 * 5 + 1);
});

test("per-key budgets hold across four workers overlapping", async () => {
  const wasm = await readFile(new URL("../build/plugin.wasm", import.meta.url));
  const configuration = JSON.stringify({ requestsPerSecond: 3, key: { header: "x-api-key" } });
  const workers = await Workers.start(wasm, { workers: 4, vmId: "edge", configuration, seed: 1, stepMs: 0 });
  const allowed = new Map();
  for (let i = 0; i < 400; i++) {
    const key = ["a", "b", "c", "d"][i % 4];
    if ((await workers.serve({ request: withKey(key) })).localResponse === null) allowed.set(key, (allowed.get(key) ?? 0) + 1);
  }
  assert.deepEqual([...allowed].sort(), [
    ["a", 3],
    ["b", 3],
    ["c", 3],
    ["d", 3],
  ]);
});

test("refuses a configuration without one positive integer limit (there is no default)", async () => {
  for (const configuration of [
    "{}",
    "",
    '{"requestsPerSecond": 0}',
    '{"requestsPerSecond": -5}',
    '{"requestsPerSecond": 2.5}',
    '{"requestsPerSecond": "10"}',
    '{"requestsPerSecond": 1e3}',
    '{"requestsPerSecond": null}',
    '{"requestsPerSecond": 10, "requestsPerMinute": 100}',
    '{"requestPerSecond": 10}',
    '{"requestsPerSecond": 10, "key": "x-api-key"}',
    '{"requestsPerSecond": 10, "key": {"header": ""}}',
    '{"requestsPerSecond": 10, "key": {"headr": "x"}}',
    '{"requestsPerSecond": 10, "key": null}',
    '{"requestsPerSecond": 10, "key": "remote-address", "buckets": 0}',
    '{"requestsPerSecond": 10, "key": "remote-address", "buckets": 65537}',
    '{"requestsPerSecond": 10, "key": "remote-address", "buckets": "64"}',
  ]) {
    const host = new Host();
    await assert.rejects(startPlugin(configuration, { host }), (error) => error.operation === "proxy_on_configure", configuration);
    assert.ok(
      host.logs.some((l) => l.level === "critical" && l.message.startsWith("rate-limit: configuration refused")),
      `${configuration}: ${JSON.stringify(host.logs)}`,
    );
  }
});
