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

test("a timed-out or reset call, a 5xx from the service, or an unknown cluster: local 503 (fails closed)", async () => {
  const { plugin } = await startPlugin();
  for (const answer of [{ failure: "timeout" }, { failure: "reset" }, { status: 502 }]) {
    const failed = await plugin.httpStream({ request, response, callouts: { "auth-service": answer } });
    assert.equal(failed.request, null, JSON.stringify(answer));
    assert.equal(failed.localResponse.status, 503, JSON.stringify(answer));
    assert.equal(failed.localResponse.body, "authorization service unavailable\n");
  }
  const unknown = await plugin.httpStream({ request, response });
  assert.equal(unknown.localResponse.status, 503);
});
