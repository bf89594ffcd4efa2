import { test } from "node:test";
import assert from "node:assert/strict";
import { exampleConfig, header, startPlugin } from "./plugin.mjs";

// config.example.json: headers ["authorization", "cookie"], upstreamHeaders ["x-user-id"], failOpen false.
const request = {
  headers: [
    [":method", "POST"],
    [":path", "/orders?page=2"],
    [":authority", "shop.example"],
    ["authorization", "Bearer abc"],
  ],
};
const response = { headers: [[":status", "200"]], body: "orders" };
const failOpen = JSON.stringify({ ...JSON.parse(exampleConfig), failOpen: true });
const failures = [{ failure: "timeout" }, { failure: "reset" }, { status: 502 }, { status: 503, body: "overloaded" }];

/** All values of header `name` in a [name, value] list. */
const values = (headers, name) => headers.filter(([n]) => n === name).map(([, v]) => v);

test("asks the service with the original method, path, host and credentials, then resumes the request on 200", async () => {
  const { host, plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response, callouts: { "auth-service": { status: 200 } } });
  assert.equal(result.localResponse, null);
  assert.equal(header(result.request.headers, "x-auth-checked"), "true");
  assert.equal(result.response.body, "orders");
  const [call] = host.callouts;
  assert.equal(call.cluster, "auth-service");
  assert.equal(header(call.headers, ":method"), "GET");
  assert.equal(header(call.headers, ":path"), "/check");
  assert.equal(header(call.headers, ":authority"), "auth.internal");
  assert.equal(header(call.headers, "x-forwarded-method"), "POST");
  assert.equal(header(call.headers, "x-forwarded-uri"), "/orders?page=2");
  assert.equal(header(call.headers, "x-forwarded-host"), "shop.example");
  assert.equal(header(call.headers, "authorization"), "Bearer abc");
});

test("forwards every value of a repeated configured header, and no header left out of the configuration", async () => {
  const { host, plugin } = await startPlugin();
  const headers = [...request.headers, ["cookie", "a=1"], ["x-secret", "s"], ["cookie", "b=2"]];
  await plugin.httpStream({ request: { headers }, response, callouts: { "auth-service": { status: 200 } } });
  const [call] = host.callouts;
  assert.deepEqual(values(call.headers, "cookie"), ["a=1", "b=2"]);
  assert.deepEqual(values(call.headers, "x-secret"), []);
});

test("an allowing answer's configured headers replace the client's own copies on the upstream request", async () => {
  const { plugin } = await startPlugin();
  const spoofed = { headers: [...request.headers, ["x-user-id", "admin"], ["x-user-id", "root"]] };
  const answer = {
    status: 204,
    headers: [
      ["x-user-id", "alice"],
      ["x-internal", "no"],
    ],
  };
  const result = await plugin.httpStream({ request: spoofed, response, callouts: { "auth-service": answer } });
  assert.equal(result.localResponse, null, "any 2xx allows");
  assert.deepEqual(values(result.request.headers, "x-user-id"), ["alice"]);
  assert.deepEqual(values(result.request.headers, "x-internal"), []);

  // An allowing answer without the header: the client's copy is still dropped.
  const silent = await plugin.httpStream({ request: spoofed, response, callouts: { "auth-service": { status: 200 } } });
  assert.deepEqual(values(silent.request.headers, "x-user-id"), []);
});

test("an answer header with CR/LF is refused: local 503, nothing forwarded", async () => {
  const { plugin } = await startPlugin();
  const answer = { status: 200, headers: [["x-user-id", "alice\r\nx-admin: true"]] };
  const result = await plugin.httpStream({ request, response, callouts: { "auth-service": answer } });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 503);
});

test("a denial passes the service's status and body through to the client", async () => {
  const { plugin } = await startPlugin();
  for (const [status, body] of [
    [401, "token expired\n"],
    [403, "not yours"],
    [302, ""],
  ]) {
    const result = await plugin.httpStream({ request, response, callouts: { "auth-service": { status, body } } });
    assert.equal(result.request, null, String(status));
    assert.equal(result.localResponse.status, status);
    assert.equal(result.localResponse.body, body);
  }
});

test("a timed-out or reset call, a 5xx from the service, or an unknown cluster: local 503 (fails closed)", async () => {
  const { plugin } = await startPlugin();
  for (const answer of failures) {
    const failed = await plugin.httpStream({ request, response, callouts: { "auth-service": answer } });
    assert.equal(failed.request, null, JSON.stringify(answer));
    assert.equal(failed.localResponse.status, 503, JSON.stringify(answer));
    assert.equal(failed.localResponse.body, "authorization service unavailable\n");
  }
  const unknown = await plugin.httpStream({ request, response });
  assert.equal(unknown.localResponse.status, 503);
});

test("failOpen: each failure lets the request through with a warning, without the client's upstream headers", async () => {
  const { plugin } = await startPlugin(failOpen);
  const spoofed = { headers: [...request.headers, ["x-user-id", "admin"]] };
  for (const callouts of [...failures.map((answer) => ({ "auth-service": answer })), {}]) {
    const result = await plugin.httpStream({ request: spoofed, response, callouts });
    const what = JSON.stringify(callouts);
    assert.equal(result.localResponse, null, what);
    assert.equal(result.response.body, "orders", what);
    assert.deepEqual(values(result.request.headers, "x-user-id"), [], what);
    assert.equal(header(result.request.headers, "x-auth-checked"), undefined, what);
    assert.ok(
      result.logs.some((l) => l.level === "warn" && l.message.includes("failOpen")),
      `${what}: ${JSON.stringify(result.logs)}`,
    );
  }
  // failOpen never overrules a denial.
  const denied = await plugin.httpStream({ request, response, callouts: { "auth-service": { status: 401 } } });
  assert.equal(denied.localResponse.status, 401);
});

test("the call's timeout is timeoutMs; Envoy's 504 at that deadline gives 503, or the request with failOpen", async () => {
  const config = (open) => JSON.stringify({ ...JSON.parse(exampleConfig), timeoutMs: 50, failOpen: open });
  const timedOut = { "auth-service": { failure: "timeout" } };
  const { host, plugin } = await startPlugin(config(false));
  const closed = await plugin.httpStream({ request, response, callouts: timedOut });
  assert.equal(host.callouts[0].timeoutMs, 50);
  assert.equal(closed.localResponse.status, 503);
  const open = await (await startPlugin(config(true))).plugin.httpStream({ request, response, callouts: timedOut });
  assert.equal(open.localResponse, null);
  assert.equal(open.response.body, "orders");
});

test("configured header names match whatever their case", async () => {
  const config = JSON.stringify({ headers: ["Cookie"], upstreamHeaders: ["X-User-Id"] });
  const { host, plugin } = await startPlugin(config);
  const headers = [...request.headers, ["cookie", "a=1"], ["x-user-id", "admin"]];
  const result = await plugin.httpStream({ request: { headers }, response, callouts: { "auth-service": { status: 200, headers: [["x-user-id", "alice"]] } } });
  assert.deepEqual(values(host.callouts[0].headers, "cookie"), ["a=1"]);
  assert.deepEqual(values(result.request.headers, "x-user-id"), ["alice"]);
});
