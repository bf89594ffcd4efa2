import type { createColors } from "picocolors";
import type { Host } from "../../host/index.js";

/** The filter's metrics by name: `{ type, value }` (value a number; Envoy's are 64-bit but never that large here). */
export function metricsJson(host: Host): Record<string, { type: string; value: number }> {
  return Object.fromEntries([...host.metrics()].map(([name, { type, value }]) => [name, { type, value: Number(value) }]));
}

/** The metrics section of `run`'s output, named as the filter defined them (Envoy prefixes them `wasmcustom.`). */
export function formatMetrics(host: Host, c: ReturnType<typeof createColors>): string[] {
  const metrics = [...host.metrics()].sort(([a], [b]) => a.localeCompare(b));
  return [c.bold(`metrics (${metrics.length})`), ...metrics.map(([name, { type, value }]) => `  ${name} ${c.dim(`(${type})`)} ${value}`)];
}
