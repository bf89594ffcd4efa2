import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "./plugin.mjs";

test("passes data both ways, counts the bytes, logs the totals", async () => {
  const { host, plugin } = await startPlugin();
  const result = await plugin.tcpConnection({ downstream: ["ping ", "ping"], upstream: ["pong"] });
  assert.equal(result.upstream, "ping ping");
  assert.equal(result.downstream, "pong");
  assert.equal(host.metric("tcp_filter.bytes_received").value, 9n);
  assert.equal(host.metric("tcp_filter.bytes_sent").value, 4n);
  assert.ok(
    result.logs.some((l) => l.message === "tcp: connection closed, 9 bytes in, 4 bytes out"),
    JSON.stringify(result.logs),
  );
});

test("closes a connection that opens with the blocked prefix before it reaches the upstream", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.tcpConnection({ downstream: ["DROP TABLE users"] });
  assert.equal(result.closed, true);
  assert.equal(result.upstream, "");
});

test("the blocked prefix split over several reads is caught too; a near miss passes whole", async () => {
  const { plugin } = await startPlugin();
  for (const chunks of [
    ["DR", "OP TABLE users"],
    ["D", "R", "O", "P"],
  ]) {
    const result = await plugin.tcpConnection({ downstream: chunks, upstream: ["never"] });
    assert.equal(result.closed, true, JSON.stringify(chunks));
    assert.equal(result.upstream, "", JSON.stringify(chunks));
  }
  const { host, plugin: fresh } = await startPlugin();
  const missed = await fresh.tcpConnection({ downstream: ["DR", "AW 2 cards"], upstream: ["ok"] });
  assert.equal(missed.closed, false);
  assert.equal(missed.upstream, "DRAW 2 cards");
  assert.equal(host.metric("tcp_filter.bytes_received").value, 12n, "held bytes are counted once");
});
