// The benchmark report: sizes, then per-request cost through the host emulator and guest-only, each module
// beside its group's baseline (the hand-written raw-ABI filter). Prints figures; never fails on a time.
import { exampleSizes, exampleSizesTable, type ExampleSize } from "./example-sizes.js";
import { guestBatch } from "./guest-cost.js";
import { hostBatch } from "./host-cost.js";
import { medianNsPerOp } from "./measure.js";
import { buildModules, type BenchModule } from "./modules.js";
import { formatTable, integer, ratio } from "./table.js";
import { addHeaderModules, SIZE_LIMIT } from "./targets.js";

export interface BenchOptions {
  /** Few iterations: checks that everything runs (the smoke test), figures are noisy. */
  quick?: boolean;
}

export interface ModuleFigures {
  group: BenchModule["group"];
  name: string;
  abiVersion: string;
  bytes: number;
  /** Median ns per request through the host emulator, and guest-only with minimal imports. */
  hostNs: number;
  guestNs: number;
}

/** What `--json` prints: the benchmarked modules, and the release size of every gallery example. */
export interface BenchFigures {
  modules: ModuleFigures[];
  examples: ExampleSize[];
}

const FULL = { host: { iterations: 1000, rounds: 15 }, guest: { iterations: 20_000, rounds: 15 } };
const QUICK = { host: { iterations: 20, rounds: 2 }, guest: { iterations: 200, rounds: 2 } };

// DESIGN.md's cost target for the add-header filter (its size target: SIZE_LIMIT), and a figure measured before
// with a toolchain not installed here.
const COST_TARGET = 1.2;
const TINYGO_ADD_HEADER_BYTES = 21_528;

/** Builds the modules, measures them and writes the report with `write`; returns the figures. */
export async function runBench(options: BenchOptions, write: (text: string) => void): Promise<BenchFigures> {
  const settings = options.quick ? QUICK : FULL;
  const modules = await buildModules();
  const hostNs = await medianNsPerOp(await Promise.all(modules.map(hostBatch)), settings.host.iterations, settings.host.rounds);
  const guestNs = await medianNsPerOp(await Promise.all(modules.map(guestBatch)), settings.guest.iterations, settings.guest.rounds);
  const figures = modules.map((m, i): ModuleFigures => ({
    group: m.group,
    name: m.name,
    abiVersion: m.abiVersion,
    bytes: m.wasm.length,
    hostNs: hostNs[i]!,
    guestNs: guestNs[i]!,
  }));

  const { host, guest } = settings;
  write(`as-proxy-wasm benchmarks${options.quick ? " (quick mode: figures are noisy)" : ""}, Node ${process.version}\n\n`);
  write(`Module size (release builds)\n${table(figures, "bytes", (f) => f.bytes, true)}\n`);
  write(`  not built here: TinyGo Go-SDK add-header, ${integer(TINYGO_ADD_HEADER_BYTES)} bytes (measured before)\n\n`);
  const examples = await exampleSizes();
  write(`Example sizes (release builds of examples/*, beside the ${integer(SIZE_LIMIT)}-byte target)\n${exampleSizesTable(examples, SIZE_LIMIT)}\n\n`);
  write(`Per request through the host emulator (${integer(host.iterations)} streams × ${host.rounds} rounds, median)\n`);
  write(`${table(figures, "ns/request", (f) => f.hostNs)}\n\n`);
  write(`Per request, guest only: minimal imports (${integer(guest.iterations)} requests × ${guest.rounds} rounds, median)\n`);
  write(`${table(figures, "ns/request", (f) => f.guestNs)}\n\n`);
  write(`${targets(figures)}\n`);
  return { modules: figures, examples };
}

/** One row per module: group, name, (ABI version,) the figure, its ratio to the group's baseline. */
function table(figures: ModuleFigures[], title: string, figure: (f: ModuleFigures) => number, withAbi = false): string {
  const rows = figures.map((f) => {
    const baseline = figures.find((b) => b.group === f.group)!;
    return [f.group, f.name, ...(withAbi ? [f.abiVersion] : []), integer(figure(f)), ratio(figure(f), figure(baseline))];
  });
  const columns = [{ title: "filter" }, { title: "module" }, ...(withAbi ? [{ title: "ABI" }] : []), { title, right: true }, { title: "× raw", right: true }];
  return formatTable(columns, rows);
}

/** DESIGN.md's targets beside what was measured for our add-header filter (information, not a verdict). */
function targets(figures: ModuleFigures[]): string {
  const pair = addHeaderModules(figures);
  const [raw, ours] = [pair.raw!, pair.ours!];
  return [
    `Targets (DESIGN.md) for the add-header filter: at most ${integer(SIZE_LIMIT)} bytes, per-request cost within ${COST_TARGET}× of raw.`,
    `  measured: ${integer(ours.bytes)} bytes; ${ratio(ours.hostNs, raw.hostNs)} through the host, ${ratio(ours.guestNs, raw.guestNs)} guest only`,
  ].join("\n");
}
