import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "as-proxy-wasm/host";
import { exampleConfig, header, startPlugin } from "./plugin.mjs";

const base = [
  [":method", "GET"],
  [":path", "/account"],
  [":authority", "example.com"],
];
const response = { headers: [[":status", "200"]], body: "account data" };
const token = JSON.parse(exampleConfig).token;

test("no credentials: local 401 asking for a bearer token; nothing reaches the upstream", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: base }, response });
  assert.equal(result.request, null);
  assert.equal(result.localResponse.status, 401);
  assert.equal(header(result.response.headers, "www-authenticate"), "Bearer");
});

test("a wrong token: local 403, logged", async () => {
  const { plugin } = await startPlugin();
  for (const wrong of ["Bearer nope", `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, ""]) {
    const result = await plugin.httpStream({ request: { headers: [...base, ["authorization", wrong]] }, response });
    assert.equal(result.request, null, wrong);
    assert.equal(result.localResponse.status, 403, wrong);
  }
  const result = await plugin.httpStream({ request: { headers: [...base, ["authorization", "Bearer nope"]] }, response });
  assert.ok(result.logs.some((l) => l.level === "warn" && /invalid credentials/.test(l.message)));
});

test("the right token: forwarded without the credential header", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request: { headers: [...base, ["authorization", `Bearer ${token}`]] }, response });
  assert.equal(result.localResponse, null);
  assert.equal(header(result.request.headers, "authorization"), undefined);
  assert.equal(result.response.body, "account data");
});

test("a configuration without a usable token is refused: no built-in token is ever accepted", async () => {
  for (const config of ["", "not json", "{}", '{"token": ""}', '{"tokn": "abc"}', '{"token": 42}', '{"header": "authorization"}']) {
    const host = new Host();
    await assert.rejects(startPlugin(config, { host }), /refused its configuration/, config);
    assert.ok(
      host.logs.some((l) => l.level === "critical" && /needs a non-empty "token"/.test(l.message)),
      config,
    );
  }
});

test("a custom header carries the token", async () => {
  const { plugin } = await startPlugin(JSON.stringify({ header: "X-Api-Key", token: "k-123" }));
  const ok = await plugin.httpStream({ request: { headers: [...base, ["x-api-key", "Bearer k-123"]] }, response });
  assert.equal(ok.localResponse, null);
  assert.equal(header(ok.request.headers, "x-api-key"), undefined);
  const missing = await plugin.httpStream({ request: { headers: [...base, ["authorization", "Bearer k-123"]] }, response });
  assert.equal(missing.localResponse.status, 401);
});
