import { test } from "node:test";
import assert from "node:assert/strict";
import { header, startPlugin } from "./plugin.mjs";

const request = { headers: [[":method", "GET"], [":path", "/"], [":authority", "example.com"]] };
const response = { headers: [[":status", "200"], ["x-powered-by", "php"], ["content-type", "text/plain"]], body: "hi" };

test("adds the configured header to the response and removes the other one", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response });
  assert.equal(header(result.response.headers, "x-hello"), "world");
  assert.equal(header(result.response.headers, "x-powered-by"), undefined);
  assert.equal(result.response.body, "hi");
});

test("tells the upstream whether the client sent x-request-id", async () => {
  const { plugin } = await startPlugin();
  const without = await plugin.httpStream({ request, response });
  assert.equal(header(without.request.headers, "x-request-id-seen"), "false");
  const withId = await plugin.httpStream({ request: { headers: [...request.headers, ["x-request-id", "42"]] }, response });
  assert.equal(header(withId.request.headers, "x-request-id-seen"), "true");
});

test("uses another header when configured", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ name: "x-team", value: "edge", remove: "" }));
  const result = await plugin.httpStream({ request, response });
  assert.equal(header(result.response.headers, "x-team"), "edge");
  assert.equal(header(result.response.headers, "x-powered-by"), "php");
});
