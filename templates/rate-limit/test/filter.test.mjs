import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "./plugin.mjs";

const request = { headers: [[":method", "GET"], [":path", "/"], [":authority", "example.com"]] };
const statusOf = (result) => result.localResponse?.status ?? 200;

test("lets requestsPerSecond through, answers 429 after, and refills every second", async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ requestsPerSecond: 2 }));
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(statusOf(await plugin.httpStream({ request })));
  assert.deepEqual(statuses, [200, 200, 429]);
  host.advanceTime(1000);
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
