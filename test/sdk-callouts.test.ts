// HTTP callouts and gRPC calls/streams of the SDK through the host emulator: what the host saw sent, and
// how the answers reached the context that made the call (which then resumed or rejected its request).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { buildFixture, startPlugin, header, get } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("callouts");
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("HTTP callout: request sent as built, the stream pauses and resumes with the answer", async () => {
  const { host, plugin } = await startPlugin(wasm, {
    callouts: { auth: { status: 200, body: "alice-ok", trailers: [["x-auth-trailer", "tt"]] } },
  });
  const r = await plugin.httpStream({
    request: {
      headers: get("/api", [
        ["x-mode", "http"],
        ["x-user", "alice"],
      ]),
    },
  });
  assert.equal(host.callouts.length, 1);
  const call = host.callouts[0];
  assert.equal(call.cluster, "auth");
  assert.deepEqual(call.headers.slice(0, 3), [
    [":method", "GET"],
    [":path", "/check?user=alice"],
    [":authority", "auth.local"],
  ]);
  assert.equal(text(call.body), "payload");
  assert.deepEqual(call.trailers, [["x-call-trailer", "t"]]);
  assert.equal(call.timeoutMs, 5000);
  assert.ok(r.request, "the request was resumed and reached the upstream");
  assert.equal(header(r.request.headers, "x-auth"), "alice-ok (8)");
  assert.equal(header(r.request.headers, "x-auth-trailer"), "tt");
  assert.equal(header(r.request.headers, "x-same-token"), "yes");
  assert.equal(header(r.response.headers, "x-stamped"), "1", "override in an intermediate base class");
});

test("response paused by a callout from onResponseHeaders, resumed with continueResponse", async () => {
  const { host, plugin } = await startPlugin(wasm, { callouts: { auth: { body: "annotated" } } });
  const r = await plugin.httpStream({
    request: { headers: get("/api", [["x-mode", "http-response"]]) },
    response: { headers: [[":status", "200"]], body: "payload" },
  });
  assert.equal(host.callouts.length, 1);
  assert.equal(header(r.response.headers, "x-annotation"), "annotated");
  assert.equal(r.response.body, "payload");
});

test("HTTP callout answered with an error status: local 403 with the callout's body", async () => {
  const { plugin } = await startPlugin(wasm, { callouts: { auth: { status: 401, body: "nope" } } });
  const r = await plugin.httpStream({ request: { headers: get("/api", [["x-mode", "http"]]) } });
  assert.equal(r.request, null);
  assert.equal(r.localResponse?.status, 403);
  assert.equal(r.localResponse?.body, "auth said 401: nope");
});

test("HTTP callout that fails (reset): answered 503 by Envoy's router, as Envoy 1.40 does", async () => {
  const { plugin } = await startPlugin(wasm, { callouts: { auth: { failure: "reset" } } });
  const r = await plugin.httpStream({ request: { headers: get("/api", [["x-mode", "http"]]) } });
  assert.equal(r.localResponse?.status, 403);
  assert.equal(r.localResponse?.body, "auth said 503: upstream connect error or disconnect/reset before headers. reset reason: remote reset");
});

test("HTTP callout to an unknown cluster is refused: token 0, the stream goes on", async () => {
  const { plugin } = await startPlugin(wasm);
  const r = await plugin.httpStream({ request: { headers: get("/api", [["x-mode", "http-unknown"]]) } });
  assert.equal(header(r.request!.headers, "x-token"), "0");
});

test("root context callout on a timer tick; the answer reaches the root", async () => {
  const { host, plugin } = await startPlugin(wasm, { callouts: { stats: { body: "42 requests" } } });
  assert.equal(plugin.tickPeriodMs, 1000);
  host.advanceTime(1000);
  assert.equal(host.callouts.length, 1);
  assert.equal(host.callouts[0].contextId, plugin.contextId);
  await plugin.deliverCallouts();
  assert.ok(host.logs.some((l) => l.message === "root got stats: 42 requests"));
});

test("unary gRPC call: service, method, metadata, message; the OK answer is one proxy_on_grpc_receive, no metadata and no close (as in Envoy)", async () => {
  const { host, plugin } = await startPlugin(wasm, {
    grpc: {
      grpc: {
        initialMetadata: [["x-initial", "i"]],
        message: "pong",
        trailingMetadata: [["x-trailing", "t"]],
        status: 0,
        statusMessage: "fine",
      },
    },
  });
  const r = await plugin.httpStream({ request: { headers: get("/g", [["x-mode", "grpc"]]) } });
  const call = host.grpcCalls[0];
  assert.equal(call.cluster, "grpc");
  assert.equal(call.service, "svc.Auth");
  assert.equal(call.method, "Check");
  assert.deepEqual(call.initialMetadata, [["x-md", "1"]]);
  assert.equal(text(call.message), "ping");
  assert.equal(call.timeoutMs, 1000);
  assert.ok(r.request);
  assert.equal(header(r.request.headers, "x-grpc-message"), "pong");
  for (const name of ["x-grpc-initial", "x-grpc-trailing", "x-grpc-status"]) assert.equal(header(r.request.headers, name), undefined, name);
});

test("unary gRPC call failed: the close carries the grpc-message as the server encoded it, then {via_upstream}", async () => {
  const { plugin } = await startPlugin(wasm, { grpc: { grpc: { status: 14, statusMessage: "authz store down", message: "ignored" } } });
  const r = await plugin.httpStream({ request: { headers: get("/g", [["x-mode", "grpc"]]) } });
  assert.equal(header(r.request!.headers, "x-grpc-message"), undefined);
  assert.equal(header(r.request!.headers, "x-grpc-status"), "14 authz%20store%20down{via_upstream}");
});

test("unary gRPC call answered OK with no message: Envoy closes it INTERNAL (13) with no message", async () => {
  const { plugin } = await startPlugin(wasm, { grpc: { grpc: { status: 0 } } });
  const r = await plugin.httpStream({ request: { headers: get("/g", [["x-mode", "grpc"]]) } });
  assert.equal(header(r.request!.headers, "x-grpc-status"), "13 ");
});

test("unary gRPC call never answered: closed at its timeout (1000 ms) with UNAVAILABLE, as Envoy's router times it out", async () => {
  const { host, plugin } = await startPlugin(wasm, { grpc: { grpc: () => "pending" } });
  const started = host.elapsed();
  const r = await plugin.httpStream({ request: { headers: get("/g", [["x-mode", "grpc"]]) } });
  assert.equal(header(r.request!.headers, "x-grpc-status"), "14 upstream request timeout{response_timeout}");
  assert.equal(host.elapsed() - started, 1000);
  assert.equal(host.grpcCalls[0].finished, true);
});

test("a unary gRPC call times out on the host's clock (advanceTime), not before", async () => {
  const { host, plugin } = await startPlugin(wasm, { grpc: { grpc: () => "pending" } });
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(get("/g", [["x-mode", "grpc"]]), true);
  host.advanceTime(999);
  assert.equal(header(ctx.requestHeaders, "x-grpc-status"), undefined);
  host.advanceTime(1);
  assert.equal(header(ctx.requestHeaders, "x-grpc-status"), "14 upstream request timeout{response_timeout}");
  assert.deepEqual(ctx.continued, [0]);
});

test("gRPC stream: messages sent, answers received, closed by the server", async () => {
  const { host, plugin } = await startPlugin(wasm, { grpc: { grpc: () => "pending" } });
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(get("/s", [["x-mode", "stream"]]), true);
  const call = host.grpcCalls[0];
  assert.equal(call.stream, true);
  assert.equal(call.method, "Talk");
  assert.deepEqual(call.sent.map(text), ["hello"]);
  call.receive("m1");
  call.close(14, "unavailable");
  assert.equal(header(ctx.requestHeaders, "x-grpc-message"), "m1");
  assert.equal(header(ctx.requestHeaders, "x-grpc-status"), "14 unavailable{via_upstream}");
  assert.deepEqual(ctx.continued, [0]);
});

test("gRPC stream cancel and close by the module", async () => {
  const { host, plugin } = await startPlugin(wasm, { grpc: { grpc: () => "pending" } });
  plugin.newHttpContext().onRequestHeaders(get("/s", [["x-mode", "cancel"]]), true);
  plugin.newHttpContext().onRequestHeaders(get("/s", [["x-mode", "close"]]), true);
  assert.equal(host.grpcCalls[0].cancelled, true);
  assert.equal(host.grpcCalls[1].closedByModule, true);
});

test("streams deleted while their callout is pending are forgotten: memory flat over 20,000 of them", async () => {
  const { vm, plugin } = await startPlugin(wasm, { callouts: { auth: () => "pending" } });
  const abandon = (n: number) => {
    for (let i = 0; i < n; i++) {
      const ctx = plugin.newHttpContext();
      ctx.onRequestHeaders(get("/api", [["x-mode", "http"]]), true);
      ctx.onLog();
      ctx.onDone();
      ctx.onDelete();
    }
  };
  abandon(2_000);
  const warm = vm.memory.memory.buffer.byteLength;
  abandon(20_000);
  assert.equal(vm.memory.memory.buffer.byteLength, warm);
});
