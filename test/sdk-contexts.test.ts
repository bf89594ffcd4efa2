// Many streams alive at once: each callback reaches its own context object, whatever the order streams are
// created, served and deleted in (the SDK's context table grows, reuses slots and keeps ids apart), and the
// module's memory is flat when the same churn runs again.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import type { HttpContext } from "../host/index.js";
import { prng } from "./helpers/prng.js";
import { buildFixture, get, header, startPlugin } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("http");
});

test("600 live streams served and deleted in random order each see only their own state", async () => {
  const { vm, plugin } = await startPlugin(wasm);
  const churn = (seed: number) => {
    const random = prng(seed);
    const live: { ctx: HttpContext; tag: string }[] = [];
    let served = 0;
    for (let round = 0; round < 4; round++) {
      // Open a batch of streams; the fixture remembers each one's `x-mode` in its context object.
      for (let i = 0; i < 600; i++) {
        const ctx = plugin.newHttpContext();
        const tag = `tag-${seed}-${round}-${i}`;
        ctx.onRequestHeaders(get("/", [["x-mode", tag]]), true);
        live.push({ ctx, tag });
      }
      // Finish a random ~two thirds of everything alive, in random order.
      for (let n = Math.floor((live.length * 2) / 3); n > 0; n--) {
        const [{ ctx, tag }] = live.splice(Math.floor(random() * live.length), 1);
        ctx.onResponseHeaders([[":status", "200"]], true);
        assert.equal(header(ctx.responseHeaders, "x-mode-seen"), tag, "a callback reached another stream's context");
        ctx.onLog();
        ctx.onDone();
        ctx.onDelete();
        served++;
      }
    }
    for (const { ctx, tag } of live.splice(0)) {
      ctx.onResponseHeaders([[":status", "200"]], true);
      assert.equal(header(ctx.responseHeaders, "x-mode-seen"), tag);
      ctx.onDone();
      ctx.onDelete();
      served++;
    }
    return served;
  };
  assert.equal(churn(7), 2400);
  const after = vm.memory.memory.buffer.byteLength;
  assert.equal(churn(7), 2400);
  assert.equal(vm.memory.memory.buffer.byteLength, after, "memory grew repeating the same churn");
  assert.equal(vm.failed, false);
});
