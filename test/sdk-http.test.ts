// HTTP contexts of the SDK, driven through the host emulator: what the host forwarded and answered.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { WasmTrapError } from "../host/index.js";
import { buildFixture, startPlugin, header, get } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("http");
});

test("headers: get, add, replace, remove, has; the stream goes on", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({
    request: {
      headers: get("/h", [
        ["x-mode", "headers"],
        ["x-replace", "old"],
        ["x-replace", "old2"],
        ["x-remove", "gone"],
      ]),
    },
    response: {
      headers: [
        [":status", "200"],
        ["server", "upstream"],
      ],
      body: "ok",
    },
  });
  assert.ok(r.request);
  const fwd = r.request.headers;
  assert.deepEqual(
    fwd.filter(([n]) => n === "x-replace"),
    [["x-replace", "new"]],
  );
  assert.equal(header(fwd, "x-remove"), undefined);
  assert.equal(header(fwd, "x-mode"), undefined);
  assert.equal(header(fwd, "x-added"), "1");
  assert.equal(header(fwd, "x-has-missing"), "no");
  assert.equal(header(fwd, "x-missing-is-null"), "yes");
  // 7 sent, and the two the connection manager adds (x-forwarded-proto, x-request-id), as in Envoy.
  assert.equal(header(fwd, "x-num-headers"), "9");
  assert.equal(header(r.response.headers, "server"), "as-proxy-wasm");
  assert.equal(header(r.response.headers, "x-mode-seen"), "headers");
  assert.equal(r.response.body, "ok");
});

test("whole header maps: getAll keeps order and duplicates, setAll replaces the map", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({
    request: {
      headers: get("/all", [
        ["x-mode", "setall"],
        ["dup", "a"],
        ["dup", "b"],
        ["é", "ü"],
      ]),
    },
  });
  assert.ok(r.request);
  assert.deepEqual(r.request.headers, [
    [":method", "GET"],
    [":path", "/all"],
    [":authority", "example.com"],
    ["dup", "a"],
    ["dup", "b"],
    ["é", "ü"],
    ["x-forwarded-proto", "http"],
    ["x-request-id", "00000000-0000-4000-8000-000000000001"],
    ["x-num-headers", "9"],
    ["x-total", "9"],
  ]);
});

test("bodies: buffered until end of stream, then rewritten; response body prepended and appended", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({
    request: { headers: get("/b", [["x-mode", "body"]]), bodyChunks: ["hello ", "wasm ", "world"] },
    response: { headers: [[":status", "200"]], bodyChunks: ["up", "stream"] },
  });
  assert.ok(r.request);
  assert.equal(r.request.body, "HELLO WASM WORLD (16 bytes)");
  assert.equal(r.response.body, "<upstream>");
});

test("trailers: read, add and remove in both directions", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({
    request: {
      headers: get("/t"),
      body: "x",
      trailers: [
        ["x-trailer", "v1"],
        ["x-drop", "1"],
      ],
    },
    response: {
      headers: [[":status", "200"]],
      body: "y",
      trailers: [
        ["grpc-status", "0"],
        ["a", "b"],
      ],
    },
  });
  assert.ok(r.request);
  assert.deepEqual(r.request.trailers, [
    ["x-trailer", "v1"],
    ["x-trailer-seen", "v1"],
  ]);
  assert.deepEqual(r.response.trailers, [
    ["grpc-status", "0"],
    ["a", "b"],
    ["x-trailer-count", "2"],
  ]);
});

test("local response: status, body, headers, details; nothing reaches the upstream", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({ request: { headers: get("/secret", [["x-mode", "local"]]) } });
  assert.equal(r.request, null);
  assert.ok(r.localResponse);
  assert.equal(r.localResponse.status, 403);
  assert.equal(r.localResponse.body, "denied: /secret");
  assert.equal(r.localResponse.details, "sdk_denied");
  assert.equal(header(r.localResponse.headers, "x-reason"), "test");
  assert.equal(header(r.response.headers, ":status"), "403");
});

test("local gRPC response carries the gRPC status", async () => {
  const { plugin } = await startPlugin(wasm);
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(
    get("/svc.Auth/Check", [
      ["x-mode", "grpc-local"],
      ["content-type", "application/grpc"],
    ]),
    true,
  );
  assert.ok(ctx.localResponse);
  assert.equal(ctx.localResponse.status, 200);
  assert.equal(ctx.localResponse.grpcStatus, 7);
  assert.equal(ctx.localResponse.details, "grpc_denied");
});

test("close_stream resets the request direction", async () => {
  const { plugin } = await startPlugin(wasm);
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(get("/c", [["x-mode", "close"]]), true);
  assert.deepEqual(ctx.closed, [0]);
});

test("properties: read by path segments, missing is null, set reaches the host as segments joined by NUL", async () => {
  const { plugin } = await startPlugin(wasm);
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(get("/p?q=1", [["x-mode", "props"]]), true);
  assert.equal(header(ctx.requestHeaders, "x-prop-path"), "/p?q=1");
  assert.equal(header(ctx.requestHeaders, "x-prop-missing"), "null");
  assert.equal(new TextDecoder().decode(ctx.filterState.get("filter\0state")), "set-by-filter");
});

test("log levels, get_log_level and the WASI clock", async () => {
  const start = Date.UTC(2030, 0, 1);
  const { host, plugin } = await startPlugin(wasm, { logLevel: "info", startTime: start });
  const r = await plugin.httpStream({ request: { headers: get("/e", [["x-mode", "env"]]) } });
  assert.ok(r.request);
  assert.equal(header(r.request.headers, "x-log-level"), "2");
  const ms = Number(header(r.request.headers, "x-time-ms"));
  assert.ok(ms >= start && ms < start + 60_000, `time ${ms} near the host's virtual clock ${start}`);
  const messages = host.logs.map((l) => `${l.level}:${l.message}`);
  assert.ok(messages.includes("warn:warn line"));
  assert.ok(!messages.some((m) => m.includes("debug line")), "below the host's level: dropped");
  assert.ok(messages.includes("info:on_log /e mode=env"), "request headers readable in on_log");
});

test("runtime hooks: Math.random works, trace logs at trace level, abort logs at critical level and traps", async () => {
  const { host, plugin } = await startPlugin(wasm);
  const ok = await plugin.httpStream({ request: { headers: get("/r", [["x-mode", "runtime"]]) } });
  assert.equal(header(ok.request!.headers, "x-random"), "ok");
  assert.ok(host.logs.some((l) => l.level === "trace" && l.message === "trace: traced from the filter"));
  await assert.rejects(
    plugin.httpStream({
      request: {
        headers: get("/r", [
          ["x-mode", "runtime"],
          ["x-abort", "1"],
        ]),
      },
    }),
    WasmTrapError,
  );
  const critical = host.logs.find((l) => l.level === "critical");
  assert.match(critical?.message ?? "", /^abort: Index out of range in ~lib\/array\.ts$/);
});
