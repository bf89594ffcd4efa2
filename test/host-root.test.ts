import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Host, WasmResult } from "../host/index.js";
import { buildFixture, messages } from "./fixtures/host/build.js";

let features: Uint8Array;
let grpc: Uint8Array;
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
const reverse = (args: Uint8Array) => [...new TextDecoder().decode(args)].reverse().join("");

before(async () => {
  features = await buildFixture("features");
  grpc = await buildFixture("grpc");
});

describe("root-level features", () => {
  test("shared queues across two VMs: a producer resolves the consumer's queue; on_queue_ready drains it", async () => {
    const host = new Host();
    const consumer = (await host.loadVm(features, { vmId: "consumer-vm" })).startPlugin({ configuration: "consumer" });
    const producer = (await host.loadVm(features, { vmId: "producer-vm" })).startPlugin({ configuration: "producer" });
    assert.ok(messages(host.logs).includes("registered queue status=0 token=1"));
    const result = await producer.httpStream({ request: { headers: [[":path", "/job-1"]] } });
    // The notification runs after the producer's callback returned (its last log line), like Envoy's
    // dispatcher post, and before the stream goes on.
    const lines = messages(result.logs);
    const end = lines.findIndex((m) => m.startsWith("level="));
    assert.ok(lines.includes("enqueue resolve=0 enqueue=0 missing=1"));
    assert.deepEqual(lines.slice(end + 1, end + 3), ["dequeued /job-1", "queue 1 drained status=7"]);
    assert.deepEqual(host.queueItems("consumer-vm", "jobs"), []);
    // The test can enqueue too, and read what is left when nobody drains.
    host.enqueue("consumer-vm", "jobs", "from-test");
    assert.ok(messages(host.logs).includes("dequeued from-test"));
    assert.equal(host.queueItems("producer-vm", "jobs"), undefined);
    assert.equal(consumer.contextId, 1);
  });

  test("shared data: CAS increments, a stale CAS is CAS_MISMATCH, and only VMs with the same vm_id share", async () => {
    const host = new Host();
    const a = (await host.loadVm(features, { vmId: "shared" })).startPlugin({ configuration: "plain" });
    const b = (await host.loadVm(features, { vmId: "shared" })).startPlugin({ configuration: "plain" });
    const other = (await host.loadVm(features, { vmId: "other" })).startPlugin({ configuration: "plain" });
    const first = await a.httpStream({ request: { headers: [[":path", "/"]] } });
    assert.ok(messages(first.logs).includes(`shared first=${WasmResult.Ok} stale=${WasmResult.CasMismatch}`));
    await b.httpStream({ request: { headers: [[":path", "/"]] } });
    await other.httpStream({ request: { headers: [[":path", "/"]] } });
    // each request writes "hits" twice with CAS, then fails a stale write
    assert.equal(text(host.getSharedData("hits", "shared")?.value), "4");
    assert.equal(text(host.getSharedData("hits", "other")?.value), "2");
    assert.equal(host.getSharedData("hits"), undefined);
    host.setSharedData("hits", "100", "shared");
    await a.httpStream({ request: { headers: [[":path", "/"]] } });
    assert.equal(text(host.getSharedData("hits", "shared")?.value), "102");
  });

  test("ticks fire on virtual time, in order, until the period is set to 0", async () => {
    const host = new Host({ startTime: Date.UTC(2030, 0, 1) });
    const ticker = (await host.loadVm(features, { vmId: "t" })).startPlugin({ configuration: "ticker" });
    assert.equal(ticker.tickPeriodMs, 100);
    host.clearLogs();
    host.advanceTime(99);
    assert.deepEqual(messages(host.logs), []);
    host.advanceTime(400);
    const start = Date.UTC(2030, 0, 1);
    assert.deepEqual(messages(host.logs), [
      `tick 1 at_ms=${start + 100} cas_write=0`,
      `tick 2 at_ms=${start + 200} cas_write=0`,
      `tick 3 at_ms=${start + 300} cas_write=0`,
    ]);
    assert.equal(ticker.tickPeriodMs, 0);
    assert.equal(host.now(), start + 499);
    assert.equal(text(host.getSharedData("ticks", "t")?.value), "3");
  });

  test("metrics: counter, gauge and histogram with Envoy's rules", async () => {
    const host = new Host();
    const plugin = (await host.loadVm(features)).startPlugin({ configuration: "plain" });
    const result = await plugin.httpStream({ request: { headers: [[":path", "/"]] } });
    await plugin.httpStream({ request: { headers: [[":path", "/"]] } });
    // a negative delta on a counter and reading a histogram are BAD_ARGUMENT
    assert.ok(messages(result.logs).includes("metrics inc=0 requests=1 negative_counter=2 get_histogram=2"));
    assert.deepEqual(host.metric("fx_requests"), { type: "counter", value: 2n });
    assert.deepEqual(host.metric("fx_active"), { type: "gauge", value: 6n });
    assert.deepEqual(host.metric("fx_latency"), { type: "histogram", value: 42n });
    assert.deepEqual([...host.metrics().keys()], ["fx_requests", "fx_active", "fx_latency"]);
  });

  test("foreign functions, properties (host, scenario, derived, set by the module), log level, clocks, stdout", async () => {
    const host = new Host({ startTime: 1_000_000, logLevel: "debug", foreignFunctions: { reverse }, properties: { "custom.key": "from-host" } });
    const vm = await host.loadVm(features);
    const plugin = vm.startPlugin({ configuration: "plain", name: "my-plugin" });
    assert.deepEqual(host.logs[0], { level: "info", message: "hello from stdout", vmId: "", contextId: 1 });
    const result = await plugin.httpStream({ request: { headers: [[":path", "/p?q=1"]] }, properties: { "custom\0key": "from-scenario" } });
    const lines = messages(result.logs);
    assert.ok(lines.includes("foreign status=0 result=cba missing=1"), lines.join("\n"));
    assert.ok(lines.includes("props plugin_name=my-plugin path=/p?q=1 custom=from-scenario set=v1 set-nested=null unknown=null"));
    assert.ok(lines.includes("level=1 proxy_ms=1000000 wasi_ms=1000000"));
    const again = await plugin.httpStream({ request: { headers: [[":path", "/"]] } });
    assert.ok(messages(again.logs).some((m) => m.includes("custom=from-host")));
  });

  test("proxy_on_foreign_function: the host calls back into the module with CALL_DATA", async () => {
    const host = new Host();
    const plugin = (await host.loadVm(features)).startPlugin({ configuration: "plain" });
    host.clearLogs();
    plugin.onForeignFunction(7, "args!");
    assert.deepEqual(messages(host.logs), ["foreign callback id=7 size=5 args=args!"]);
  });

  test("a plugin whose on_done returns false is deleted once it calls proxy_done", async () => {
    const host = new Host();
    const vm = await host.loadVm(features);
    const plugin = vm.startPlugin({ configuration: "linger" });
    host.clearLogs();
    assert.equal(plugin.done(), false);
    assert.equal(vm.contexts.has(plugin.contextId), true);
    host.advanceTime(100);
    // proxy_done answers OK once, NOT_FOUND after; on_delete runs after the tick returned
    assert.deepEqual(messages(host.logs), ["done 1", "tick proxy_done=0 again=1", "delete 1"]);
    assert.equal(vm.contexts.has(plugin.contextId), false);
    host.advanceTime(1000);
    assert.equal(messages(host.logs).length, 3);
  });

  test("logs below the host's level are dropped", async () => {
    const host = new Host({ logLevel: "warn" });
    const plugin = (await host.loadVm(features)).startPlugin({ configuration: "plain" });
    const result = await plugin.httpStream({ request: { headers: [[":path", "/"]] } });
    assert.deepEqual(result.logs, []);
  });
});

describe("gRPC calls and streams", () => {
  test("a unary call's OK answer is its message alone (Envoy drops its metadata, sends no close); a stream driven by the test gets everything", async () => {
    const host = new Host();
    host.setGrpc("grpc-cluster", (call) => (call.stream ? undefined : { initialMetadata: [["k", "iv"]], message: "pong", trailingMetadata: [["t", "tv"]] }));
    const plugin = (await host.loadVm(grpc)).startPlugin();
    assert.equal(await plugin.deliverCallouts(), 1);
    const [call, stream] = host.grpcCalls;
    assert.deepEqual(
      [call?.id, call?.cluster, call?.service, call?.method, call?.initialMetadata, text(call?.message), call?.timeoutMs],
      [1, "grpc-cluster", "svc.Echo", "Say", [["k", "v"]], "ping", 1000],
    );
    assert.equal(call?.finished, true);
    assert.equal(stream?.stream, true);
    assert.deepEqual(stream?.sent.map(text), ["a", "b"]);
    assert.equal(stream?.closedByModule, true);
    stream!.sendInitialMetadata([["k", "s"]]);
    stream!.receive("s1");
    stream!.close(14, "unavailable");
    assert.deepEqual(messages(host.logs), [
      "call status=0 token=1",
      "unknown cluster status=4",
      "stream status=0 token=2",
      "send status=0,0 unknown=1",
      "cancel unknown=1",
      "message token=1 size=4 body=pong",
      "initial token=2 n=1 k=s",
      "message token=2 size=2 body=s1",
      "close token=2 status=14 code=14 message=unavailable{via_upstream}",
    ]);
    assert.throws(() => stream!.receive("late"), /already finished/);
  });
});
