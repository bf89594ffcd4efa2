// `npm run bench:push-pull` (node --import ./scripts/tsx.mjs bench/push-pull/run.ts): `as-proxy-wasm push`/`pull` against the
// real `oras` CLI doing the same job, as whole commands, on the same local registry (Debian's docker-registry,
// test/helpers/registry.ts). Per module size and variant: a first push (every blob uploaded, each round to a
// new repository), a second push of the same image (blobs already there), and a pull. The two clients run in
// turn (ours, oras, ours, oras …) so they share the machine's noise; the figure quoted is the median, and the
// ratio is the median of the pairs' ratios. Flags: `--quick` (one round, no warm-up), `--json`, `--save <file>`,
// `--rounds N` (default 5), `--sizes 16,64` (MiB), `--ours <bin>` (another build's bin/as-proxy-wasm.js, to
// compare before and after a change). Never fails on a time; a missing oras or registry is a note.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../cli/package-root.js";
import { startRegistry } from "../../test/helpers/registry.js";
import { figuresOutput } from "../output.js";
import { formatTable, integer } from "../table.js";
import { benchModule } from "./module.js";
import { orasCli, orasVersion } from "./oras.js";

const argv = process.argv.slice(2);
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const quick = argv.includes("--quick");
const output = figuresOutput(argv);
const json = output.json;
const rounds = quick ? 1 : Math.max(1, Number(option("--rounds") ?? 5) || 5);
const sizes = (option("--sizes") ?? "16,64")
  .split(",")
  .map(Number)
  .filter((n) => n > 0);
const write = (text: string) => void process.stdout.write(text);
const note = (text: string) => (json ? process.stderr.write(`${text}\n`) : write(`${text}\n`));

type Variant = "oci" | "compat";
type Operation = "push" | "push again" | "pull";

interface Timed {
  seconds: number;
  /** Peak resident memory of the command, from /usr/bin/time (absent without it). */
  maxRssKiB?: number;
}

export interface Row {
  sizeMiB: number;
  variant: Variant;
  operation: Operation;
  oursSeconds: number;
  orasSeconds: number;
  /** Median of ours/oras over the pairs. */
  ratio: number;
  oursMaxRssKiB?: number;
  orasMaxRssKiB?: number;
}

const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

/** Runs a command to completion; its wall time, and peak memory when /usr/bin/time is there. Throws on a non-zero exit. */
function timed(command: string, args: string[], cwd: string): Promise<Timed> {
  const [file, fileArgs] = timeBin ? [timeBin, ["-f", "maxrss %M", command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(file, fileArgs, { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim()}`));
      const rss = /maxrss (\d+)/.exec(stderr)?.[1];
      resolve({ seconds, ...(rss ? { maxRssKiB: Number(rss) } : {}) });
    });
  });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const oras = await orasCli();
if ("missing" in oras) {
  note(`push/pull bench skipped: ${oras.missing}`);
  await output.emit({ skipped: oras.missing, rows: [] });
  process.exit(0);
}
if (!existsSync(join(packageRoot, "dist", "cli", "index.js"))) {
  note("push/pull bench skipped: the CLI is not built (run npm run build:ts)");
  await output.emit({ skipped: "the CLI is not built", rows: [] });
  process.exit(0);
}

const registry = await startRegistry();
const work = await mkdtemp(join(tmpdir(), "bench-push-pull-"));
const ourBin = option("--ours") ?? join(packageRoot, "bin", "as-proxy-wasm.js");
const rows: Row[] = [];
let fresh = 0;
try {
  for (const sizeMiB of sizes) {
    // oras pushes files by name: plugin.wasm and runtime-config.json, and a directory holding plugin.wasm for compat.
    const dir = join(work, `${sizeMiB}m`);
    const { wasm, runtimeConfig } = benchModule(sizeMiB);
    await mkdir(join(dir, "module"), { recursive: true });
    await writeFile(join(dir, "plugin.wasm"), wasm);
    await writeFile(join(dir, "module", "plugin.wasm"), wasm);
    await writeFile(join(dir, "runtime-config.json"), runtimeConfig);
    for (const variant of ["oci", "compat"] as const) {
      const orasContent =
        variant === "oci"
          ? [
              "--config",
              "runtime-config.json:application/vnd.module.wasm.config.v1+json",
              "runtime-config.json:application/vnd.module.wasm.config.v1+json",
              "plugin.wasm:application/vnd.module.wasm.content.layer.v1+wasm",
            ]
          : ["module:application/vnd.oci.image.layer.v1.tar+gzip"];
      const refs = { ours: "", oras: "" };
      const commands: Record<Operation, { ours: () => string[]; oras: () => string[] }> = {
        push: {
          ours: () => [
            "push",
            join(dir, "plugin.wasm"),
            (refs.ours = `${registry.host}/bench/ours-${variant}-${sizeMiB}-${++fresh}:v1`),
            "--variant",
            variant,
            "--quiet",
          ],
          oras: () => ["push", "--plain-http", "--no-tty", (refs.oras = `${registry.host}/bench/oras-${variant}-${sizeMiB}-${++fresh}:v1`), ...orasContent],
        },
        "push again": {
          ours: () => ["push", join(dir, "plugin.wasm"), refs.ours, "--variant", variant, "--quiet"],
          oras: () => ["push", "--plain-http", "--no-tty", refs.oras, ...orasContent],
        },
        pull: {
          ours: () => ["pull", refs.ours, "-o", join(dir, `out-${++fresh}`), "--quiet"],
          oras: () => ["pull", "--plain-http", "--no-tty", refs.oras, "-o", join(dir, `out-${++fresh}`)],
        },
      };
      const samples: Record<Operation, { ours: Timed[]; oras: Timed[] }> = {
        push: { ours: [], oras: [] },
        "push again": { ours: [], oras: [] },
        pull: { ours: [], oras: [] },
      };
      // Round 0 warms the page cache, the registry and both binaries; it is not counted.
      for (let round = quick ? 1 : 0; round <= rounds; round++) {
        for (const operation of ["push", "push again", "pull"] as const) {
          const ours = await timed(process.execPath, [ourBin, ...commands[operation].ours()], dir);
          const theirs = await timed(oras.path, commands[operation].oras(), dir);
          if (round > 0) {
            samples[operation].ours.push(ours);
            samples[operation].oras.push(theirs);
          }
        }
      }
      for (const operation of ["push", "push again", "pull"] as const) {
        const { ours, oras: theirs } = samples[operation];
        const rss = (list: Timed[]) => (list.every((t) => t.maxRssKiB !== undefined) ? Math.max(...list.map((t) => t.maxRssKiB!)) : undefined);
        rows.push({
          sizeMiB,
          variant,
          operation,
          oursSeconds: median(ours.map((t) => t.seconds)),
          orasSeconds: median(theirs.map((t) => t.seconds)),
          ratio: median(ours.map((t, i) => t.seconds / theirs[i]!.seconds)),
          oursMaxRssKiB: rss(ours),
          orasMaxRssKiB: rss(theirs),
        });
      }
    }
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? "unknown CPU"}, Node ${process.version}, oras ${orasVersion}`;
await output.emit({ machine, date: new Date().toISOString(), rounds, rows });
if (!json) {
  write(
    `Push and pull, as-proxy-wasm vs oras ${orasVersion} (whole commands, local docker-registry; median of ${rounds} round(s); ratio = median of ours/oras per pair, ≤ 1.00× is the target)\n`,
  );
  write(`${machine}\n`);
  const mib = (kib?: number) => (kib === undefined ? "n/a" : integer(kib / 1024));
  write(
    `${formatTable(
      [
        { title: "module" },
        { title: "variant" },
        { title: "operation" },
        { title: "ours ms", right: true },
        { title: "oras ms", right: true },
        { title: "ratio", right: true },
        { title: "ours peak MiB", right: true },
        { title: "oras peak MiB", right: true },
      ],
      rows.map((r) => [
        `${r.sizeMiB} MiB`,
        r.variant,
        r.operation,
        integer(r.oursSeconds * 1000),
        integer(r.orasSeconds * 1000),
        `${r.ratio.toFixed(2)}×`,
        mib(r.oursMaxRssKiB),
        mib(r.orasMaxRssKiB),
      ]),
    )}\n`,
  );
}
