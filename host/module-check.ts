/**
 * "Can a proxy-wasm host load this module, and why not": the one answer the emulator's `Vm` load, `build`
 * and `inspect` share. What a host provides per ABI version comes from `abi.ts`; how it picks the version
 * follows proxy-wasm-cpp-host (Envoy/Istio), see `declaredAbiVersion`.
 */
import { ABI_VERSIONS, ENV_FUNCTIONS, WASI_FUNCTIONS, WASI_MODULES, type AbiVersion, type FunctionSpec } from "./abi.js";
import type { FuncType, WasmExport, WasmImport } from "./wasm-binary.js";

/** What the check reads: the module's interface (import signatures when known) and its start section. */
export interface ModuleInterface {
  imports: (WasmImport | WebAssembly.ModuleImportDescriptor)[];
  exports: (WasmExport | WebAssembly.ModuleExportDescriptor)[];
  /** A wasm start function runs during instantiation, before the host has set up any context. */
  hasStartFunction?: boolean;
}

export interface ModuleCheck {
  /** The ABI version the host runs the module as; null when it declares none the host knows. */
  abiVersion: AbiVersion | null;
  loadable: boolean;
  /** Each reason a host refuses the module, one line each. */
  problems: string[];
  /** Loads, but probably not what was meant. */
  warnings: string[];
}

const ABI_MARKER = /^proxy_abi_version_(\d+)_(\d+)_(\d+)$/;
const ALLOCATORS = ["malloc", "proxy_on_memory_allocate"];
const SDK_EXPORTS_FIX = 'an AssemblyScript filter gets them from the SDK: add `export * from "as-proxy-wasm/exports"` to its entry file';

/**
 * Imports a host never provides, with what to call instead. asc names a JS global it cannot compile
 * (`Date.now()`, `console.log()`) as an `env` import of that name; `abort`/`trace`/`seed` are its runtime's.
 */
const INSTEAD: Record<string, string> = {
  "Date.now": "read the host's clock with getCurrentTimeNanoseconds() (as-proxy-wasm)",
  "performance.now": "read the host's clock with getCurrentTimeNanoseconds() (as-proxy-wasm)",
  "console.log": 'log with log(LogLevel.Info, "...") (as-proxy-wasm)',
  "console.info": 'log with log(LogLevel.Info, "...") (as-proxy-wasm)',
  "console.warn": 'log with log(LogLevel.Warn, "...") (as-proxy-wasm)',
  "console.error": 'log with log(LogLevel.Error, "...") (as-proxy-wasm)',
  "console.debug": 'log with log(LogLevel.Debug, "...") (as-proxy-wasm)',
  abort:
    'AssemblyScript\'s default abort handler: extend the SDK\'s asconfig.json ({ "extends": "./node_modules/as-proxy-wasm/asconfig.json" }), which routes it to the host log',
  trace: "AssemblyScript's trace(): log with log(LogLevel.Debug, ...) (as-proxy-wasm), or extend the SDK's asconfig.json",
  seed: "Math.random's seed: extend the SDK's asconfig.json, which seeds it from WASI random_get",
};

/** The JS name behind an unprovided import (`Date.now`), for callers that point at the source using it. */
export function unprovidedImportName(problem: string): string | undefined {
  return /^imports env\.(\S+?),? which hosts do not provide/.exec(problem)?.[1];
}

/**
 * The ABI version a host runs the module as. cpp-host (BytecodeUtil::getAbiVersion) walks the export
 * section in order and takes the first function export named after a version it knows; a marker it does
 * not know is skipped. So with several markers the first one exported wins, not the newest.
 */
export function declaredAbiVersion(exports: ModuleInterface["exports"]): AbiVersion | null {
  for (const e of exports) {
    if (e.kind !== "function") continue;
    const version = markerVersion(e.name);
    if (version && (ABI_VERSIONS as readonly string[]).includes(version)) return version as AbiVersion;
  }
  return null;
}

function markerVersion(name: string): string | undefined {
  const m = ABI_MARKER.exec(name);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/** Every version the module's `proxy_abi_version_X_Y_Z` function exports declare, as `X.Y.Z`, known or not, in export order. */
export function declaredAbiVersions(module: Pick<ModuleInterface, "exports">): string[] {
  return module.exports.flatMap((e) => (e.kind === "function" ? (markerVersion(e.name) ?? []) : []));
}

export function checkModule(module: ModuleInterface): ModuleCheck {
  const problems: string[] = [];
  const warnings: string[] = [];
  const exported = new Set(module.exports.map((e) => e.name));
  const versions = declaredAbiVersions(module);
  const abiVersion = declaredAbiVersion(module.exports);
  const hasAllocator = ALLOCATORS.some((name) => exported.has(name));

  if (abiVersion === null && !hasAllocator && versions.length === 0) {
    problems.push(`exports no proxy_abi_version_* marker and no allocator (malloc): ${SDK_EXPORTS_FIX}`);
  } else {
    if (abiVersion === null) {
      problems.push(
        versions.length > 0
          ? `unknown Proxy-Wasm ABI version ${versions.join(", ")} (hosts know ${ABI_VERSIONS.join(", ")})`
          : `missing ABI version export (proxy_abi_version_0_2_1, _0_2_0 or _0_1_0): ${SDK_EXPORTS_FIX}`,
      );
    } else if (versions.length > 1) {
      warnings.push(`exports several ABI version markers (${versions.join(", ")}); Envoy uses the first it knows in export order: ${abiVersion}`);
    }
    if (!hasAllocator) {
      problems.push(`exports no allocator (malloc or proxy_on_memory_allocate): the host cannot pass data in; ${SDK_EXPORTS_FIX}`);
    }
  }
  if (module.hasStartFunction && !exported.has("_initialize") && !exported.has("_start")) {
    warnings.push(
      "runs its initialization as a wasm start function, before the host has a context (host calls there fail); " +
        "export _initialize instead (asc --exportStart _initialize)",
    );
  }
  if (!module.exports.some((e) => e.kind === "memory")) {
    problems.push("exports no memory: the host cannot exchange data with the module");
  }
  for (const imp of module.imports) {
    if (isStubbedWasi(imp)) {
      warnings.push(`imports ${imp.module}.${imp.name}: Envoy links it as a stub that does nothing, and this emulator lacks it`);
      continue;
    }
    const problem = importProblem(imp, abiVersion);
    if (problem) problems.push(problem);
  }
  return { abiVersion, loadable: problems.length === 0, problems, warnings };
}

const ENV = new Map(ENV_FUNCTIONS.map((f) => [f.name, f]));
const WASI = new Map(WASI_FUNCTIONS.map((f) => [f.name, f]));

/**
 * A WASI function outside the emulator's table. cpp-host registers the rest of wasi_snapshot_preview1 as
 * stubs (so Go and TinyGo modules link: abi.md §2), so Envoy loads the module; calls to it do nothing.
 */
function isStubbedWasi(imp: ModuleInterface["imports"][number]): boolean {
  return imp.kind === "function" && (WASI_MODULES as readonly string[]).includes(imp.module) && !WASI.has(imp.name);
}

function importProblem(imp: ModuleInterface["imports"][number], version: AbiVersion | null): string | undefined {
  const what = `imports ${imp.module}.${imp.name}`;
  if (imp.kind !== "function") return `${what} (a ${imp.kind}): hosts provide only functions`;
  const wasi = (WASI_MODULES as readonly string[]).includes(imp.module);
  if (!wasi && imp.module !== "env") return `${what}: no host provides module "${imp.module}"`;
  const host = (wasi ? WASI : ENV).get(imp.name);
  if (!host) {
    const instead = imp.module === "env" ? INSTEAD[imp.name] : undefined;
    return instead ? `${what}, which hosts do not provide: ${instead}` : `${what}, which hosts do not provide`;
  }
  if (version && !host.versions.includes(version)) {
    return `${what}, which hosts provide only to ABI ${host.versions.join("/")} modules (this one is ${version})`;
  }
  const type = "type" in imp ? imp.type : undefined;
  if (type && !sameType(type, host)) {
    return `${what} as ${formatType(type)} but hosts provide ${formatType(host)} (import type mismatch)`;
  }
  return undefined;
}

function sameType(a: FuncType, b: FunctionSpec): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}

/** Formats a signature the way wasm text does: `(i32, i32) -> i32`. */
export function formatType(type: FuncType | undefined): string {
  if (!type) return "";
  const results = type.results.length === 0 ? "()" : type.results.join(", ");
  return `(${type.params.join(", ")}) -> ${results}`;
}
