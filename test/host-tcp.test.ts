import { before, test } from "node:test";
import assert from "node:assert/strict";
import { FilterStatus, Host, PeerType } from "../host/index.js";
import { buildFixture, messages } from "./fixtures/host/build.js";

let tcp: Uint8Array;
before(async () => {
  tcp = await buildFixture("tcp");
});

const start = async () => (await new Host().loadVm(tcp)).startPlugin();

test("a TCP connection: data rewritten both ways, then close callbacks and done, log, delete", async () => {
  const plugin = await start();
  const result = await plugin.tcpConnection({ downstream: ["hello ", "world"], upstream: ["pong"] });
  assert.equal(result.upstream, "HELLO WORLD");
  // Each side's half-close is its own empty chunk (as Envoy reads it), which this filter prefixes too.
  assert.equal(result.downstream, "resp:pongresp:");
  assert.equal(result.closed, false);
  assert.deepEqual(messages(result.logs), [
    "new connection 2",
    "downstream size=6 eos=0",
    "downstream size=5 eos=0",
    "downstream size=0 eos=1",
    "upstream size=4 eos=0 downstream_buffer=",
    "upstream size=0 eos=1 downstream_buffer=",
    "upstream close peer=0",
    "downstream close peer=1",
    "done",
    "log",
  ]);
});

test("data held by StopIteration stays in the buffer and comes back with the next chunk", async () => {
  const plugin = await start();
  const result = await plugin.tcpConnection({ downstream: ["HOLD a", "b", "c"] });
  assert.deepEqual(
    messages(result.logs).filter((m) => m.startsWith("downstream size")),
    ["downstream size=6 eos=0", "downstream size=7 eos=0", "downstream size=8 eos=0", "downstream size=8 eos=1"],
  );
  assert.equal(result.upstream, "HOLD ABC");
});

test("close_stream(DOWNSTREAM) closes the connection: nothing more is forwarded", async () => {
  const plugin = await start();
  const result = await plugin.tcpConnection({ downstream: ["CLOSE", "more"], upstream: ["never"] });
  assert.equal(result.closed, true);
  assert.equal(result.upstream, "");
  assert.equal(result.downstream, "");
  assert.ok(messages(result.logs).includes("downstream close peer=1"));
});

test("step by step: actions and buffers", async () => {
  const plugin = await start();
  const ctx = plugin.newTcpContext();
  assert.equal(ctx.onNewConnection(), FilterStatus.Continue);
  assert.equal(ctx.onDownstreamData("HOLD x", false), FilterStatus.StopIteration);
  assert.equal(new TextDecoder().decode(ctx.downstreamData), "HOLD x");
  assert.equal(ctx.onDownstreamData("y", true), FilterStatus.Continue);
  assert.equal(new TextDecoder().decode(ctx.toUpstream), "HOLD XY");
  ctx.onDownstreamClose(PeerType.Local);
  ctx.onDone();
  ctx.onDelete();
  assert.equal(plugin.vm.contexts.has(ctx.id), false);
});
