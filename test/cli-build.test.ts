import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { writeAtomically } from "../cli/atomic-write.js";
import { memoryIo } from "../cli/io.js";

const tmp = await mkdtemp(join(tmpdir(), "cli-build-"));
test.after(() => rm(tmp, { recursive: true, force: true }));

/** A fresh copy of the raw-filter fixture project (its own asconfig.json, no SDK). */
async function project(name: string): Promise<string> {
  const dir = join(tmp, name);
  await cp(join(import.meta.dirname, "fixtures/cli/raw-filter"), dir, { recursive: true, filter: (src) => !src.includes("/build") });
  return dir;
}

async function build(args: string[], cwd = tmp) {
  const { io, stdout, stderr } = memoryIo({ cwd });
  const code = await runCli(["build", ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

test("builds, skips when unchanged, and a failed rebuild keeps the previous artifact", async () => {
  const dir = await project("ok");
  const first = await build([], dir);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^build\/plugin\.wasm: [\d,]+ bytes, ABI 0\.2\.1 \(built in [\d.]+s\)\n$/);
  const artifact = await readFile(join(dir, "build/plugin.wasm"));
  assert.deepEqual([...artifact.subarray(0, 4)], [0, 0x61, 0x73, 0x6d]);

  const again = await build(["ok", "--json"]);
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(again.stdout);
  assert.equal(report.upToDate, true);
  assert.equal(report.output, "ok/build/plugin.wasm");
  assert.equal(report.size, artifact.length);
  assert.equal(report.abiVersion, "0.2.1");
  assert.match(report.sha256, /^[0-9a-f]{64}$/);

  // A changed source is compiled again; this one fails with file:line:column, and the old module stays.
  const source = join(dir, "assembly/index.ts");
  await writeFile(source, `${await readFile(source, "utf8")}\nexport function broken(): i32 {\n  return missing;\n}\n`);
  const failed = await build(["ok"]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^ok\/assembly\/index\.ts:\d+:10: error TS2304: Cannot find name 'missing'\./m);
  assert.match(failed.stderr, /return missing;/);
  assert.match(failed.stderr, /^error: build failed: 1 compile error\(s\)$/m);
  assert.deepEqual(await readFile(join(dir, "build/plugin.wasm")), artifact);
});

test("a module Envoy would refuse fails the build with the reason and writes nothing", async () => {
  const dir = await project("abort");
  // Without the abort alias, AssemblyScript imports env.abort, which no host provides.
  const config = JSON.parse(await readFile(join(dir, "asconfig.json"), "utf8"));
  delete config.options.use;
  await writeFile(join(dir, "asconfig.json"), JSON.stringify(config));
  const { code, stdout, stderr } = await build(["abort", "--debug"]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.match(stderr, /✗ not loadable by Envoy\/Istio:\n {2}- imports env\.abort, which hosts do not provide/);
  assert.match(stderr, /^error: build failed: Envoy\/Istio would refuse this module/m);
  await assert.rejects(readFile(join(dir, "build/plugin.wasm")), { code: "ENOENT" });
});

test("-o and --debug: a module with names at the given path; --quiet prints nothing", async () => {
  const dir = await project("debug");
  const { code, stdout, stderr } = await build([dir, "-o", "out/debug.wasm", "--debug", "--quiet"]);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "");
  const inspected = memoryIo({ cwd: tmp });
  assert.equal(await runCli(["inspect", "out/debug.wasm", "--json"], inspected.io), 0);
  const report = JSON.parse(inspected.stdout());
  assert.ok(report.customSections.some((s: { name: string }) => s.name === "name"), "debug build keeps the name section");
});

test("project errors are one-line usage errors", async () => {
  const noEntry = await project("no-entry");
  await rm(join(noEntry, "assembly"), { recursive: true });
  const badJson = await project("bad-json");
  await writeFile(join(badJson, "asconfig.json"), "{ nope");
  const entries = await project("entries");
  await writeFile(join(entries, "asconfig.json"), JSON.stringify({ entries: ["assembly/index.ts"] }));
  const cases: [string, RegExp][] = [
    ["missing-dir", /^error: missing-dir: no such project directory\n$/],
    ["no-entry", /^error: no-entry\/assembly\/index\.ts: entry file not found \(set "ascMain" in package\.json/],
    ["bad-json", /^error: bad-json\/asconfig\.json: invalid JSON: /],
    ["entries", /^error: entries\/asconfig\.json: remove "entries"/],
  ];
  // -o naming a directory: refused before compiling, nothing written beside it.
  const outDir = await project("out-dir");
  const { code, stderr } = await build([outDir, "-o", "out-dir/assembly"]);
  assert.equal(code, 2);
  assert.equal(stderr, "error: -o out-dir/assembly: is a directory; name the module file, e.g. -o out-dir/assembly/plugin.wasm\n");
  assert.deepEqual((await readdir(outDir)).filter((f) => f.endsWith(".tmp")), []);
  for (const [dir, message] of cases) {
    const { code, stderr } = await build([dir]);
    assert.equal(code, 2, dir);
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

test("an atomic write that fails leaves no temporary file", async () => {
  const dir = await mkdtemp(join(tmp, "atomic-"));
  await assert.rejects(writeAtomically(dir, "bytes"), { code: "EISDIR" });
  assert.deepEqual(await readdir(tmp).then((names) => names.filter((f) => f.endsWith(".tmp"))), []);
});

test("a project whose dependencies are not installed gets a hint to run npm install", async () => {
  const dir = await project("not-installed");
  await writeFile(join(dir, "assembly/index.ts"), 'export * from "as-proxy-wasm/exports";\n');
  const { code, stderr } = await build(["not-installed"]);
  assert.equal(code, 1);
  assert.match(stderr, /^not-installed\/assembly\/index\.ts:1:15: error TS6054: File '~lib\/as-proxy-wasm\/exports\.ts' not found\./m);
  assert.match(stderr, /^hint: package "as-proxy-wasm" is not installed: run npm install in not-installed$/m);
});

test("package.json ascMain names another entry", async () => {
  const dir = await project("asc-main");
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "x", ascMain: "src/filter.ts" }));
  const { code, stderr } = await build(["asc-main"]);
  assert.equal(code, 2);
  assert.match(stderr, /asc-main\/src\/filter\.ts: entry file not found/);
});

test("--help shows an example", async () => {
  const { code, stdout } = await build(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /\$ as-proxy-wasm build examples\/add-header -o dist\/add-header\.wasm/);
});
