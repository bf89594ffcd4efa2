// Smoke test of the push/pull bench: one round on 1 MiB modules (the real oras CLI, built once from the Go
// module proxy, against the local registry) gives a row per size, variant and operation with figures and a
// ratio. No assertion on a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { packageRoot } from "../cli/package-root.js";
import type { Row } from "../bench/push-pull/run.js";

test("bench/push-pull --quick --json: ours and oras side by side for push, push again and pull of both variants", async () => {
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    ["--import", "./scripts/tsx.mjs", "bench/push-pull/run.ts", "--quick", "--sizes", "1", "--json"],
    {
      cwd: packageRoot,
      timeout: 300_000,
    },
  );
  assert.equal(stderr, "", "no skip note: oras and the registry ran");
  const { rows, machine } = JSON.parse(stdout) as { rows: Row[]; machine: string };
  assert.match(machine, /Node v\d+.*oras v\d+\.\d+\.\d+/);
  assert.deepEqual(
    rows.map((r) => `${r.sizeMiB} ${r.variant} ${r.operation}`),
    ["1 oci push", "1 oci push again", "1 oci pull", "1 compat push", "1 compat push again", "1 compat pull"],
  );
  for (const row of rows) {
    assert.ok(row.oursSeconds > 0 && row.orasSeconds > 0, JSON.stringify(row));
    assert.ok(Number.isFinite(row.ratio) && row.ratio > 0, JSON.stringify(row));
  }
});
