import { createColors } from "picocolors";
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
    exports: info.exports.map(({ name, kind, type }) => ({ name, kind, ...type })),
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
  table("imports", info.imports.map((i) => [`${i.module}.${i.name}`, i.type ? formatType(i.type) : i.kind]));
  table("exports", info.exports.map((e) => [e.name, e.type ? formatType(e.type) : e.kind]));
  if (info.customSections.length > 0) {
    table("custom sections", info.customSections.map((s) => [s.name, formatBytes(s.size)]));
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

export function formatBytes(size: number): string {
  return `${size.toLocaleString("en-US")} bytes`;
}
