// TCP contexts of the SDK through the host emulator: bytes forwarded each way, close, close callbacks.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { buildFixture, startPlugin } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("tcp");
});

test("downstream data buffered to the end and rewritten; upstream data appended; close callbacks", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.tcpConnection({ downstream: ["hello ", "tcp"], upstream: ["pong"] });
  assert.equal(r.upstream, "HELLO TCP");
  // The upstream's half-close comes as its own empty chunk, as Envoy reads it: the end-of-stream chunk has 0 bytes.
  assert.equal(r.downstream, "pong [0]");
  const messages = r.logs.map((l) => l.message);
  assert.ok(messages.includes("new connection"));
  assert.ok(messages.some((m) => m.startsWith("downstream closed by peer type")));
  assert.ok(messages.some((m) => m.startsWith("upstream closed by peer type")));
});

test("closeDownstream closes the connection and forwards nothing", async () => {
  const { plugin } = await startPlugin(wasm);
  const ctx = plugin.newTcpContext();
  ctx.onNewConnection();
  ctx.onDownstreamData("please close", true);
  assert.deepEqual(ctx.closed, [2]);
  assert.equal(new TextDecoder().decode(ctx.toUpstream), "");
});
