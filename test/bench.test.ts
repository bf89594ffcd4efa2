// Smoke test of `npm run bench`: the quick mode builds every module, checks each does the benchmark's work,
// and prints a row per module in each table with numeric figures. No assertion on a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { packageRoot } from "../cli/package-root.js";

const modules: [group: string, name: string][] = [
  ["add-header", "raw ABI, no GC (baseline)"],
  ["add-header", "raw ABI, minimal GC runtime"],
  ["add-header", "as-proxy-wasm (add-header without config)"],
  ["add-header", "@solo-io/proxy-runtime 0.1.8 (asc 0.17)"],
  ["heavy", "raw ABI, no GC (baseline)"],
  ["heavy", "as-proxy-wasm"],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function bench(...flags: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", "bench/run.ts", "--quick", ...flags], { cwd: packageRoot });
  assert.equal(stderr, "");
  return stdout;
}

test("bench --quick prints sizes, host and guest-only costs with ratios for every module", async () => {
  const stdout = await bench();
  const tables = stdout.split("\n\n").filter((block) => /^(Module size|Per request)/.test(block));
  assert.equal(tables.length, 3, stdout);
  for (const [index, table] of tables.entries()) {
    for (const [group, name] of modules) {
      // The size table has an ABI version column; every table ends with the figure and its ratio to raw.
      const abi = index === 0 ? "0\\.2\\.[01]\\s+" : "";
      const row = new RegExp(`^  ${group}\\s+${escape(name)}\\s+${abi}(\\d[\\d,]*)\\s+(\\d+\\.\\d\\d)×$`, "m");
      const match = row.exec(table);
      assert.ok(match, `no row for ${group} / ${name} in:\n${table}`);
      assert.ok(Number(match[1]!.replaceAll(",", "")) > 0, match[0]);
      if (name.includes("baseline")) assert.equal(match[2], "1.00", match[0]);
    }
  }
  assert.match(stdout, /^Targets \(DESIGN\.md\)/m);
});

test("bench --json prints the figures of every module", async () => {
  const figures = JSON.parse(await bench("--json")) as Record<string, unknown>[];
  assert.deepEqual(figures.map((f) => [f.group, f.name]), modules);
  for (const f of figures) {
    assert.match(String(f.abiVersion), /^0\.2\.[01]$/);
    for (const key of ["bytes", "hostNs", "guestNs"]) assert.ok(typeof f[key] === "number" && f[key] > 0, `${key} of ${f.name}`);
  }
});
