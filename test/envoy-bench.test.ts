// Smoke test of the Envoy bench (`npm run bench:envoy -- --quick`): every row is built (the SDK's, the raw
// modules, proxy-runtime with assemblyscript 0.17, the Go SDK with the machine's Go, Lua), proves in a real
// Envoy that each of its 20 chained filters does the work, and gets figures from one short round; the six
// Envoy targets come out with a ratio each. No assertion on a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { packageRoot } from "../cli/package-root.js";
import type { Row } from "../bench/envoy/run.js";
import { envoyTargets } from "../bench/targets.js";
import { envoyForTests } from "./helpers/envoy.js";

const envoy = envoyForTests();

const implementations = ["Envoy Lua filter", "raw ABI, no GC", "as-proxy-wasm", "@solo-io/proxy-runtime", "Go SDK"];

test("bench:envoy --quick: every implementation of both filters runs in Envoy, chained 20 times, with figures", { skip: envoy.skip }, async () => {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "./scripts/tsx.mjs", "bench/envoy/run.ts", "--quick", "--json"], {
    cwd: packageRoot,
    env: { ...process.env, ENVOY_BIN: envoy.binary },
    timeout: 600_000,
    maxBuffer: 1 << 24,
  });
  assert.equal(stderr, "", "no row skipped: every module built and did its work in Envoy");
  const { meta, rows } = JSON.parse(stdout) as { meta: { envoy: string; stack: number }; rows: Row[] };
  assert.match(meta.envoy, /^\d+\.\d+\.\d+$/);
  assert.equal(meta.stack, 20);
  assert.deepEqual(
    rows.map((r) => r.group),
    ["none", ...implementations.map(() => "add-header"), ...implementations.map(() => "heavy")],
  );
  for (const [i, name] of [...implementations, ...implementations].entries()) assert.ok(rows[i + 1]!.name.startsWith(name), rows[i + 1]!.name);
  for (const row of rows) {
    const what = `${row.group} / ${row.name}`;
    assert.equal(row.skipped, undefined, what);
    assert.ok(row.requestsPerSecond! > 0 && row.cpuUsPerRequest! > 0, what);
    assert.equal(row.errors, 0, `${what}: every request answered 2xx`);
    if (row.kind === "none") continue;
    assert.ok(Number.isFinite(row.addedP50Us) && Number.isFinite(row.addedCpuUs), what);
    if (row.kind === "wasm") {
      assert.ok(row.bytes! > 0, what);
      assert.equal(
        row.wasmStats?.["wasm.envoy.wasm.runtime.v8.active"],
        "3",
        `${what}: one VM per thread and the configuration's, the 20 filters sharing them`,
      );
    }
  }
  const targets = envoyTargets({ rows });
  assert.equal(targets.length, 6);
  for (const t of targets) assert.doesNotMatch(t.measured, /^not measured/, t.target);
});
