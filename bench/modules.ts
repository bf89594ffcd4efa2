// The modules the benchmarks compare, built from source on each run (compiles are cached in .test-cache).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileCached } from "../cli/asc.js";
import { packageRoot } from "../cli/package-root.js";
import { readWasmInterface } from "../host/index.js";
import { buildSoloAddHeader } from "../test/fixtures/cli/solo/build.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** What a module needs from its host to run: the plugin's root id and configuration. */
export interface PluginSetup {
  rootId?: string;
  configuration?: string;
}

export interface BenchModule {
  name: string;
  /** The group it belongs to; ratios compare with the group's baseline (its first module). */
  group: "add-header" | "heavy";
  wasm: Uint8Array;
  /** From the module's `proxy_abi_version_*` export. */
  abiVersion: string;
  plugin: PluginSetup;
}

// The README filter of @solo-io/proxy-runtime 0.1.8; it needs its root id and a non-empty configuration.
const soloSource = join(packageRoot, "test/fixtures/host/solo/add-header.ts");
const soloPlugin: PluginSetup = { rootId: "add_header", configuration: "world" };

// Hand-written modules: bench/fixtures/raw/<name>.ts, built without the SDK and its asconfig (runtime "stub",
// and `abort` compiled to a trap rather than imported).
const raw = (name: string, flags?: string[]) =>
  compileCached({ entry: join(fixtures, "raw", `${name}.ts`), config: join(fixtures, "raw", "asconfig.json"), flags });
const ours = (dir: string, entry: string, config?: string) => compileCached({ entry: join(dir, entry), config: config && join(dir, config) });

/**
 * Builds every benchmarked module. Each group's first module is its baseline: the hand-written raw-ABI filter.
 */
export async function buildModules(): Promise<BenchModule[]> {
  const specs: [string, BenchModule["group"], () => Promise<Uint8Array>, PluginSetup?][] = [
    ["raw ABI, no GC (baseline)", "add-header", () => raw("add-header")],
    ["raw ABI, minimal GC runtime", "add-header", () => raw("add-header", ["--runtime", "minimal"])],
    ["raw ABI + an object per stream, minimal GC", "add-header", () => raw("add-header-object", ["--runtime", "minimal"])],
    ["as-proxy-wasm (add-header without config)", "add-header", () => ours(join(packageRoot, "test/fixtures/sdk/add-header-lean"), "index.ts")],
    ["@solo-io/proxy-runtime 0.1.8 (asc 0.17)", "add-header", () => buildSoloAddHeader(soloSource), soloPlugin],
    ["raw ABI, no GC (baseline)", "heavy", () => raw("heavy")],
    ["as-proxy-wasm", "heavy", () => ours(join(fixtures, "heavy"), "index.ts")],
  ];
  const modules: BenchModule[] = [];
  for (const [name, group, build, plugin] of specs) {
    const wasm = await build();
    modules.push({ name, group, wasm, abiVersion: abiVersionOf(wasm), plugin: plugin ?? {} });
  }
  return modules;
}

function abiVersionOf(wasm: Uint8Array): string {
  const marker = readWasmInterface(wasm).exports.find((e) => e.name.startsWith("proxy_abi_version_"));
  return marker ? marker.name.slice("proxy_abi_version_".length).replaceAll("_", ".") : "none";
}
