// The add-header example, built and run in the host emulator as a user's test would.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileCached } from "../../cli/asc.js";
import { packageRoot } from "../../cli/package-root.js";
import { Host } from "../../host/index.js";

let wasm: Uint8Array;
before(async () => {
  const dir = join(packageRoot, "examples", "add-header");
  wasm = await compileCached({ entry: join(dir, "assembly", "index.ts"), config: join(dir, "asconfig.json") });
});

test("adds x-hello: world to the response and leaves the request alone", async () => {
  const vm = await new Host().loadVm(wasm);
  const plugin = vm.startPlugin({});
  const request = { headers: [[":method", "GET"], [":path", "/"], [":authority", "example.com"], [":scheme", "http"]] as [string, string][] };
  const r = await plugin.httpStream({ request, response: { headers: [[":status", "200"]], body: "hi" } });
  // Forwarded as sent, with what Envoy's connection manager adds to every request.
  assert.deepEqual(r.request?.headers, [...request.headers, ["x-forwarded-proto", "http"], ["x-request-id", "00000000-0000-4000-8000-000000000001"]]);
  assert.deepEqual(r.response.headers, [[":status", "200"], ["x-hello", "world"]]);
  assert.equal(r.response.body, "hi");
});
