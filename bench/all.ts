// `npm run bench`: the emulator bench, push/pull against oras, and the per-request cost inside Envoy, one after
// the other, each printing its report; then every target of issue 13 with its measured ratio, and all the
// figures in one JSON file (`--out <file>`, default bench-results.json). `--quick` is passed to each bench
// (a fast check, noisy figures). Exits 1 when a bench fails (a module that does not build or do its work),
// never because of a time.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DEFAULT_TEMPLATE } from "../cli/init/templates.js";
import { packageRoot } from "../cli/package-root.js";
import { formatTargets, issueTargets, type AllFigures } from "./targets.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const out = resolve(argv.includes("--out") ? argv[argv.indexOf("--out") + 1]! : "bench-results.json");

const benches: [key: keyof AllFigures, script: string][] = [
  ["emulator", "bench/run.ts"],
  ["pushPull", "bench/push-pull/run.ts"],
  ["envoy", "bench/envoy/run.ts"],
];

function run(script: string, save: string): Promise<number> {
  const args = ["--import", "./scripts/tsx.mjs", script, ...(quick ? ["--quick"] : []), "--save", save];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, args, { cwd: packageRoot, stdio: "inherit" });
    child.on("error", fail);
    child.on("close", (code) => done(code ?? 1));
  });
}

const work = await mkdtemp(join(tmpdir(), "bench-"));
const figures: AllFigures = {};
let failed = 0;
try {
  for (const [key, script] of benches) {
    const save = join(work, `${key}.json`);
    if ((await run(script, save)) !== 0) failed++;
    process.stdout.write("\n");
    const saved = await readFile(save, "utf8").catch(() => undefined);
    if (saved !== undefined) Object.assign(figures, { [key]: JSON.parse(saved) as unknown });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const targets = issueTargets(figures, DEFAULT_TEMPLATE);
process.stdout.write(`Targets of issue 13, as measured in this run (${cpus().length} × ${cpus()[0]?.model.trim() ?? "?"}, ${new Date().toISOString()})\n`);
process.stdout.write(`${formatTargets(targets)}\n`);
await writeFile(out, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, ...figures, targets }, null, 2)}\n`);
process.stdout.write(`\nAll figures: ${out}\n`);
if (failed) process.exitCode = 1;
