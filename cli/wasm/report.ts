import { createColors } from "picocolors";
import { CALLBACKS } from "../../host/abi.js";
import type { WasmExport } from "../../host/wasm-binary.js";
import type { Output } from "../io.js";
import { formatType, type ModuleInfo } from "./module-info.js";
import type { Verdict } from "./verdict.js";

/** The `inspect --json` document (also what `build --json` nests under `check`). */
export function reportJson(file: string, info: ModuleInfo, verdict: Verdict) {
  return {
    file,
    size: info.size,
    abiVersion: verdict.abiVersion,
    loadable: verdict.loadable,
    problems: verdict.problems,
    warnings: verdict.warnings,
    imports: info.imports.map(({ module, name, kind, type }) => ({ module, name, kind, ...type })),
    exports: info.exports,
    customSections: info.customSections,
  };
}

/** The human `inspect` report: header, imports, exports, custom sections, then the verdict. */
export function formatReport(file: string, info: ModuleInfo, verdict: Verdict, out: Output): string {
  const lines = [`${file}: ${formatBytes(info.size)}, ${verdict.abiVersion ? `Proxy-Wasm ABI ${verdict.abiVersion}` : "no Proxy-Wasm ABI version"}`];
  const table = (title: string, rows: [string, string][]) => {
    lines.push("", `${title} (${rows.length})`);
    const width = Math.max(0, ...rows.map(([name]) => name.length));
    for (const [name, detail] of rows) lines.push(`  ${name.padEnd(width)}  ${detail}`.trimEnd());
  };
  table(
    "imports",
    info.imports.map((i) => [`${i.module}.${i.name}`, i.type ? formatType(i.type) : i.kind]),
  );
  table(
    "exports",
    info.exports.map((e) => [e.name, exportRole(e)]),
  );
  if (info.customSections.length > 0) {
    table(
      "custom sections",
      info.customSections.map((s) => [s.name, formatBytes(s.size)]),
    );
  }
  lines.push("", formatVerdict(verdict, out));
  return `${lines.join("\n")}\n`;
}

/** The verdict alone: one line when loadable, else one line per problem (and warnings either way). */
export function formatVerdict(verdict: Verdict, out: Output): string {
  const c = createColors(!!out.isTTY);
  const lines = verdict.loadable
    ? [c.green("✓ loadable by Envoy/Istio")]
    : [c.red("✗ not loadable by Envoy/Istio:"), ...verdict.problems.map((p) => `  - ${p}`)];
  lines.push(...verdict.warnings.map((w) => c.yellow(`warning: ${w}`)));
  return lines.join("\n");
}

/** Not in the spec, but proxy-wasm-cpp-host (so Envoy/Istio) calls them when exported (abi.md §1). */
const CPP_HOST_ONLY_CALLBACKS = new Set(["proxy_on_request_metadata", "proxy_on_response_metadata"]);

/** What a host does with an export, so a misspelt callback stands out as "not used by hosts". */
function exportRole(e: WasmExport): string {
  if (e.kind !== "function") return e.kind;
  if (e.name.startsWith("proxy_abi_version_")) return "ABI version marker";
  if (e.name === "malloc" || e.name === "proxy_on_memory_allocate") return "allocator";
  if (e.name === "_initialize" || e.name === "_start" || e.name === "main") return "initialization";
  if (Object.hasOwn(CALLBACKS, e.name) || CPP_HOST_ONLY_CALLBACKS.has(e.name)) return "callback";
  return "function (not used by hosts)";
}

export function formatBytes(size: number): string {
  return `${size.toLocaleString("en-US")} bytes`;
}
