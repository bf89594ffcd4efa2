import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileAssemblyScript, compileCached } from "../cli/asc.js";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { readModuleInfo } from "../cli/wasm/module-info.js";
import { Host, HostError, WasmTrapError } from "../host/index.js";
import { checkModule } from "../host/module-check.js";
import { assembleModule, type ModuleSpec } from "./fixtures/cli/assemble.js";
import { newcomerProject } from "./fixtures/newcomer/project.js";

const tmp = await mkdtemp(join(tmpdir(), "host-module-check-"));
test.after(() => rm(tmp, { recursive: true, force: true }));
const newcomer = join(import.meta.dirname, "fixtures/newcomer");
const MALLOC = { name: "malloc", params: 1, results: ["i32" as const] };
const LOG = { name: "proxy_log", params: 3, results: ["i32" as const] };

async function cli(args: string[], cwd = tmp) {
  const { io, stdout, stderr } = memoryIo({ cwd });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

/** The three answers to "can a host load this": the emulator's load, `inspect --json`, and the check itself. */
async function answers(bytes: Uint8Array, name: string) {
  const file = join(tmp, name);
  await writeFile(file, bytes);
  const inspected = JSON.parse((await cli(["inspect", file, "--json"])).stdout);
  const loaded = await new Host().loadVm(bytes).then(
    (vm) => ({ abiVersion: vm.abiVersion, error: undefined }),
    (e: HostError) => ({ abiVersion: null, error: e.message }),
  );
  return { inspected, loaded, checked: checkModule(readModuleInfo(bytes)) };
}

test("several ABI markers: load, inspect and the check all take the first known one in export order (cpp-host's getAbiVersion)", async () => {
  const cases: [ModuleSpec["exports"], string][] = [
    [["proxy_abi_version_0_1_0", "proxy_abi_version_0_2_1", MALLOC], "0.1.0"],
    [["proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0", MALLOC], "0.2.1"],
    [["proxy_abi_version_0_9_0", "proxy_abi_version_0_2_0", MALLOC], "0.2.0"],
  ];
  for (const [i, [exports, version]] of cases.entries()) {
    const { inspected, loaded, checked } = await answers(assembleModule({ imports: [LOG], exports }), `markers-${i}.wasm`);
    assert.equal(checked.abiVersion, version);
    assert.equal(inspected.abiVersion, version);
    assert.equal(loaded.abiVersion, version, loaded.error);
  }
});

test("a module refused for several reasons: the host's load error lists the problems inspect reports", async () => {
  const bytes = assembleModule({
    imports: [
      { name: "abort", params: 4 },
      { name: "proxy_continue_request", results: ["i32"] },
    ],
    exports: ["proxy_abi_version_0_2_1"],
  });
  const { inspected, loaded } = await answers(bytes, "refused.wasm");
  assert.equal(inspected.loadable, false);
  assert.equal(inspected.problems.length, 3, inspected.problems.join("\n"));
  assert.equal(loaded.error, `load: the module cannot be loaded: ${inspected.problems.join("; ")}`);
});

test("a filter without the SDK's exports is told to add them, by load and inspect alike", async () => {
  const { inspected, loaded } = await answers(assembleModule({ exports: ["_initialize"] }), "no-sdk-exports.wasm");
  const fix = 'add `export * from "as-proxy-wasm/exports"` to its entry file';
  assert.ok(inspected.problems[0].endsWith(fix), inspected.problems[0]);
  assert.ok(loaded.error?.includes(fix), loaded.error);
});

test("build gives the verdict the host gives on the same bytes (an AssemblyScript filter with two ABI markers)", async () => {
  const dir = await newcomerProject("two-markers", join(tmp, "two-markers"));
  const built = await cli(["build", dir, "--json"]);
  const { binary } = await compileAssemblyScript({ entry: join(dir, "assembly/index.ts"), config: join(dir, "asconfig.json"), flags: ["--baseDir", dir] });
  assert.ok(binary);
  const { inspected, loaded, checked } = await answers(binary, "two-markers.wasm");
  const markers = readModuleInfo(binary)
    .exports.filter((e) => e.name.startsWith("proxy_abi_version_"))
    .map((e) => e.name);
  assert.equal(markers.length, 2, markers.join());
  assert.equal(checked.abiVersion, markers[0].replace("proxy_abi_version_", "").replaceAll("_", "."));
  assert.equal(inspected.abiVersion, checked.abiVersion);
  if (checked.loadable) {
    assert.equal(built.code, 0, built.stderr);
    assert.equal(JSON.parse(built.stdout).abiVersion, checked.abiVersion);
    assert.equal(loaded.abiVersion, checked.abiVersion, loaded.error);
  } else {
    assert.equal(built.code, 1);
    for (const problem of checked.problems) assert.ok(built.stderr.includes(problem), problem);
    assert.equal(loaded.error, `load: the module cannot be loaded: ${checked.problems.join("; ")}`);
  }
});

/** Runs one request through the trap fixture: its own function reads past the end of an array. */
async function trap(debug: boolean): Promise<WasmTrapError> {
  const wasm = await compileCached({ entry: join(newcomer, "trap/index.ts"), debug });
  const plugin = (await new Host().loadVm(wasm)).startPlugin();
  const error = await plugin.httpStream({}).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(error instanceof WasmTrapError, String(error));
  return error;
}

test("a trap names the filter's own functions (debug build: names from the name section)", async () => {
  const error = await trap(true);
  assert.match(
    error.message,
    /Index out of range in ~lib\/array\.ts\) in test\/fixtures\/newcomer\/trap\/index\/pickBackend < test\/fixtures\/newcomer\/trap\/index\/Picker#onRequestHeaders < /,
  );
  assert.equal(error.wasmFrames[0], "~lib/runtime-hooks/proxyAbort");
  assert.ok(error.wasmFrames.includes("test/fixtures/newcomer/trap/index/pickBackend"), error.wasmFrames.join("\n"));
});

test("a trap in a module without names gives function indexes and says how to get names", async () => {
  const error = await trap(false);
  assert.match(error.message, / at wasm-function\[\d+\]:0x[0-9a-f]+ < .* \(the module has no function names: build with --debug to see them\)$/);
});
