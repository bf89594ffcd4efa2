import { test } from "node:test";
import assert from "node:assert/strict";
import { startPlugin } from "./plugin.mjs";

const request = {
  headers: [
    [":method", "GET"],
    [":path", "/"],
    [":authority", "example.com"],
  ],
};

test("logs the request and lets it through unchanged", async () => {
  const { plugin } = await startPlugin();
  const result = await plugin.httpStream({ request, response: { headers: [[":status", "200"]], body: "hi" } });
  assert.equal(result.localResponse, null);
  assert.equal(result.response.body, "hi");
  assert.deepEqual(
    result.logs.filter((l) => l.message.startsWith("minimal:")),
    [{ level: "info", message: `minimal: request with ${result.request.headers.length} headers` }],
  );
});
