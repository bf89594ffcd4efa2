import { test } from "node:test";
import assert from "node:assert/strict";
import { header, startPlugin } from "./plugin.mjs";

const base = [[":method", "GET"], [":path", "/account"], [":authority", "example.com"]];
const response = { headers: [[":status", "200"]], body: "account data" };

test("no credentials: local 401 asking for a bearer token; nothing reaches the upstream", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: base }, response });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 401);
  assert.equal(header(result.response.headers, "www-authenticate"), "Bearer");
});

test("a wrong token: local 403, logged", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: [...base, ["authorization", "Bearer nope"]] }, response });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 403);
  assert.ok(result.logs.some((l) => l.level === "warn" && /invalid credentials/.test(l.message)));
});

test("the right token: forwarded without the credential header", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: [...base, ["authorization", "Bearer secret-token"]] }, response });
  assert.equal(result.localResponse, null);
  assert.equal(header(result.request.headers, "authorization"), undefined);
  assert.equal(result.response.body, "account data");
});
