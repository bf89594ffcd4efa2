// Memory handed to and received from the host neither leaks nor is freed early: 100,000 requests through one
// VM with a filter that reads and writes headers and bodies, and the module's memory stops growing after
// warm-up (the SDK collects garbage between callbacks; see sdk/dispatcher.ts).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { buildFixture, startPlugin, get, header } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("http");
});

test("100,000 requests reading and writing headers and bodies: memory flat after warm-up", async (t) => {
  const { vm, plugin } = await startPlugin(wasm);
  const memory = () => vm.memory.memory.buffer.byteLength;
  const body = "x".repeat(3000);
  const serve = async (i: number) => {
    const mode = i % 2 === 0 ? "headers" : "body";
    const r = await plugin.httpStream({
      request: {
        headers: get(`/req/${i}`, [
          ["x-mode", mode],
          ["x-replace", "a"],
          ["x-remove", "b"],
        ]),
        bodyChunks: [body, `#${i}`],
      },
      response: { headers: [[":status", "200"]], bodyChunks: ["resp", String(i)] },
    });
    return { mode, r };
  };
  for (let i = 0; i < 5_000; i++) await serve(i);
  const warm = memory();
  for (let i = 5_000; i < 100_000; i++) {
    const { mode, r } = await serve(i);
    // Spot checks: data the host received back is intact (nothing freed while in use).
    if (i % 10_007 === 0) {
      if (mode === "body") assert.equal(r.request?.body, `${body.toUpperCase()}#${i} (${body.length + String(i).length + 1} bytes)`);
      else assert.equal(header(r.request!.headers, "x-replace"), "new");
      assert.equal(r.response.body, mode === "body" ? `<resp${i}>` : `resp${i}`);
    }
  }
  t.diagnostic(`module memory after warm-up and after 100,000 requests: ${warm} / ${memory()} bytes`);
  assert.equal(memory(), warm, `memory grew from ${warm} to ${memory()} bytes after warm-up`);
});
