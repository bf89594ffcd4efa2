import { test } from "node:test";
import assert from "node:assert/strict";
import { header, startPlugin } from "./plugin.mjs";

const request = { headers: [[":method", "GET"], [":path", "/orders"], [":authority", "shop.example"], ["authorization", "Bearer abc"]] };
const response = { headers: [[":status", "200"]], body: "orders" };

test("asks the service with the client's credentials, then resumes the request on 200", async () => {
  const { host, plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response, callouts: { "auth-service": { status: 200 } } });
  assert.equal(result.localResponse, null);
  assert.equal(header(result.request.headers, "x-auth-checked"), "true");
  assert.equal(result.response.body, "orders");
  const [call] = host.callouts;
  assert.equal(call.cluster, "auth-service");
  assert.equal(header(call.headers, ":path"), "/check");
  assert.equal(header(call.headers, "authorization"), "Bearer abc");
});

test("another answer from the service: local 403", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response, callouts: { "auth-service": { status: 401 } } });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 403);
});

test("a timed-out call or an unknown cluster: local 503", async () => {
  const { plugin } = await startPlugin();
  const timeout = await plugin.httpStream({ request, response, callouts: { "auth-service": { failure: "timeout" } } });
  assert.equal(timeout.localResponse.status, 503);
  const unknown = await plugin.httpStream({ request, response });
  assert.equal(unknown.localResponse.status, 503);
});
