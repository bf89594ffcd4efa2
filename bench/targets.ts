// Issue 13's targets beside what the benches measured: one line each, the measured ratio and whether it is
// within the limit. Information for the reader, never a verdict on the run: `npm run bench` exits 0 either way.
import type { Row as EnvoyRow } from "./envoy/run.js";
import type { Row as PushPullRow } from "./push-pull/run.js";
import type { BenchFigures, ModuleFigures } from "./report.js";
import { formatTable, integer } from "./table.js";

/** The size limit for the add-header filter and the default template (DESIGN.md, issue 13). */
export const SIZE_LIMIT = 6 * 1024;

/** The add-header group's baseline (its first module, the hand-written one) and this SDK's module. */
export function addHeaderModules(modules: ModuleFigures[]): { raw?: ModuleFigures; ours?: ModuleFigures } {
  const group = modules.filter((m) => m.group === "add-header");
  return { raw: group[0], ours: group.find((m) => m.name.startsWith("as-proxy-wasm")) };
}

export interface Target {
  target: string;
  /** The figures the ratio comes from, or why there are none. */
  measured: string;
  /** Ours over the reference; absent when not measured. */
  ratio?: number;
  /** The ratio the target allows. */
  limit: number;
}

/** What the three benches wrote with `--save` (absent: that bench did not run or wrote nothing). */
export interface AllFigures {
  emulator?: BenchFigures;
  pushPull?: { rows: PushPullRow[]; skipped?: string };
  envoy?: { rows: EnvoyRow[]; skipped?: string };
}

export function issueTargets(figures: AllFigures, defaultTemplate: string): Target[] {
  return [...sizeAndGuestTargets(figures.emulator, defaultTemplate), ...envoyTargets(figures.envoy), ...pushPullTargets(figures.pushPull)];
}

const notMeasured = (target: string, limit: number, why: string): Target => ({ target, limit, measured: `not measured: ${why}` });

function sizeAndGuestTargets(emulator: BenchFigures | undefined, defaultTemplate: string): Target[] {
  const sizeTarget = (what: string, bytes: number | undefined): Target =>
    bytes === undefined
      ? notMeasured(`${what} ≤ ${integer(SIZE_LIMIT)} bytes`, 1, "no emulator bench figures")
      : { target: `${what} ≤ ${integer(SIZE_LIMIT)} bytes`, limit: 1, ratio: bytes / SIZE_LIMIT, measured: `${integer(bytes)} bytes` };
  const { raw, ours } = addHeaderModules(emulator?.modules ?? []);
  const guest = "guest-only add-header ≤ 1.5× the hand-written module";
  return [
    sizeTarget("add-header (no configuration)", ours?.bytes),
    sizeTarget(`default template (${defaultTemplate})`, emulator?.examples.find((e) => e.name === defaultTemplate)?.bytes),
    raw && ours
      ? { target: guest, limit: 1.5, ratio: ours.guestNs / raw.guestNs, measured: `${integer(ours.guestNs)} ns vs ${integer(raw.guestNs)} ns` }
      : notMeasured(guest, 1.5, "no emulator bench figures"),
  ];
}

/** Ours against each peer, by the latency one filter adds over no filter (the Envoy bench's `+p50`). */
export function envoyTargets(envoy: AllFigures["envoy"]): Target[] {
  const peers = [
    ["the Go SDK", "Go SDK", 1],
    ["proxy-runtime", "@solo-io", 1],
    ["Lua", "Envoy Lua", 1.5],
  ] as const;
  return (["add-header", "heavy"] as const).flatMap((group) => {
    const find = (prefix: string) => envoy?.rows.find((r) => r.group === group && r.name.startsWith(prefix) && r.addedP50Us !== undefined);
    const ours = find("as-proxy-wasm");
    return peers.map(([label, prefix, limit]): Target => {
      const target = `Envoy, ${group}: added p50 ≤ ${limit === 1 ? "" : `${limit}× `}${label}'s`;
      const peer = find(prefix);
      if (!ours || !peer) return notMeasured(target, limit, envoy?.skipped ?? `no row for ${ours ? label : "as-proxy-wasm"}`);
      const cpu = `CPU ${signed(ours.addedCpuUs!)} vs ${signed(peer.addedCpuUs!)} µs`;
      const measured = `${signed(ours.addedP50Us!)} µs vs ${signed(peer.addedP50Us!)} µs (${cpu})`;
      // A cost at or below no filter's is inside this run's noise: a quotient with it would mean nothing.
      const noise = ours.addedP50Us! <= 0 ? "ours" : peer.addedP50Us! <= 0 ? "theirs" : undefined;
      if (noise) return { target, limit, measured: `${measured}: ${noise} inside the noise` };
      return { target, limit, measured, ratio: ours.addedP50Us! / peer.addedP50Us! };
    });
  });
}

const signed = (n: number) => `${n < 0 ? "−" : "+"}${Math.abs(n).toFixed(1)}`;

function pushPullTargets(pushPull: AllFigures["pushPull"]): Target[] {
  if (!pushPull?.rows.length) return [notMeasured("push and pull ≤ 1.0× oras", 1, pushPull?.skipped ?? "no push/pull bench figures")];
  return pushPull.rows.map((r) => ({
    target: `${r.operation} ${r.sizeMiB} MiB (${r.variant}) ≤ 1.0× oras`,
    limit: 1,
    ratio: r.ratio,
    measured: `${integer(r.oursSeconds * 1000)} ms vs ${integer(r.orasSeconds * 1000)} ms`,
  }));
}

/** Two decimals, or three when two would show a ratio just over its limit as equal to it (1.004 → 1.004, not 1.00). */
function shownRatio(ratio: number, limit: number): string {
  const two = ratio.toFixed(2);
  return ratio > limit && Number(two) <= limit ? ratio.toFixed(3) : two;
}

export function formatTargets(targets: Target[]): string {
  const rows = targets.map((t) => [
    t.target,
    t.measured,
    t.ratio === undefined ? "" : `${shownRatio(t.ratio, t.limit)}×`,
    `${t.limit.toFixed(2)}×`,
    t.ratio === undefined ? "?" : t.ratio <= t.limit ? "met" : "not met",
  ]);
  const columns = [{ title: "target (issue 13)" }, { title: "measured" }, { title: "ratio", right: true }, { title: "limit", right: true }, { title: "" }];
  return formatTable(columns, rows);
}
