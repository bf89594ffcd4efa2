import { ABI_VERSIONS, ENV_FUNCTIONS, WASI_FUNCTIONS, WASI_MODULES, type AbiVersion, type FunctionSpec } from "../../host/abi.js";
import type { FuncType, WasmImport } from "../../host/wasm-binary.js";
import { formatType, type ModuleInfo } from "./module-info.js";

/**
 * Whether Envoy/Istio would load a module, and why not. Shared by `inspect` and `build`; what a host
 * provides per ABI version comes from the emulator's ABI table (`host/abi.ts`), the one list of it.
 */
export interface Verdict {
  /** From the `proxy_abi_version_*` marker export; null when there is none. */
  abiVersion: AbiVersion | null;
  loadable: boolean;
  /** Each reason a host refuses the module, one line each. */
  problems: string[];
  /** Loads, but probably not what was meant. */
  warnings: string[];
}

const ABI_MARKER = /^proxy_abi_version_(\d+)_(\d+)_(\d+)$/;
const ALLOCATORS = ["malloc", "proxy_on_memory_allocate"];

/** Known imports from AssemblyScript's standard library, with what to do about them. */
const ASSEMBLYSCRIPT_IMPORTS: Record<string, string> = {
  abort: "AssemblyScript's default abort handler; route it elsewhere (the SDK does, or `--use abort=...`)",
  trace: "AssemblyScript's trace(); use the SDK's logging instead",
  seed: "AssemblyScript's Math.random seed; the SDK seeds from WASI random_get",
};

export function judgeModule(info: ModuleInfo): Verdict {
  const problems: string[] = [];
  const warnings: string[] = [];
  const exported = new Set(info.exports.map((e) => e.name));

  const markers = info.exports.map((e) => ABI_MARKER.exec(e.name)).filter((m) => m !== null);
  const versions = markers.map((m) => `${m[1]}.${m[2]}.${m[3]}`);
  const known = versions.filter((v): v is AbiVersion => (ABI_VERSIONS as readonly string[]).includes(v));
  // cpp-host checks the markers newest first; mirror that so the verdict names the version it would pick.
  const abiVersion = [...ABI_VERSIONS].reverse().find((v) => known.includes(v)) ?? null;
  if (abiVersion === null) {
    problems.push(
      versions.length > 0
        ? `unknown Proxy-Wasm ABI version ${versions.join(", ")} (hosts know ${ABI_VERSIONS.join(", ")})`
        : "missing ABI version export (proxy_abi_version_0_2_1, _0_2_0 or _0_1_0)",
    );
  } else if (known.length > 1) {
    warnings.push(`exports several ABI version markers (${known.join(", ")}); hosts use ${abiVersion}`);
  }

  if (!ALLOCATORS.some((name) => exported.has(name))) {
    problems.push("missing allocator export (malloc or proxy_on_memory_allocate): the host cannot pass data in");
  }
  if (info.hasStartFunction && !exported.has("_initialize") && !exported.has("_start")) {
    warnings.push(
      "runs its initialization as a wasm start function, before the host has a context (host calls there fail); " +
        "export _initialize instead (asc --exportStart _initialize)",
    );
  }
  if (!info.exports.some((e) => e.kind === "memory")) {
    problems.push("exports no memory: the host cannot exchange data with the module");
  }

  for (const imp of info.imports) {
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
function isStubbedWasi(imp: WasmImport): boolean {
  return imp.kind === "function" && (WASI_MODULES as readonly string[]).includes(imp.module) && !WASI.has(imp.name);
}

function importProblem(imp: WasmImport, version: AbiVersion | null): string | undefined {
  const what = `imports ${imp.module}.${imp.name}`;
  if (imp.kind !== "function") return `${what} (a ${imp.kind}): hosts provide only functions`;
  const wasi = (WASI_MODULES as readonly string[]).includes(imp.module);
  if (!wasi && imp.module !== "env") return `${what}: no host provides module "${imp.module}"`;
  const host = (wasi ? WASI : ENV).get(imp.name);
  if (!host) {
    const known = ASSEMBLYSCRIPT_IMPORTS[imp.name];
    return known ? `${what}, which hosts do not provide: ${known}` : `${what}, which hosts do not provide`;
  }
  if (version && !host.versions.includes(version)) {
    return `${what}, which hosts provide only to ABI ${host.versions.join("/")} modules (this one is ${version})`;
  }
  if (imp.type && !sameType(imp.type, host)) {
    return `${what} as ${formatType(imp.type)} but hosts provide ${formatType(host)} (import type mismatch)`;
  }
  return undefined;
}

function sameType(a: FuncType, b: FunctionSpec): boolean {
  return a.params.join() === b.params.join() && a.results.join() === b.results.join();
}
