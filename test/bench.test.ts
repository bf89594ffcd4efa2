// Smoke test of the emulator bench (bench/run.ts, the first of `npm run bench`; the others: bench-push-pull and
// envoy-bench): the quick mode builds every module, checks each does the benchmark's work, and prints a row per
// module in each table with numeric figures, and the size of every example. No assertion on a time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../cli/package-root.js";

const modules: [group: string, name: string][] = [
  ["add-header", "raw ABI, no GC (baseline)"],
  ["add-header", "raw ABI, minimal GC runtime"],
  ["add-header", "raw ABI + an object per stream, minimal GC"],
  ["add-header", "as-proxy-wasm (add-header without config)"],
  ["add-header", "@solo-io/proxy-runtime 0.1.8 (asc 0.17)"],
  ["heavy", "raw ABI, no GC (baseline)"],
  ["heavy", "as-proxy-wasm"],
];

// Every gallery example, as the bench finds them.
const examples = readdirSync(join(packageRoot, "examples"))
  .filter((name) => existsSync(join(packageRoot, "examples", name, "example.json")))
  .sort();

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

async function bench(...flags: string[]): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ["--import", "./scripts/tsx.mjs", "bench/run.ts", "--quick", ...flags], {
    cwd: packageRoot,
  });
  assert.equal(stderr, "");
  return stdout;
}

// The two report tests read one run.
let report: Promise<string> | undefined;
const quickReport = () => (report ??= bench());

test("bench --quick prints sizes, host and guest-only costs with ratios for every module", async () => {
  const stdout = await quickReport();
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

test("bench --quick prints the release size of every example beside the 6,144-byte target", async () => {
  const stdout = await quickReport();
  const table = stdout.split("\n\n").find((block) => block.startsWith("Example sizes"));
  assert.ok(table, stdout);
  assert.ok(examples.length >= 11, examples.join(", "));
  for (const name of examples) {
    const match = new RegExp(`^  ${escape(name)}\\s+(\\d[\\d,]*)\\s+(\\d+\\.\\d\\d)×$`, "m").exec(table);
    assert.ok(match, `no row for ${name} in:\n${table}`);
    const bytes = Number(match[1]!.replaceAll(",", ""));
    assert.ok(bytes > 0, match[0]);
    assert.equal(match[2], (bytes / 6144).toFixed(2), `${name}: its ratio to 6,144 bytes`);
  }
});

test("bench --json prints the figures of every module and the size of every example; --save writes them too", async () => {
  const dir = await mkdtemp(join(tmpdir(), "bench-save-"));
  const saved = join(dir, "figures.json");
  const printed = await bench("--json", "--save", saved);
  const figures = JSON.parse(printed) as { modules: Record<string, unknown>[]; examples: { name: string; bytes: number }[] };
  assert.equal(await readFile(saved, "utf8"), printed, "the file holds what was printed (what bench/all.ts gathers)");
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(
    figures.modules.map((f) => [f.group, f.name]),
    modules,
  );
  for (const f of figures.modules) {
    assert.match(String(f.abiVersion), /^0\.2\.[01]$/);
    for (const key of ["bytes", "hostNs", "guestNs"]) assert.ok(typeof f[key] === "number" && f[key] > 0, `${key} of ${f.name}`);
  }
  assert.deepEqual(
    figures.examples.map((e) => e.name),
    examples,
  );
  for (const e of figures.examples) assert.ok(Number.isInteger(e.bytes) && e.bytes > 0, `bytes of ${e.name}`);
});
