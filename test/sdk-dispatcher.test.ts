// How the SDK's dispatcher treats context ids: a stream its root made no context for passes untouched; a
// callback for an id the host never created, or for a context of the other kind, stops the VM with a
// critical log line (the Rust SDK panics there) instead of answering Continue as if all were well. The line is
// short on purpose: every filter carries it, and the 6 KB size target leaves no room for number formatting.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { HostError } from "../host/index.js";
import { buildFixture, get, startPlugin } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("config");
});

test("a root that makes no stream context: its HTTP streams and TCP connections pass untouched, without an error", async () => {
  const { host, plugin } = await startPlugin(wasm, {}, '{"streams": false}');
  const r = await plugin.httpStream({ request: { headers: get("/") }, response: { headers: [[":status", "200"]] } });
  assert.deepEqual(r.response.headers, [[":status", "200"]]);
  const tcp = await plugin.tcpConnection({ downstream: ["ping"], upstream: ["pong"] });
  assert.equal(tcp.upstream, "ping");
  assert.equal(tcp.downstream, "pong");
  assert.deepEqual(
    host.logs.filter((l) => l.level === "critical" || l.level === "error"),
    [],
  );
});

test("a callback for a context id the host never created stops the VM with a critical log line", async () => {
  const { host, vm, plugin } = await startPlugin(wasm, {}, "{}");
  assert.throws(
    () => vm.callback("proxy_on_response_headers", plugin, [4242, 0, 1]),
    (error: unknown) => {
      assert.ok(error instanceof HostError);
      assert.match(error.message, /proxy_on_response_headers.*abort: unknown context/s);
      return true;
    },
  );
  assert.ok(
    host.logs.some((l) => l.level === "critical" && l.message === "abort: unknown context"),
    JSON.stringify(host.logs),
  );
});

test("HTTP callbacks for a TCP connection's context stop the VM (a network filter run as an HTTP filter)", async () => {
  const { vm, plugin } = await startPlugin(wasm, {}, '{"tcp": true}');
  const stream = plugin.newHttpContext();
  // The fixture's HTTP context handles response headers only (the SDK exports no callback a filter leaves alone).
  stream.onRequestHeaders(get("/"), true);
  assert.throws(() => stream.onResponseHeaders([[":status", "200"]], true), /abort: unknown context/);
  assert.throws(() => vm.callback("proxy_on_response_headers", plugin, [stream.id, 0, 1]), /VM failed earlier/);
});
