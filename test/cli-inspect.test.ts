import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { compileCached } from "../cli/asc.js";
import { assembleModule, type ModuleSpec } from "./fixtures/cli/assemble.js";
import { buildSoloAddHeader } from "./fixtures/cli/solo/build.js";

const dir = await mkdtemp(join(tmpdir(), "cli-inspect-"));
test.after(() => rm(dir, { recursive: true, force: true }));

const rawFilter = join(import.meta.dirname, "fixtures/cli/raw-filter");
const LOADABLE: ModuleSpec = {
  imports: [{ name: "proxy_log", params: 3, results: ["i32"] }],
  exports: ["proxy_abi_version_0_2_1", { name: "malloc", params: 1, results: ["i32"] }, "_initialize"],
};

async function write(name: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

async function inspect(args: string[]) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir });
  const code = await runCli(["inspect", ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function inspectJson(spec: ModuleSpec, name = "module.wasm") {
  const result = await inspect([await write(name, assembleModule(spec)), "--json"]);
  return { code: result.code, report: JSON.parse(result.stdout) };
}

test("a raw AssemblyScript filter is loadable, ABI 0.2.1, with its imports and exports listed", async () => {
  const wasm = await compileCached({
    entry: join(rawFilter, "assembly/index.ts"),
    config: join(rawFilter, "asconfig.json"),
    flags: ["--baseDir", rawFilter],
  });
  const { code, stdout } = await inspect([await write("raw.wasm", wasm)]);
  assert.equal(code, 0);
  assert.match(stdout, /raw\.wasm: [\d,]+ bytes, Proxy-Wasm ABI 0\.2\.1/);
  assert.match(stdout, /env\.proxy_add_header_map_value +\(i32, i32, i32, i32, i32\) -> i32/);
  assert.match(stdout, /proxy_on_response_headers +callback/);
  assert.match(stdout, /✓ loadable by Envoy\/Istio/);
});

test("our SDK's add-header (without configuration): ABI 0.2.1, loadable, no warnings, only proxy-wasm and WASI imports", async () => {
  // The same options as test/sdk-module.test.ts's build of the fixture, so the compile is shared through the cache.
  const wasm = await compileCached({ entry: join(import.meta.dirname, "fixtures/sdk/add-header-lean/index.ts") });
  const { code, stdout } = await inspect([await write("sdk.wasm", wasm), "--json"]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.abiVersion, "0.2.1");
  assert.equal(report.loadable, true);
  assert.deepEqual(report.warnings, []);
  for (const imp of report.imports) assert.match(`${imp.module}.${imp.name}`, /^(env\.proxy_|wasi_snapshot_preview1\.)/);
  for (const name of ["proxy_abi_version_0_2_1", "proxy_on_memory_allocate", "malloc", "_initialize"]) {
    assert.ok(
      report.exports.some((e: { name: string }) => e.name === name),
      name,
    );
  }
});

test("@solo-io/proxy-runtime's add-header module: ABI 0.2.0, loadable, start-function warning", async () => {
  const { code, stdout } = await inspect([await write("solo.wasm", await buildSoloAddHeader()), "--json"]);
  assert.equal(code, 0);
  const report = JSON.parse(stdout);
  assert.equal(report.abiVersion, "0.2.0");
  assert.equal(report.loadable, true);
  assert.deepEqual(report.problems, []);
  assert.ok(report.exports.some((e: { name: string }) => e.name === "malloc"));
  assert.match(report.warnings.join("\n"), /start function/);
});

test("--json reports size, imports with signatures, exports and custom sections", async () => {
  const { code, report } = await inspectJson(LOADABLE);
  assert.equal(code, 0);
  assert.equal(report.loadable, true);
  assert.equal(report.abiVersion, "0.2.1");
  assert.equal(typeof report.size, "number");
  assert.deepEqual(report.imports, [{ module: "env", name: "proxy_log", kind: "function", params: ["i32", "i32", "i32"], results: ["i32"] }]);
  assert.deepEqual(
    report.exports.map((e: { name: string }) => e.name),
    ["proxy_abi_version_0_2_1", "malloc", "_initialize", "memory"],
  );
  assert.deepEqual(report.customSections, []);
});

// Each row: a module and the reason a host refuses it.
const BROKEN: [string, ModuleSpec, RegExp][] = [
  ["no version export", { exports: [{ name: "malloc", params: 1, results: ["i32"] }] }, /missing ABI version export/],
  ["an unknown version", { exports: ["proxy_abi_version_0_3_0", { name: "malloc", params: 1, results: ["i32"] }] }, /unknown Proxy-Wasm ABI version 0\.3\.0/],
  ["no allocator", { exports: ["proxy_abi_version_0_2_1"] }, /exports no allocator \(malloc or proxy_on_memory_allocate\)/],
  ["no memory", { ...LOADABLE, memory: false }, /exports no memory/],
  ["env.abort", { ...LOADABLE, imports: [{ name: "abort", params: 4 }] }, /imports env\.abort, which hosts do not provide: AssemblyScript's default abort/],
  ["env.trace", { ...LOADABLE, imports: [{ name: "trace", params: ["i32", "i32"] }] }, /imports env\.trace, which hosts do not provide/],
  ["env.seed", { ...LOADABLE, imports: [{ name: "seed", results: ["i32"] }] }, /imports env\.seed, which hosts do not provide/],
  ["an unknown env function", { ...LOADABLE, imports: [{ name: "proxy_frobnicate" }] }, /imports env\.proxy_frobnicate, which hosts do not provide$/m],
  [
    "a non-WASI module",
    { ...LOADABLE, imports: [{ module: "wasi_snapshot_preview2", name: "fd_write", params: 4, results: ["i32"] }] },
    /no host provides module "wasi_snapshot_preview2"/,
  ],
  [
    "a 0.1.0-only import in a 0.2.1 module",
    { ...LOADABLE, imports: [{ name: "proxy_continue_request", results: ["i32"] }] },
    /proxy_continue_request, which hosts provide only to ABI 0\.1\.0 modules \(this one is 0\.2\.1\)/,
  ],
  [
    "a 0.2.x import in a 0.1.0 module",
    {
      imports: [{ name: "proxy_continue_stream", params: 1, results: ["i32"] }],
      exports: ["proxy_abi_version_0_1_0", { name: "malloc", params: 1, results: ["i32"] }],
    },
    /proxy_continue_stream, which hosts provide only to ABI 0\.2\.0\/0\.2\.1 modules/,
  ],
  [
    "proxy_get_log_level in a 0.2.0 module",
    {
      imports: [{ name: "proxy_get_log_level", params: 1, results: ["i32"] }],
      exports: ["proxy_abi_version_0_2_0", { name: "malloc", params: 1, results: ["i32"] }],
    },
    /proxy_get_log_level, which hosts provide only to ABI 0\.2\.1 modules \(this one is 0\.2\.0\)/,
  ],
  [
    "a 10-parameter proxy_grpc_call",
    { ...LOADABLE, imports: [{ name: "proxy_grpc_call", params: 10, results: ["i32"] }] },
    /proxy_grpc_call as \(i32(, i32){9}\) -> i32 but hosts provide \(i32(, i32){11}\) -> i32 \(import type mismatch\)/,
  ],
];

for (const [what, spec, reason] of BROKEN) {
  test(`not loadable: ${what} (exit 1, one line per reason)`, async () => {
    const path = await write(`${what.replace(/\W+/g, "-")}.wasm`, assembleModule(spec));
    const human = await inspect([path]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /✗ not loadable by Envoy\/Istio:/);
    assert.match(human.stdout, reason);
    const { code, report } = await inspectJson(spec, "json.wasm");
    assert.equal(code, 1);
    assert.equal(report.loadable, false);
    assert.ok(
      report.problems.some((p: string) => reason.test(p)),
      report.problems.join("\n"),
    );
  });
}

test("a WASI function Envoy only stubs (Go modules import several) loads, with a warning", async () => {
  const { code, report } = await inspectJson({
    ...LOADABLE,
    imports: [{ module: "wasi_snapshot_preview1", name: "fd_filestat_get", params: 2, results: ["i32"] }],
  });
  assert.equal(code, 0);
  assert.equal(report.loadable, true);
  assert.match(report.warnings.join("\n"), /imports wasi_snapshot_preview1\.fd_filestat_get: Envoy links it as a stub/);
});

test("every problem is listed, not just the first", async () => {
  const { code, report } = await inspectJson({ imports: [{ name: "abort", params: 4 }], exports: ["_initialize"] });
  assert.equal(code, 1);
  // No marker and no allocator are one problem: the entry lacks the SDK's exports, and that is the fix named.
  assert.equal(report.problems.length, 2, report.problems.join("\n"));
  assert.match(
    report.problems[0],
    /^exports no proxy_abi_version_\* marker and no allocator \(malloc\): .*add `export \* from "as-proxy-wasm\/exports"` to its entry file$/,
  );
  assert.match(report.problems[1], /^imports env\.abort, which hosts do not provide/);
});

test("several ABI version markers: the first known one in export order, as cpp-host's getAbiVersion, with a warning", async () => {
  const malloc = { name: "malloc", params: 1, results: ["i32"] } as const;
  const cases: [ModuleSpec["exports"], string][] = [
    [["proxy_abi_version_0_1_0", "proxy_abi_version_0_2_1", malloc], "0.1.0"],
    [["proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0", malloc], "0.2.1"],
    [["proxy_abi_version_9_9_9", "proxy_abi_version_0_2_0", malloc], "0.2.0"],
  ];
  for (const [exports, version] of cases) {
    const { code, report } = await inspectJson({ imports: [{ name: "proxy_log", params: 3, results: ["i32"] }], exports });
    assert.equal(code, 0);
    assert.equal(report.abiVersion, version);
    assert.match(report.warnings.join("\n"), new RegExp(`several ABI version markers .*: ${version.replace(/\./g, "\\.")}$`));
  }
});

test("a missing file, a non-wasm file, a truncated module and a directory are one-line usage errors", async () => {
  const cases: [string, RegExp][] = [
    ["nope.wasm", /^error: nope\.wasm: no such file\n$/],
    [await write("text.wasm", "hello"), /not a WebAssembly module \(no \\0asm header\)\n$/],
    [await write("cut.wasm", assembleModule(LOADABLE).subarray(0, 40)), /invalid WebAssembly module: /],
    [dir, /is a directory, expected a \.wasm file\n$/],
  ];
  for (const [file, message] of cases) {
    const { code, stdout, stderr } = await inspect([file]);
    assert.equal(code, 2, file);
    assert.equal(stdout, "");
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

test("an unknown flag or a missing argument fails with a usage line", async () => {
  const unknown = await inspect(["x.wasm", "--bogus"]);
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.stderr, /unknown option '--bogus'/);
  const missing = await inspect([]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /missing required argument/);
});

test("--help shows an example", async () => {
  const { code, stdout } = await inspect(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /\$ as-proxy-wasm inspect build\/plugin\.wasm/);
});
