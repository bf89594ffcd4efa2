// Root contexts of the SDK through the host emulator: configuration, timers, shared data (CAS), shared
// queues, metrics, foreign functions, and proxy_done after on_done returned false.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { HostError } from "../host/index.js";
import { buildFixture, startPlugin, header, get } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("root");
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const reverse = (args: Uint8Array) => [...text(args)].reverse().join("");

test("VM and plugin configuration are read in on_vm_start / on_configure; false rejects the plugin", async () => {
  const { host, vm } = await startPlugin(wasm, {}, '{"a":1}');
  const messages = host.logs.map((l) => l.message);
  assert.ok(messages.includes("vm config: vm-config (9)"));
  assert.ok(messages.includes('plugin config: {"a":1}'));
  assert.throws(() => vm.startPlugin({ configuration: "reject" }), HostError);
});

test("metrics: counter, gauge and histogram defined, incremented, recorded and read back", async () => {
  const { host, plugin } = await startPlugin(wasm, { foreignFunctions: { reverse } });
  await plugin.httpStream({ request: { headers: get("/1") } });
  const r = await plugin.httpStream({ request: { headers: get("/2") } });
  assert.equal(host.metric("sdk_requests")?.type, "counter");
  assert.equal(host.metric("sdk_requests")?.value, 2n);
  assert.equal(host.metric("sdk_active")?.type, "gauge");
  assert.equal(host.metric("sdk_active")?.value, 5n);
  assert.equal(host.metric("sdk_sizes")?.type, "histogram");
  assert.equal(host.metric("sdk_sizes")?.value, 123n);
  assert.equal(header(r.request!.headers, "x-requests"), "2");
  assert.equal(header(r.request!.headers, "x-active"), "5");
});

test("timer ticks update shared data with CAS; a stale CAS is refused; streams read the value", async () => {
  const { host, plugin } = await startPlugin(wasm, { foreignFunctions: { reverse } });
  assert.equal(plugin.tickPeriodMs, 500);
  host.advanceTime(1500);
  assert.equal(text(host.getSharedData("sdk_ticks", "sdk-vm")!.value), "3");
  assert.equal(host.logs.filter((l) => l.message === "stale write: CasMismatch").length, 2);
  const r = await plugin.httpStream({ request: { headers: get("/s") } });
  assert.equal(header(r.request!.headers, "x-shared"), "3");
});

test("shared queues: on_queue_ready, dequeue until empty, resolve by vm id, enqueue", async () => {
  const { host } = await startPlugin(wasm);
  host.enqueue("sdk-vm", "sdk_in", "a");
  host.enqueue("sdk-vm", "sdk_in", "b");
  assert.deepEqual(host.queueItems("sdk-vm", "sdk_in"), []);
  assert.deepEqual(host.queueItems("sdk-vm", "sdk_out")!.map(text), ["a!", "b!"]);
  assert.ok(host.logs.some((l) => l.message === "queue sdk_in drained; missing queue id 0"));
});

test("foreign functions: called by name with arguments; unknown gives null; on_foreign_function gets its arguments", async () => {
  const { host, vm, plugin } = await startPlugin(wasm, { foreignFunctions: { reverse } });
  const r = await plugin.httpStream({ request: { headers: get("/abc") } });
  assert.equal(header(r.request!.headers, "x-foreign"), "cba/");
  assert.equal(header(r.request!.headers, "x-foreign-missing"), "null");
  // The host has no driver for proxy_on_foreign_function: call it as Envoy would, with the arguments buffer set.
  plugin.callData = new TextEncoder().encode("args!");
  vm.callback("proxy_on_foreign_function", plugin, [plugin.contextId, 7, 5]);
  plugin.callData = null;
  assert.ok(host.logs.some((l) => l.message === "foreign 7: args! (5)"));
});

test("on_done false, then proxy_done from a tick: the host deletes the root context", async () => {
  const { host, plugin } = await startPlugin(wasm);
  assert.equal(plugin.done(), false);
  assert.equal(plugin.deleted, false);
  host.advanceTime(500);
  assert.equal(plugin.deleted, true);
  assert.ok(host.logs.some((l) => l.message === "root deleted"));
});
