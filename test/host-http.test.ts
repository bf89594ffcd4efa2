import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FilterDataStatus, FilterHeadersStatus, Host, HostError, StreamType, WasmTrapError } from "../host/index.js";
import { buildFixture, messages } from "./fixtures/host/build.js";

const GET = [
  [":method", "GET"],
  [":path", "/a"],
  [":authority", "example.com"],
] as [string, string][];
let probe: Uint8Array;
let local: Uint8Array;
let callout: Uint8Array;
let trap: Uint8Array;

before(async () => {
  [probe, local, callout, trap] = await Promise.all(["probe", "local", "callout", "trap"].map((name) => buildFixture(name)));
});

async function plugin(wasm: Uint8Array, configuration = "", host = new Host()) {
  const vm = await host.loadVm(wasm);
  return { host, vm, plugin: vm.startPlugin({ configuration, name: "test" }) };
}

describe("lifecycle and configuration", () => {
  test("vm start, configure and stream contexts follow cpp-host's order and ids", async () => {
    const host = new Host();
    const vm = await host.loadVm(probe, { vmConfig: "vm-config" });
    assert.equal(vm.abiVersion, "0.2.1");
    const p = vm.startPlugin({ configuration: "plugin-config" });
    const second = vm.startPlugin({ configuration: "second" });
    assert.deepEqual(messages(host.logs), [
      "create 1 parent=0",
      "vm_start root=1 config=vm-config size=9",
      "configure root=1 config=plugin-config size=13",
      "create 2 parent=0",
      "configure root=2 config=second size=6",
    ]);
    assert.equal(p.contextId, 1);
    assert.equal(second.contextId, 2);
    const result = await p.httpStream({ request: { headers: GET } });
    assert.deepEqual(
      messages(result.logs).filter((m) => /^(create|done|delete)/.test(m)),
      ["create 3 parent=1", "done 3", "delete 3"],
    );
  });

  test("a plugin whose on_configure returns false is refused, as Envoy does", async () => {
    const vm = await new Host().loadVm(probe);
    assert.throws(
      () => vm.startPlugin({ configuration: "reject" }),
      (e: unknown) => e instanceof HostError && e.operation === "proxy_on_configure" && /refused its configuration/.test(e.message),
    );
  });

  test("a module whose on_vm_start returns false does not start", async () => {
    const vm = await new Host().loadVm(probe, { vmConfig: "refuse" });
    assert.throws(
      () => vm.startPlugin(),
      (e: unknown) => e instanceof HostError && e.operation === "proxy_on_vm_start",
    );
  });
});

describe("maps and buffers each callback may touch (Envoy's rules)", () => {
  test("status codes per callback: own map/body only, request headers gone in the response path, log reads", async () => {
    const { plugin: p } = await plugin(probe);
    const result = await p.httpStream({
      request: { headers: GET, body: "hello" },
      response: { headers: [[":status", "200"]], body: "world" },
    });
    // read = get_header_map_value on request headers, request trailers, response headers, response trailers
    // (1 NOT_FOUND: reachable, 2 BAD_ARGUMENT: not); write = get_header_map_size (needs the mutable map);
    // body = empty prepend on request/response body (0 OK while the callback holds it, 2 BAD_ARGUMENT: Envoy's
    // empty buffer object); cfg = plugin configuration status (1 NOT_FOUND outside configure).
    const access = messages(result.logs).filter((m) => m.includes(" read="));
    assert.deepEqual(access, [
      "req_headers eos=0 n=5 read=1222 write=0222 body=22 cfg=1",
      // at end of stream a body callback may add request trailers (Envoy's addDecodedTrailers)
      "req_body eos=1 size=5 read=2222 write=2022 body=02 cfg=1",
      "resp_headers eos=0 read=2112 write=2002 body=22 cfg=1",
      "resp_body eos=1 size=5 read=2122 write=2020 body=20 cfg=1",
      // on_log reads request and response headers; request trailers are NOT_FOUND there, writes refused
      "log read=1111 write=2222 body=22 cfg=1",
    ]);
    assert.ok(messages(result.logs).includes("log path=/a status=200"));
  });

  test("what the filter changed is what is forwarded, and the run --json shape is exact", async () => {
    const { plugin: p } = await plugin(probe, "rewrite");
    const result = await p.httpStream({
      request: {
        headers: [
          [":method", "POST"],
          [":path", "/up"],
          ["Content-Type", "text/plain"],
          ["x-dup", "1"],
          ["x-dup", "2"],
        ],
        body: "hello",
      },
      response: { headers: [[":status", "201"]], body: "world" },
    });
    assert.deepEqual(Object.keys(result), ["request", "response", "localResponse", "logs", "reset"]);
    assert.deepEqual(result.request, {
      // The connection manager's two headers come before the filter sees the request, as in Envoy.
      headers: [
        [":method", "POST"],
        [":path", "/up"],
        ["content-type", "text/plain"],
        ["x-dup", "1"],
        ["x-dup", "2"],
        ["x-forwarded-proto", "http"],
        ["x-request-id", "00000000-0000-4000-8000-000000000001"],
        ["x-added", "yes"],
      ],
      body: "<hello>",
      trailers: [],
    });
    assert.deepEqual(result.response, {
      headers: [
        [":status", "201"],
        ["x-resp", "yes"],
      ],
      body: "world!",
      trailers: [],
    });
    assert.equal(new TextDecoder().decode(result.response.bodyBytes), "world!");
    assert.equal(result.localResponse, null);
    assert.deepEqual(JSON.parse(JSON.stringify(result)).response, {
      headers: [
        [":status", "201"],
        ["x-resp", "yes"],
      ],
      body: "world!",
      trailers: [],
    });
  });

  test("trailers: the filter adds one in the trailers callback; a headers-only request ends at headers", async () => {
    const { plugin: p } = await plugin(probe);
    const result = await p.httpStream({ request: { headers: GET, body: "b", trailers: [["grpc-status", "0"]] } });
    assert.deepEqual(result.request?.trailers, [
      ["grpc-status", "0"],
      ["x-trailer-added", "1"],
    ]);
    assert.ok(messages(result.logs).some((m) => m.startsWith("req_trailers n=1 read=2122 write=2022")));
    const headersOnly = await p.httpStream({ request: { headers: GET } });
    assert.ok(messages(headersOnly.logs).some((m) => m.startsWith("req_headers eos=1")));
    assert.ok(!messages(headersOnly.logs).some((m) => m.startsWith("req_body")));
  });
});

describe("header-map and buffer operations, WASI", () => {
  test("replace drops duplicates then appends, remove, whole-map set; buffer slices and write modes", async () => {
    const host = new Host();
    const vm = await host.loadVm(await buildFixture("maps"), { env: { A: "1", LANG: "C" } });
    const p = vm.startPlugin();
    assert.deepEqual(
      host.logs.map((l) => [l.level, l.message]),
      [
        ["info", "env count=2 bytes=11 A=1,LANG=C"],
        ["info", "random status=0 too_big=28"],
        ["error", "to stderr"],
      ],
    );
    const result = await p.httpStream({
      request: {
        headers: [
          [":method", "GET"],
          [":path", "/"],
          ["x-dup", "1"],
          ["x-gone", "g"],
          ["x-dup", "2"],
          ["x-keep", "k"],
        ],
        body: "0123456789",
      },
    });
    assert.deepEqual(messages(result.logs), [
      "after replace/remove: :method=GET;:path=/;x-keep=k;x-forwarded-proto=http;x-request-id=00000000-0000-4000-8000-000000000001;x-dup=only",
      "after set pairs: :method=PUT;:path=/new;x-set=1 | empty trailers: []",
      // get_buffer_bytes clamps to the data: a start past the end or a zero max gives nothing
      "slices: [012] [23456789] [] []",
      // start 0 prepends (after dropping `size` bytes), a start at or past the end appends, a start inside is refused
      "prepend=0 append=0 middle=2 now=<0123456789>",
      "replace=0 now=[3456789>",
      "config not writable=2",
    ]);
    assert.deepEqual(result.request?.headers, [
      [":method", "PUT"],
      [":path", "/new"],
      ["x-set", "1"],
    ]);
    assert.equal(result.request?.body, "[3456789>");
  });
});

describe("pause, buffering and continue", () => {
  test("StopIterationAndBuffer accumulates chunks: body_size is the buffered total", async () => {
    const { plugin: p } = await plugin(probe, "req_body=1,resp_body=1");
    const result = await p.httpStream({
      request: { headers: GET, bodyChunks: ["ab", "cd", "ef"] },
      response: { headers: [[":status", "200"]], bodyChunks: ["x", "yz"] },
    });
    const sizes = messages(result.logs)
      .filter((m) => /^(req|resp)_body eos/.test(m))
      .map((m) => m.split(" read=")[0]);
    assert.deepEqual(sizes, ["req_body eos=0 size=2", "req_body eos=0 size=4", "req_body eos=1 size=6", "resp_body eos=0 size=1", "resp_body eos=1 size=3"]);
    assert.ok(messages(result.logs).includes("req_body_data=abcdef"));
    assert.equal(result.request?.body, "abcdef");
    assert.equal(result.response.body, "xyz");
  });

  test("without buffering each chunk is forwarded as it comes and body_size is the chunk", async () => {
    const { plugin: p } = await plugin(probe);
    const result = await p.httpStream({ request: { headers: GET, bodyChunks: ["ab", "cd"] } });
    assert.ok(messages(result.logs).some((m) => m.startsWith("req_body eos=1 size=2")));
    assert.equal(result.request?.body, "abcd");
  });

  test("a paused stream resumes when the filter calls continue_stream (here from on_tick)", async () => {
    const { host, plugin: p } = await plugin(probe, "req_headers=1,tick");
    const ctx = p.newHttpContext();
    assert.equal(ctx.onRequestHeaders(GET, true), FilterHeadersStatus.StopIteration);
    assert.equal(ctx.isPaused(StreamType.HttpRequest), true);
    // while paused, request headers stay writable
    assert.deepEqual(ctx.requestHeaders.at(-1), ["x-added", "yes"]);
    host.advanceTime(10);
    assert.equal(ctx.isPaused(StreamType.HttpRequest), false);
    assert.deepEqual(ctx.continued, [StreamType.HttpRequest]);
    assert.ok(messages(host.logs).includes(`tick resumes ${ctx.id} status=0`));
  });

  test("httpStream reports a stream left paused with nothing to resume it", async () => {
    const { plugin: p } = await plugin(probe, "req_headers=1");
    await assert.rejects(
      p.httpStream({ request: { headers: GET } }),
      (e: unknown) => e instanceof HostError && e.operation === "http_stream" && /paused/.test(e.message),
    );
  });

  test("step by step: body actions and buffers", async () => {
    const { plugin: p } = await plugin(probe, "req_body=1");
    const ctx = p.newHttpContext();
    assert.equal(ctx.onRequestHeaders(GET), FilterHeadersStatus.Continue);
    assert.equal(ctx.onRequestBody("12", false), FilterDataStatus.StopIterationAndBuffer);
    assert.equal(new TextDecoder().decode(ctx.requestBody), "12");
    assert.equal(ctx.onRequestBody("34", true), FilterDataStatus.Continue);
    assert.equal(new TextDecoder().decode(ctx.forwardedRequestBody), "1234");
    ctx.onLog();
    ctx.onDone();
    ctx.onDelete();
    assert.equal(p.vm.contexts.has(ctx.id), false);
  });
});

describe("local responses", () => {
  test("a local reply ends the request: not forwarded, response callbacks run on the reply", async () => {
    const { plugin: p } = await plugin(local);
    const result = await p.httpStream({
      request: { headers: [...GET, ["x-deny", "1"]], body: "never seen" },
      response: { headers: [[":status", "200"]], body: "upstream" },
    });
    assert.equal(result.request, null);
    assert.deepEqual(result.localResponse, { status: 403, headers: [["x-reason", "test"]], body: "denied\n", details: "access_denied" });
    assert.deepEqual(result.response, {
      headers: [
        [":status", "403"],
        ["x-reason", "test"],
        ["content-length", "7"],
        ["content-type", "text/plain"],
        ["x-seen", "403"],
      ],
      body: "denied\n",
      trailers: [],
    });
    assert.deepEqual(messages(result.logs), ["deny status=0", "response headers status=403 eos=0", "response body=denied\n eos=1"]);
  });

  test("a local reply from the response path replaces what the upstream answered", async () => {
    const { plugin: p } = await plugin(local);
    const result = await p.httpStream({ request: { headers: GET }, response: { headers: [[":status", "500"]], body: "oops" } });
    assert.notEqual(result.request, null);
    assert.equal(result.localResponse?.status, 502);
    assert.deepEqual(result.response.headers[0], [":status", "502"]);
    assert.equal(result.response.body, "bad gateway");
  });

  test("close_stream resets the stream: nothing forwarded, nothing answered", async () => {
    const { plugin: p } = await plugin(local);
    const result = await p.httpStream({ request: { headers: [[":path", "/close"]] } });
    assert.equal(result.request, null);
    assert.deepEqual(result.response, { headers: [], body: "", trailers: [] });
    assert.deepEqual(messages(result.logs), ["close status=0"]);
  });
});

describe("HTTP callouts", () => {
  test("pause on headers, answer the callout, resume from the response (effective context)", async () => {
    const { host, plugin: p } = await plugin(callout);
    const result = await p.httpStream({
      request: { headers: [...GET, ["x-user", "ann"]] },
      callouts: { auth: (req) => ({ status: 200, body: `ok:${req.headers.find(([k]) => k === "x-user")?.[1]}`, trailers: [["x-t", "tv"]] }) },
    });
    assert.deepEqual(result.request?.headers.at(-1), ["x-auth", "ok:ann"]);
    const [call] = host.callouts;
    assert.equal(call?.cluster, "auth");
    assert.deepEqual(call?.headers, [
      [":method", "POST"],
      [":path", "/check"],
      [":authority", "auth.local"],
      ["x-user", "ann"],
      ["content-length", "7"],
    ]);
    assert.equal(new TextDecoder().decode(call?.body), "payload");
    assert.equal(call?.timeoutMs, 500);
    assert.equal(call?.answered, true);
    assert.deepEqual(messages(result.logs), [
      "http_call status=0 token=1",
      "effective status=0",
      `call response root=${p.contextId} status=200 body=ok:ann size=6 trailers=1 x-t=tv`,
      "continue status=0",
      "call map outside its callback=2 body=none",
    ]);
  });

  test("body chunks wait while the headers are paused, then pass once the callout resumes the stream", async () => {
    const { plugin: p } = await plugin(callout);
    const result = await p.httpStream({
      request: { headers: GET, bodyChunks: ["one ", "two"], trailers: [["x-end", "1"]] },
      callouts: { auth: { body: "ok" } },
    });
    assert.equal(result.request?.body, "one two");
    assert.deepEqual(result.request?.trailers, [["x-end", "1"]]);
    assert.deepEqual(result.request?.headers.at(-1), ["x-auth", "ok"]);
  });

  test("a denying callout answer becomes a local 401; a timed-out callout is answered 504 by Envoy's router, so denied too", async () => {
    const { host, plugin: p } = await plugin(callout);
    host.setCallout("auth", { status: 403 });
    const denied = await p.httpStream({ request: { headers: GET } });
    assert.equal(denied.request, null);
    assert.equal(denied.localResponse?.status, 401);
    assert.ok(denied.response.headers.some(([k, v]) => k === "www-authenticate" && v === "Basic"));
    const failed = await p.httpStream({ request: { headers: GET }, callouts: { auth: { failure: "timeout" } } });
    assert.equal(failed.localResponse?.status, 401);
    assert.ok(messages(failed.logs).some((m) => m.startsWith("call response") && m.includes("status=504 body=upstream request timeout")));
  });

  test("an answer left pending is given later by the test", async () => {
    const { host, plugin: p } = await plugin(callout);
    host.setCallout("auth", () => "pending");
    const ctx = p.newHttpContext();
    assert.equal(ctx.onRequestHeaders(GET), FilterHeadersStatus.StopIteration);
    assert.equal(await p.deliverCallouts(), 0);
    assert.equal(ctx.isPaused(StreamType.HttpRequest), true);
    host.callouts[0]!.respond({ status: 200, body: "late" });
    assert.equal(ctx.isPaused(StreamType.HttpRequest), false);
    assert.deepEqual(ctx.requestHeaders.at(-1), ["x-auth", "late"]);
  });

  test("an unanswered callout times out on virtual time, as Envoy's async client does", async () => {
    const { host, plugin: p } = await plugin(callout);
    host.setCallout("auth", () => "pending");
    const ctx = p.newHttpContext();
    ctx.onRequestHeaders(GET);
    host.advanceTime(499);
    assert.equal(host.callouts[0]?.answered, false);
    host.advanceTime(1);
    assert.equal(host.callouts[0]?.answered, true);
    assert.equal(ctx.localResponse?.status, 401);
    assert.ok(messages(host.logs).some((m) => m.includes("status=504 body=upstream request timeout")));
  });

  test("unknown cluster and missing :path are BAD_ARGUMENT", async () => {
    const { host, plugin: p } = await plugin(callout);
    host.setCallout("auth", { status: 200 });
    const a = await p.httpStream({ request: { headers: [[":path", "/bad-cluster"]] } });
    const b = await p.httpStream({ request: { headers: [[":path", "/missing-path"]] } });
    assert.deepEqual([...messages(a.logs), ...messages(b.logs)].filter((m) => m.includes("status=")).slice(0, 2), [
      "unknown cluster status=2",
      "missing :path status=2",
    ]);
    assert.equal(host.callouts.length, 0);
    assert.deepEqual(host.refusedCallouts, ["nowhere"], "only the cluster with no handler is recorded as refused");
  });
});

describe("a module that traps", () => {
  for (const [path, pattern] of [
    ["/trap", /unreachable/],
    ["/abort", /proc_exit\(255\).*abort: boom/],
    ["/oob", /out of bounds/],
  ] as const) {
    test(`${path}: a clear error naming the callback and context, and the VM is failed`, async () => {
      const { vm, plugin: p } = await plugin(trap);
      await assert.rejects(p.httpStream({ request: { headers: [[":path", path]] } }), (e: unknown) => {
        assert.ok(e instanceof WasmTrapError, String(e));
        assert.equal(e.operation, "proxy_on_request_headers");
        assert.equal(e.contextId, 2);
        assert.match(e.message, pattern);
        return true;
      });
      assert.equal(vm.failed, true);
      await assert.rejects(p.httpStream({ request: { headers: GET } }), /VM failed earlier/);
    });
  }
});
