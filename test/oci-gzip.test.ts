// The compat layer's gzip: 4 MiB members compressed at once over the tar's parts. What readers see is the
// archive, whole (GNU gzip, Node's zlib); a module under 4 MiB gives one member, the bytes a plain gzip -9 gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { gunzipSync, gzipSync } from "node:zlib";
import { gzipDeterministic } from "../cli/oci/gzip.js";
import { prngBytes } from "./helpers/prng.js";

const bytes = (length: number, seed: number) => prngBytes(length, seed, 16);

test("parts straddling member boundaries: gzip -dc and zlib read back the concatenation", async () => {
  const parts = [bytes(512, 1), bytes(5 * 1024 * 1024 + 77, 2), bytes(3 * 1024 * 1024, 3), Buffer.alloc(1536)];
  const whole = Buffer.concat(parts);
  const gz = Buffer.from(await gzipDeterministic(parts));
  assert.ok(gunzipSync(gz).equals(whole), "zlib");
  assert.ok(execFileSync("gzip", ["-dc"], { input: gz, maxBuffer: 64 << 20 }).equals(whole), "GNU gzip");
  // Three members (9 MiB in 4 MiB slices), each with the fixed header: no mtime, OS byte 255.
  const headers = [...gz.toString("latin1").matchAll(/\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff/g)].length;
  assert.equal(headers, 3);
  assert.ok(Buffer.from(await gzipDeterministic(parts)).equals(gz), "same parts, same bytes");
});

test("under 4 MiB: one member, byte for byte gzip -9 with the OS byte set to 255", async () => {
  const parts = [bytes(512, 4), bytes(100_000, 5), Buffer.alloc(1024)];
  const expected = gzipSync(Buffer.concat(parts), { level: 9 });
  expected[9] = 255;
  assert.ok(Buffer.from(await gzipDeterministic(parts)).equals(expected));
});
