import { test } from "node:test";
import assert from "node:assert/strict";
import { header, startPlugin } from "./plugin.mjs";

const request = {
  headers: [
    [":method", "GET"],
    [":path", "/"],
    [":authority", "example.com"],
  ],
};
const response = {
  headers: [
    [":status", "200"],
    ["x-powered-by", "php"],
    ["content-type", "text/plain"],
  ],
  body: "hi",
};

test("adds the configured header to the response and removes the other one", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response });
  assert.equal(header(result.response.headers, "x-hello"), "world");
  assert.equal(header(result.response.headers, "x-powered-by"), undefined);
  assert.equal(result.response.body, "hi");
});

test("echoes the request id on the response: the client's, or the one the proxy gave the request", async () => {
  const { plugin } = await startPlugin();
  const given = await plugin.httpStream({ request, response });
  const id = header(given.request.headers, "x-request-id");
  assert.ok(id, "the connection manager gave the request an id");
  assert.equal(header(given.response.headers, "x-request-id"), id);
  const withId = await plugin.httpStream({ request: { headers: [...request.headers, ["x-request-id", "42"]] }, response });
  assert.equal(header(withId.request.headers, "x-request-id"), "42");
  assert.equal(header(withId.response.headers, "x-request-id"), "42");
});

test("uses another header when configured", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ name: "x-team", value: "edge", remove: "" }));
  const result = await plugin.httpStream({ request, response });
  assert.equal(header(result.response.headers, "x-team"), "edge");
  assert.equal(header(result.response.headers, "x-powered-by"), "php");
});

test("leaves the request alone: forwarded as sent, with only what the proxy adds to every request", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: [...request.headers, ["x-request-id", "42"]] }, response });
  assert.deepEqual(result.request.headers, [...request.headers, ["x-request-id", "42"], ["x-forwarded-proto", "http"]]);
  assert.deepEqual(result.response.headers, [
    [":status", "200"],
    ["content-type", "text/plain"],
    ["x-hello", "world"],
    ["x-request-id", "42"],
  ]);
});
