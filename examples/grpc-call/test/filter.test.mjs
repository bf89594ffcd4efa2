import { test } from "node:test";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import protobuf from "protobufjs";
import { Host } from "as-proxy-wasm/host";
import { exampleConfig, header, startPlugin } from "./plugin.mjs";

// The messages, read from the same .proto the filter's code was generated from.
const root = await protobuf.load(fileURLToPath(new URL("../proto/authz.proto", import.meta.url)));
const CheckRequest = root.lookupType("authz.v1.CheckRequest");
const CheckResponse = root.lookupType("authz.v1.CheckResponse");
const answer = (fields) => ({ message: CheckResponse.encode(CheckResponse.create(fields)).finish() });

const request = (headers = [], extra = {}) => ({
  request: { headers: [[":method", "POST"], [":path", "/orders?id=7"], [":authority", "shop.example"], ...headers], ...extra },
  response: { headers: [[":status", "200"]], body: "ok" },
});

/** The filter with `config` (default: the example's) and the authz cluster answering with `handler`. */
async function authz(handler, config = exampleConfig) {
  const host = new Host({ grpc: { authz: handler } });
  const { plugin } = await startPlugin(config, { host });
  return { host, plugin };
}

const withConfig = (changes) => JSON.stringify({ ...JSON.parse(exampleConfig), ...changes });

test("sends CheckRequest{method, path, host, configured headers (each value of a repeated one)} to authz.v1.Check/Check", async () => {
  const { host, plugin } = await authz(answer({ allowed: true }));
  const headers = [
    ["authorization", "Bearer a"],
    ["cookie", "secret"],
    ["authorization", "Bearer b"],
    ["x-request-id", "r-1"],
  ];
  const result = await plugin.httpStream(request(headers));
  assert.equal(result.response.headers[0][1], "200");
  const [call] = host.grpcCalls;
  assert.deepEqual([call.cluster, call.service, call.method, call.timeoutMs], ["authz", "authz.v1.Check", "Check", 500]);
  const sent = CheckRequest.toObject(CheckRequest.decode(call.message), { defaults: true });
  assert.deepEqual(sent, {
    method: "POST",
    path: "/orders?id=7",
    host: "shop.example",
    headers: [
      { name: "authorization", value: "Bearer a" },
      { name: "authorization", value: "Bearer b" },
      { name: "x-request-id", value: "r-1" },
    ],
  });
});

test("allowed: the service's headers replace what the client sent under those names; the body waits and goes on whole", async () => {
  const { plugin } = await authz(
    answer({
      allowed: true,
      headers: [
        { name: "x-user", value: "alice" },
        { name: "x-scopes", value: "orders:write" },
      ],
    }),
  );
  const result = await plugin.httpStream(
    request(
      [
        ["x-user", "mallory"],
        ["x-user", "root"],
      ],
      { bodyChunks: ['{"item":', "42}"] },
    ),
  );
  const upstream = result.request.headers;
  assert.deepEqual(
    upstream.filter(([n]) => n === "x-user"),
    [["x-user", "alice"]],
    "a spoofed identity never reaches the upstream",
  );
  assert.equal(header(upstream, "x-scopes"), "orders:write");
  assert.equal(result.request.body, '{"item":42}');
});

test("allowed with headers the service may not set: pseudo-headers, host, bad names and CR/LF values are ignored (logged without the names)", async () => {
  const { plugin } = await authz(
    answer({
      allowed: true,
      headers: [
        { name: ":path", value: "/admin" },
        { name: "host", value: "evil" },
        { name: "X-Upper", value: "1" },
        { name: "x-split", value: "a\r\nx-injected: 1" },
        { name: "", value: "empty" },
        { name: "x-good", value: "yes" },
      ],
    }),
  );
  const result = await plugin.httpStream(request());
  const upstream = result.request.headers;
  assert.equal(header(upstream, ":path"), "/orders?id=7");
  assert.equal(header(upstream, ":authority"), "shop.example");
  assert.equal(header(upstream, "x-good"), "yes");
  for (const name of ["host", "x-upper", "x-split", "x-injected"]) assert.equal(header(upstream, name), undefined, name);
  assert.ok(
    result.logs.some((l) => l.level === "warn" && l.message === "grpc-call: ignored 5 header(s) from the service: not settable"),
    JSON.stringify(result.logs),
  );
});

test("denied: a local reply with the service's status and reason; nothing reaches the upstream", async () => {
  const { plugin } = await authz(answer({ allowed: false, status: 401, reason: "token expired" }));
  const result = await plugin.httpStream(request());
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 401);
  assert.equal(result.response.body, "token expired\n");
  assert.equal(result.localResponse.details, "grpc_call_denied");
});

test("denied with no status, a success status or a nonsense one: 403", async () => {
  for (const status of [0, 200, 302, 999, 4294967295]) {
    const { plugin } = await authz(answer({ allowed: false, status }));
    const result = await plugin.httpStream(request());
    assert.equal(result.localResponse.status, 403, `status ${status}`);
    assert.equal(result.response.body, "denied\n");
  }
});

test("an empty answer is a denial (allowed defaults to false in proto3)", async () => {
  const { plugin } = await authz({ message: new Uint8Array(0) });
  assert.equal((await plugin.httpStream(request())).localResponse.status, 403);
});

test("gRPC errors and timeouts fail closed with statusOnError, or open with failOpen", async () => {
  // The server's status and message, and what the filter reads as Envoy words it: the message as the server
  // sent it in grpc-message (grpc-js percent-encodes spaces) with Envoy's {details}. A call past timeoutMs
  // (the handler never answers) is closed by Envoy with UNAVAILABLE.
  const failures = [
    [{ status: 14, statusMessage: "authz store down" }, 14, "authz%20store%20down{via_upstream}"],
    [{ status: 12, statusMessage: "unknown service authz.v1.Check" }, 12, "unknown%20service%20authz.v1.Check{via_upstream}"],
    [() => "pending", 14, "upstream request timeout{response_timeout}"],
  ];
  for (const [handler, status, seen] of failures) {
    const closed = await authz(handler);
    const denied = await closed.plugin.httpStream(request());
    assert.equal(denied.localResponse.status, 503, `status ${status}`);
    assert.equal(denied.response.body, "authorization unavailable\n");
    assert.ok(
      denied.logs.some((l) => l.level === "warn" && l.message === `grpc-call: check failed, denying: gRPC status ${status} ${seen}`),
      JSON.stringify(denied.logs),
    );

    const open = await authz(handler, withConfig({ failOpen: true }));
    const allowed = await open.plugin.httpStream(request());
    assert.equal(allowed.localResponse, null);
    assert.equal(allowed.response.headers[0][1], "200");
    assert.ok(allowed.request, "the request reached the upstream");
  }
});

test("malformed answers are a failed check, never a trap: the VM serves the next request", async () => {
  const good = CheckResponse.encode(CheckResponse.create({ allowed: true, headers: [{ name: "x-user", value: "alice" }] })).finish();
  const malformed = [
    good.subarray(0, good.length - 2), // truncated inside the nested Header
    Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f), // a field longer than the message
    Uint8Array.of(0x22, 0x03, 0x0a, 0x05, 0x41), // a nested Header whose string runs past its end
    Uint8Array.of(0x0b, 0x0c), // a group (wire type 3)
    Uint8Array.of(0x08), // a varint that never comes
    Uint8Array.of(0x00, 0x01), // field number 0
    Uint8Array.of(0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // an 11-byte varint
  ];
  let next = 0;
  const { plugin } = await authz(() => (next < malformed.length ? { message: malformed[next++] } : { message: good }));
  for (let i = 0; i < malformed.length; i++) {
    const result = await plugin.httpStream(request());
    assert.equal(result.localResponse?.status, 503, `malformed answer ${i}`);
    assert.ok(
      result.logs.some((l) => l.message.includes("malformed protobuf")),
      JSON.stringify(result.logs),
    );
  }
  const result = await plugin.httpStream(request());
  assert.equal(header(result.request.headers, "x-user"), "alice");
});

test("unknown fields of a newer CheckResponse are skipped", async () => {
  const known = CheckResponse.encode(CheckResponse.create({ allowed: true })).finish();
  const extra = Uint8Array.of(0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x52, 0x02, 0x68, 0x69, 0x5d, 1, 2, 3, 4);
  const { plugin } = await authz({ message: new Uint8Array([...extra, ...known]) });
  assert.equal((await plugin.httpStream(request())).localResponse, null);
});

test("as in Envoy, a unary answer is the message alone: no close follows it", async () => {
  const { host, plugin } = await authz(() => "pending");
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(request().request.headers, true);
  const [call] = host.grpcCalls;
  call.receive(CheckResponse.encode(CheckResponse.create({ allowed: true })).finish());
  assert.equal(ctx.localResponse, null);
  assert.equal(ctx.continued.length, 1, "continued on the message alone");
  assert.throws(() => call.close(0), /already finished/);
  assert.equal(ctx.continued.length, 1);
  assert.equal(ctx.localResponse, null);
});

test("a refused call (the cluster is unknown to the host) fails closed, or open with failOpen", async () => {
  const closed = await startPlugin(withConfig({ cluster: "missing" }));
  const denied = await closed.plugin.httpStream(request());
  assert.equal(denied.localResponse.status, 503);
  assert.ok(
    denied.logs.some((l) => l.level === "error" && l.message.includes("the call to cluster missing was refused")),
    JSON.stringify(denied.logs),
  );
  const open = await startPlugin(withConfig({ cluster: "missing", failOpen: true }));
  assert.equal((await open.plugin.httpStream(request())).localResponse, null);
});

test("configurations that cannot be applied safely are refused with what to fix", async () => {
  const cases = [
    ["{}", '"cluster" is required'],
    ['{"cluster": ""}', '"cluster" is required'],
    ['{"cluster": 5}', '"cluster" must be a string'],
    ['{"cluster": "authz", "timeoutMs": 0}', '"timeoutMs" must be 1 to 60000'],
    ['{"cluster": "authz", "timeoutMs": "500"}', '"timeoutMs" must be a number'],
    ['{"cluster": "authz", "failOpen": "yes"}', '"failOpen" must be true or false'],
    ['{"cluster": "authz", "statusOnError": 200}', '"statusOnError" must be an HTTP error status'],
    ['{"cluster": "authz", "headers": "authorization"}', '"headers" must be an array'],
    ['{"cluster": "authz", "headers": ["Authorization"]}', '"headers"[0] must be a lowercase header name'],
    ['{"cluster": "authz", "headers": [1]}', '"headers" must be an array of strings'],
    ["not json", "bad JSON"],
    ["[1]", "invalid configuration: not an object"],
  ];
  for (const [config, message] of cases) {
    const host = new Host();
    await assert.rejects(startPlugin(config, { host }), /proxy_on_configure/, config);
    const refusals = host.logs.filter((l) => l.level === "critical" || l.level === "error");
    assert.equal(refusals.length, 1, `one line for ${config}: ${JSON.stringify(refusals)}`);
    assert.ok(refusals[0].message.includes(message), `${config}: ${JSON.stringify(host.logs.map((l) => l.message))}`);
  }
});
