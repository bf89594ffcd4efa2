import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { writeAtomically } from "../cli/atomic-write.js";
import { memoryIo } from "../cli/io.js";
import { newcomerProject as copyNewcomerProject } from "./fixtures/newcomer/project.js";

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
  assert.ok(
    report.customSections.some((s: { name: string }) => s.name === "name"),
    "debug build keeps the name section",
  );
  // The source map a debugger and `symbolize` read, beside the module and named by it.
  const map = JSON.parse(await readFile(join(tmp, "out/debug.wasm.map"), "utf8"));
  assert.ok(map.sources.includes("assembly/index.ts"), map.sources.join(", "));
  assert.ok((await readFile(join(tmp, "out/debug.wasm"))).includes(Buffer.from("debug.wasm.map")), "the module names its map");
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
  assert.deepEqual(
    (await readdir(outDir)).filter((f) => f.endsWith(".tmp")),
    [],
  );
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

/** A newcomer fixture as an installed project in this run's folder. */
const newcomerProject = (name: string) => copyNewcomerProject(name, join(tmp, `newcomer-${name}`));

/** Each fixture of TypeScript AssemblyScript lacks: the first error asc reports for a construct, and the hint build adds. */
const CLOSURES = /^hint: AssemblyScript has no closures: .*write a for loop instead/m;
const OPTIONAL_CHAINING = /^hint: AssemblyScript has no optional chaining \(`a\?\.b`\) or `\?\?`: test for null first/m;
const TYPESCRIPT: [string, [RegExp, RegExp][]][] = [
  [
    "syntax",
    [
      [/:6:8: error TS1003: Identifier expected\./, /^hint: AssemblyScript has no destructuring .*: read each element or field by name/m],
      [/:11:21: error TS1109: Expression expected\./, OPTIONAL_CHAINING],
      // Inside a template literal, the next error is an unrelated one.
      [/:23:24: error TS1109: Expression expected\.\n[^]*:23:32: error TS1002: Unterminated string literal\./, OPTIONAL_CHAINING],
      [/:14:9: error TS1003: Identifier expected\./, /^hint: AssemblyScript has no generators \(`function\*`, `yield`\): return an array instead/m],
      [/:18:1: error TS1005: '\{' expected\./, /^hint: AssemblyScript has no async\/await or Promise/m],
    ],
  ],
  [
    "unsupported",
    [
      [/:7:5: error AS100: Not implemented: Closures/, CLOSURES],
      // The closure's other symptom: asc cannot see the assignment inside it.
      [/:9:10: error TS2454: Variable 'found' is used before being assigned\./, CLOSURES],
      [/:14:3: error AS100: Not implemented: Iterators/, /^hint: AssemblyScript has no iterators: `for\.\.\.of` does not compile; loop with an index/m],
      [/:19:3: error AS100: Not implemented: Exceptions/, /^hint: AssemblyScript has no exceptions: /m],
      [/:27:11: error AS100: Not implemented: Spread operator/, /^hint: AssemblyScript has no spread /m],
      [/:31:13: error TS2322: Type '<object>' is not assignable to type 'auto'\./, /^hint: an object literal needs a declared class type in AssemblyScript/m],
    ],
  ],
  ["types", [[/:4:35: error AS100: Not implemented: union types/, /^hint: AssemblyScript has no union types except `T \| null`/m]]],
];

for (const [fixture, cases] of TYPESCRIPT) {
  test(`TypeScript AssemblyScript does not compile (${fixture}): each error gets a one-line hint naming the construct`, async () => {
    const dir = await newcomerProject(fixture);
    const { code, stderr } = await build([dir]);
    assert.equal(code, 1);
    for (const [error, hint] of cases) {
      assert.match(stderr, error);
      assert.match(stderr, hint);
    }
    const hints = stderr.split("\n").filter((l) => l.startsWith("hint: ") && !l.includes("--verbose"));
    assert.equal(hints.length, new Set(cases.map(([, hint]) => hint)).size, hints.join("\n"));
    for (const hint of hints) assert.match(hint, /\(see "TypeScript you can't use here" in node_modules\/as-proxy-wasm\/sdk\/README\.md\)$/);
  });
}

test("an import no host provides names the source line and the SDK call to use instead", async () => {
  const dir = await newcomerProject("imports");
  const { code, stderr } = await build([dir], tmp);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^ {2}- imports env\.console\.log \(console\.log at newcomer-imports\/assembly\/index\.ts:5:3\), which hosts do not provide: log with log\(LogLevel\.Info, "\.\.\."\) \(as-proxy-wasm\)$/m,
  );
  assert.match(
    stderr,
    /^ {2}- imports env\.Date\.now \(Date\.now at newcomer-imports\/assembly\/index\.ts:6:10\), which hosts do not provide: read the host's clock with getCurrentTimeNanoseconds\(\) \(as-proxy-wasm\)$/m,
  );
});

test('an entry without the SDK\'s exports is told to add `export * from "as-proxy-wasm/exports"`', async () => {
  const dir = await newcomerProject("no-sdk-exports");
  const { code, stderr } = await build([dir]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^ {2}- exports no proxy_abi_version_\* marker and no allocator \(malloc\): an AssemblyScript filter gets them from the SDK: add `export \* from "as-proxy-wasm\/exports"` to its entry file$/m,
  );
  assert.doesNotMatch(stderr, /missing ABI version export/);
});

test("a headers callback returning a FilterDataStatus (or declared to) is a compile error at its line", async () => {
  const dir = await newcomerProject("status");
  const { code, stderr } = await build([dir], tmp);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /^newcomer-status\/assembly\/index\.ts:7:33: error AS102: onRequestHeaders returns FilterDataStatus\.StopIterationAndBuffer, but the host reads its result as FilterHeadersStatus .*: return a FilterHeadersStatus$/m,
  );
  assert.match(
    stderr,
    /^newcomer-status\/assembly\/index\.ts:11:58: error AS102: onResponseHeaders is declared to return FilterDataStatus, but the host reads its result as FilterHeadersStatus: declare it FilterHeadersStatus$/m,
  );
  assert.match(stderr, /^newcomer-status\/assembly\/index\.ts:12:12: error AS102: onResponseHeaders returns FilterDataStatus\.Continue/m);
  assert.match(stderr, /^error: build failed: 3 compile error\(s\)$/m);
});
