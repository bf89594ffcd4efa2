// `npm test`'s first step: compiles the AssemblyScript modules the suites build (the fixtures of test/fixtures/,
// every template, the bench's modules) into the shared compile cache (.test-cache/), each through the very
// function its suites call, so the cache keys match. Why a step of its own: a suite's process compiling its
// first module pays for loading binaryen and for V8 warming up to it (2-3 s of CPU each time); here two
// processes, each taking every other module, pay that once. A module left out is compiled by the first suite
// that needs it, as before.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildModules } from "../bench/modules.js";
import { packageRoot } from "../cli/package-root.js";
import { TEMPLATES } from "../cli/init/templates.js";
import { buildFixture as hostFixture } from "../test/fixtures/host/build.js";
import { filterModule } from "../test/helpers/filters.js";
import { templateModule } from "../test/helpers/template-module.js";

type Job = [name: string, compile: () => Promise<unknown>];

const fixtures = join(packageRoot, "test", "fixtures");
const folders = (kind: string) => readdirSync(join(fixtures, kind), { withFileTypes: true }).filter((entry) => entry.isDirectory());
// The host's raw modules are single files; these are imported by the others, or build them.
const notModules = new Set(["build.ts", "common.ts", "exports-021.ts"]);

const jobs: Job[] = [
  ...["sdk", "differential", "debug"].flatMap((kind) => folders(kind).map((dir): Job => [`${kind}/${dir.name}`, () => filterModule(`${kind}/${dir.name}`)])),
  ...readdirSync(join(fixtures, "host"))
    .filter((file) => file.endsWith(".ts") && !notModules.has(file))
    .map((file): Job => [`host/${file}`, () => hostFixture(file.slice(0, -".ts".length))]),
  ...TEMPLATES.map((name): Job => [`template ${name}`, () => templateModule(name)]),
  ["the bench's modules", buildModules],
];

const shard = process.argv.indexOf("--shard");
if (shard > 0) {
  // This process's share: every `of`-th job from `index`, one compile at a time.
  const [index, of] = process.argv[shard + 1]!.split("/").map(Number) as [number, number];
  for (const [i, [name, compile]] of jobs.entries()) {
    if (i % of !== index) continue;
    // Not fatal here: the suite that builds it reports the compiler's diagnostics where they belong.
    await compile().catch(() => console.log(`# ${name} did not compile; its suite will say why`));
  }
} else {
  const started = performance.now();
  const shards = 2;
  const self = fileURLToPath(import.meta.url);
  // V8's Liftoff tier alone, as `build` runs: its optimizing tier costs binaryen more than it saves here too.
  const outputs = await Promise.all(
    Array.from({ length: shards }, (_, index) =>
      promisify(execFile)(process.execPath, [...process.execArgv, "--liftoff-only", self, "--shard", `${index}/${shards}`], {
        cwd: packageRoot,
        maxBuffer: 16 * 1024 * 1024,
      }),
    ),
  );
  for (const { stdout } of outputs) process.stdout.write(stdout);
  console.log(`# ${jobs.length} AssemblyScript modules compiled or found in .test-cache/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
