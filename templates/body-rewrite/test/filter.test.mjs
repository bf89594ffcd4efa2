import { test } from "node:test";
import assert from "node:assert/strict";
import { header, startPlugin } from "./plugin.mjs";

const request = { headers: [[":method", "GET"], [":path", "/"], [":authority", "example.com"]] };
const html = [[":status", "200"], ["content-type", "text/html"], ["content-length", "60"]];

test("rewrites every match in a text body, also across chunks, and drops content-length", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({
    request,
    response: { headers: html, bodyChunks: ['<a href="ht', 'tp://a.example">a</a> <a href="http://b.example">b</a>'] },
  });
  assert.equal(result.response.body, '<a href="https://a.example">a</a> <a href="https://b.example">b</a>');
  assert.equal(header(result.response.headers, "content-length"), undefined);
});

test("leaves other content types alone", async () => {
  const { plugin } = await startPlugin();
  const body = "http://binary";
  const result = await plugin.httpStream({ request, response: { headers: [[":status", "200"], ["content-type", "image/png"]], body } });
  assert.equal(result.response.body, body);
});

test("uses the configured strings", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ from: "cat", to: "dog" }));
  const result = await plugin.httpStream({ request, response: { headers: [[":status", "200"], ["content-type", "application/json"]], body: '{"pet":"cat"}' } });
  assert.equal(result.response.body, '{"pet":"dog"}');
});
