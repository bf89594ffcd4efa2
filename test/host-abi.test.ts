import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  ENV_FUNCTIONS,
  Host,
  HostError,
  WASI_FUNCTIONS,
  WASI_MODULES,
  abiVersionExport,
  hostFunctionsFor,
  parseHeaders,
  readWasmInterface,
  serializeHeaders,
  type AbiVersion,
} from "../host/index.js";
import { envImports } from "../host/env-imports.js";
import { wasiImports } from "../host/wasi-imports.js";
import { assembleModule, type ModuleSpec } from "./fixtures/cli/assemble.js";
import { buildFixture, messages } from "./fixtures/host/build.js";
import { codecFixtures } from "./helpers/codec-fixtures.js";

const MALLOC = { name: "malloc", params: 1, results: ["i32" as const] };
const moduleFor = (version: AbiVersion, spec: ModuleSpec = {}) =>
  assembleModule({ ...spec, exports: [abiVersionExport(version), MALLOC, ...(spec.exports ?? [])] });
const names = (imports: WebAssembly.Imports, module: string) => Object.keys(imports[module] ?? {}).sort();
const loadError = (wasm: Uint8Array, pattern: RegExp) =>
  assert.rejects(new Host().loadVm(wasm), (e: unknown) => e instanceof HostError && e.operation === "load" && pattern.test(e.message));

describe("the ABI table and the imports the host provides", () => {
  test("the host implements every function of the table, and nothing else", async () => {
    const vm = await new Host().loadVm(moduleFor("0.2.1"));
    assert.deepEqual(Object.keys(envImports(vm)).sort(), ENV_FUNCTIONS.map((f) => f.name).sort());
    assert.deepEqual(Object.keys(wasiImports(vm)).sort(), WASI_FUNCTIONS.map((f) => f.name).sort());
  });

  for (const version of ["0.1.0", "0.2.0", "0.2.1"] as const) {
    test(`a ${version} module gets exactly what cpp-host registers for ${version}`, async () => {
      const vm = await new Host().loadVm(moduleFor(version));
      assert.equal(vm.abiVersion, version);
      const expected = hostFunctionsFor(version);
      assert.deepEqual(Object.keys(vm.imports).sort(), ["env", ...WASI_MODULES].sort());
      for (const [module, specs] of expected) {
        assert.deepEqual(names(vm.imports, module), specs.map((f) => f.name).sort(), module);
        for (const spec of specs) assert.equal(typeof vm.imports[module]![spec.name], "function");
      }
      const env = names(vm.imports, "env");
      assert.equal(env.includes("proxy_get_configuration"), version === "0.1.0");
      assert.equal(env.includes("proxy_continue_request"), version === "0.1.0");
      assert.equal(env.includes("proxy_continue_stream"), version !== "0.1.0");
      assert.equal(env.includes("proxy_close_stream"), version !== "0.1.0");
      assert.equal(env.includes("proxy_get_log_level"), version === "0.2.1");
      assert.ok(env.includes("proxy_grpc_call") && env.includes("proxy_http_call"));
    });
  }

  test("the table's signatures: 12-parameter grpc_call, i64 metric values, 8-parameter local response", () => {
    const sig = (name: string) => ENV_FUNCTIONS.find((f) => f.name === name)!.params.join(",");
    assert.equal(sig("proxy_grpc_call").split(",").length, 12);
    assert.equal(sig("proxy_http_call").split(",").length, 10);
    assert.equal(sig("proxy_send_local_response").split(",").length, 8);
    assert.equal(sig("proxy_record_metric"), "i32,i64");
    assert.equal(sig("proxy_increment_metric"), "i32,i64");
    assert.equal(WASI_FUNCTIONS.find((f) => f.name === "clock_time_get")!.params.join(","), "i32,i64,i32");
  });
});

describe("loading refuses what cpp-host refuses, with the reason", () => {
  test("no ABI version export", () => loadError(assembleModule({ exports: [MALLOC] }), /missing ABI version export/));
  test("no allocator", () => loadError(assembleModule({ exports: [abiVersionExport("0.2.1")] }), /no allocator/));
  test("proxy_on_memory_allocate alone is an allocator", async () => {
    const vm = await new Host().loadVm(assembleModule({ exports: [abiVersionExport("0.2.1"), { ...MALLOC, name: "proxy_on_memory_allocate" }] }));
    assert.equal(vm.abiVersion, "0.2.1");
  });
  test("an import no host provides (AssemblyScript's env.abort)", () =>
    loadError(moduleFor("0.2.1", { imports: [{ name: "abort", params: 4 }] }), /imports env\.abort, which hosts do not provide/));
  test("a 0.2.x function in a 0.1.0 module, and get_log_level in a 0.2.0 module", async () => {
    await loadError(
      moduleFor("0.1.0", { imports: [{ name: "proxy_continue_stream", params: 1, results: ["i32"] }] }),
      /only to ABI 0\.2\.0\/0\.2\.1 modules \(this one is 0\.1\.0\)/,
    );
    await loadError(
      moduleFor("0.2.0", { imports: [{ name: "proxy_get_log_level", params: 1, results: ["i32"] }] }),
      /only to ABI 0\.2\.1 modules \(this one is 0\.2\.0\)/,
    );
    await loadError(moduleFor("0.2.1", { imports: [{ name: "proxy_get_configuration", params: 2, results: ["i32"] }] }), /only to ABI 0\.1\.0 modules/);
  });
  test("the old 10-parameter proxy_grpc_call is an import type mismatch", () =>
    loadError(
      moduleFor("0.2.1", { imports: [{ name: "proxy_grpc_call", params: 10, results: ["i32"] }] }),
      /imports env\.proxy_grpc_call as .* \(import type mismatch\)/,
    ));
  test("not a wasm module", () => loadError(new TextEncoder().encode("hello"), /not a valid WebAssembly module/));
  test("the binary reader gives import signatures", () => {
    const wasm = moduleFor("0.2.1", {
      imports: [
        { name: "proxy_record_metric", params: ["i32", "i64"], results: ["i32"] },
        { module: "wasi_snapshot_preview1", name: "proc_exit", params: 1 },
      ],
    });
    const { imports, exports } = readWasmInterface(wasm);
    assert.deepEqual(
      imports.map((i) => [i.module, i.name, i.type]),
      [
        ["env", "proxy_record_metric", { params: ["i32", "i64"], results: ["i32"] }],
        ["wasi_snapshot_preview1", "proc_exit", { params: ["i32"], results: [] }],
      ],
    );
    assert.deepEqual(
      exports.map((e) => e.name),
      ["proxy_abi_version_0_2_1", "malloc", "memory"],
    );
  });
});

describe("start functions", () => {
  test("_initialize then main; or _start when there is no _initialize (before any context: id 0)", async () => {
    const reactor = await buildFixture("start");
    const command = await buildFixture("start", "asconfig-start.json");
    assert.ok(readWasmInterface(reactor).exports.some((e) => e.name === "_initialize"));
    assert.ok(readWasmInterface(command).exports.some((e) => e.name === "_start"));
    const host = new Host();
    await host.loadVm(reactor);
    assert.deepEqual(
      host.logs.map((l) => [l.message, l.contextId]),
      [
        ["start function ran", 0],
        ["main ran", 0],
      ],
    );
    host.clearLogs();
    await host.loadVm(command);
    assert.deepEqual(messages(host.logs), ["start function ran"]);
  });
});

describe("ABI 0.1.0 module (raw AssemblyScript)", () => {
  let legacy: Uint8Array;
  before(async () => {
    legacy = await buildFixture("legacy");
  });

  test("2-argument headers callback, get_configuration, and OK with an empty value for a missing header", async () => {
    const host = new Host();
    const vm = await host.loadVm(legacy);
    assert.equal(vm.abiVersion, "0.1.0");
    const plugin = vm.startPlugin({ configuration: "legacy-config" });
    const result = await plugin.httpStream({
      request: {
        headers: [
          [":path", "/"],
          [":method", "GET"],
        ],
      },
    });
    assert.deepEqual(messages(host.logs).slice(0, 1), ["configuration=legacy-config"]);
    assert.deepEqual(messages(result.logs), ["headers n=4 missing=[] status=0"]);
    assert.deepEqual(result.request?.headers.at(-1), ["x-legacy", "1"]);
  });
});

describe("memory", () => {
  test("a bad pointer from the module is INVALID_MEMORY_ACCESS, not a crash", async () => {
    const plugin = (await new Host().loadVm(await buildFixture("trap"))).startPlugin();
    const result = await plugin.httpStream({ request: { headers: [[":path", "/bad-pointer"]] } });
    assert.deepEqual(messages(result.logs), ["bad pointer status=6"]);
  });
});

describe("header map codec", () => {
  for (const fixture of codecFixtures) {
    test(fixture.name, () => {
      assert.deepEqual([...serializeHeaders(fixture.pairs)], fixture.bytes);
      assert.deepEqual(parseHeaders(new Uint8Array(fixture.bytes)), fixture.pairs);
    });
  }
  test("malformed input parses to an empty map, as cpp-host's toPairs does", () => {
    assert.deepEqual(parseHeaders(new Uint8Array([9, 0, 0, 0, 1, 0, 0, 0])), []);
    assert.deepEqual(parseHeaders(new Uint8Array([0])), []);
  });
});
