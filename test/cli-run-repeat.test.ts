/**
 * `run --repeat` (the leak gate), `run --workers` (K VMs of one vm_id overlapping), the host helpers behind
 * them (`checkLeaks`, `Workers`), and what a single `run` shows: body chunks from a YAML scenario and metrics.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCached } from "../cli/asc.js";
import { packageRoot } from "../cli/package-root.js";
import { Host } from "../host/index.js";
import { checkLeaks } from "../host/leak.js";
import { Workers } from "../host/workers.js";
import { cli, filterModule, templateProject } from "./helpers/filters.js";

const dir = await mkdtemp(join(tmpdir(), "cli-run-repeat-"));
test.after(() => rm(dir, { recursive: true, force: true }));

/** A fixture of test/fixtures/debug/, built and written to `dir`; its path. */
async function debugFixture(name: string): Promise<string> {
  const path = join(dir, `${name}.wasm`);
  await writeFile(path, await compileCached({ entry: join(packageRoot, "test", "fixtures", "debug", name, "index.ts") }));
  return path;
}

const [leaky, racy, chunks] = await Promise.all([debugFixture("leaky"), debugFixture("racy-budget"), debugFixture("chunks")]);

test("leak gate: a filter keeping every request's path fails run --repeat with the growth it measured", async () => {
  const { code, stdout, stderr } = await cli(["run", leaky, "--repeat", "20000", "--json"], dir);
  assert.equal(code, 1, stderr);
  const result = JSON.parse(stdout);
  assert.equal(result.passed, false);
  assert.deepEqual(result.statuses, { 200: 20000 });
  assert.equal(result.memory.warmup, 1000);
  assert.ok(result.memory.endBytes > result.memory.afterWarmupBytes, JSON.stringify(result.memory));
  assert.ok(result.memory.growthPer1000 > 1024, JSON.stringify(result.memory));
  assert.match(stderr, /^error: the module's memory grew \d+ B per 1,000 streams after the warm-up, past --max-growth 1024: /);
  // A limit above what it leaks lets it through: the threshold is the one given.
  const lenient = await cli(["run", leaky, "--repeat", "20000", "--max-growth", "1MiB"], dir);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stdout, /^20000 streams through one VM, the clock 1 ms on between streams: 200 × 20000\n\nmemory\n {2}at start {10}64 KiB\n/);
  assert.match(lenient.stdout, /growth {12}\d+ B per 1,000 streams \(limit 1024 KiB\)/);
});

test("checkLeaks (host helper): the leaky fixture grows, the same streams through add-header do not", async () => {
  const measure = async (bytes: Uint8Array) => {
    const plugin = (await new Host().loadVm(bytes)).startPlugin();
    return checkLeaks(plugin, { requests: 10_000, warmup: 500, scenario: (i) => ({ request: { headers: [[":path", `/item/${i}`]] } }) });
  };
  const leaks = await measure(await readFile(leaky));
  assert.equal(leaks.requests, 10_000);
  assert.equal(leaks.warmup, 500);
  assert.ok(leaks.growthPer1000 > 1024, JSON.stringify(leaks));
  const clean = await measure(await readFile(await filterModule("sdk/add-header-lean")));
  assert.deepEqual(
    { ...clean, startBytes: undefined },
    { requests: 10_000, warmup: 500, startBytes: undefined, afterWarmupBytes: clean.startBytes, endBytes: clean.startBytes, growthPer1000: 0 },
  );
});

test("--workers 4: the rate-limit template's budget holds exactly across the workers", async () => {
  const project = await templateProject("rate-limit");
  const { code, stdout, stderr } = await cli(
    ["run", "build/plugin.wasm", "--workers", "4", "--repeat", "400", "--config", '{"requestsPerMinute": 100}'],
    project,
  );
  assert.equal(code, 0, stderr);
  assert.match(
    stdout,
    /^400 streams through 4 workers overlapping \(seed 1\), the clock 1 ms on between rounds: 200 × 100, 429 × 300\n {2}served per worker: (\d+), (\d+), (\d+), (\d+)\n {2}the same streams one after another: 200 × 100, 429 × 300\n/,
  );
  const served = /served per worker: (.*)/.exec(stdout)![1]!.split(", ").map(Number);
  assert.equal(
    served.reduce((a, b) => a + b),
    400,
  );
  assert.ok(
    served.every((n) => n > 50),
    `every worker took streams: ${served}`,
  );
});

test("--workers 4: a budget read and written back without compare-and-swap is caught as a race", async () => {
  const { code, stdout, stderr } = await cli(["run", racy, "--workers", "4", "--repeat", "400", "--json"], dir);
  assert.equal(code, 1);
  const result = JSON.parse(stdout);
  assert.deepEqual(result.serialised.statuses, { 200: 100, 429: 300 });
  assert.ok(result.statuses[200] > 100, `overlapping workers let more than the budget through: ${JSON.stringify(result.statuses)}`);
  assert.equal(result.passed, false);
  assert.match(
    stderr,
    /^error: a race between workers: served one after another the streams got 200 × 100, 429 × 300, overlapping 200 × \d+, 429 × \d+; the filter reads shared data and writes it back without compare-and-swap\?/,
  );
  // Another seed, another order: still caught, and the same seed gives the same run.
  const again = await cli(["run", racy, "--workers", "4", "--repeat", "400", "--json"], dir);
  assert.deepEqual(JSON.parse(again.stdout).statuses, result.statuses);
  const seed7 = await cli(["run", racy, "--workers", "4", "--repeat", "400", "--seed", "7"], dir);
  assert.equal(seed7.code, 1);
  assert.match(seed7.stdout, /4 workers overlapping \(seed 7\)/);
});

test("Workers (host helper): shared data is the workers' own, overlap is what lets the racy budget overspend", async () => {
  const bytes = await readFile(racy);
  const allowed = async (overlap: boolean) => {
    const workers = await Workers.start(bytes, { workers: 4, vmId: "budget", overlap });
    let ok = 0;
    for (let i = 0; i < 300; i++) if ((await workers.serve({})).localResponse === null) ok++;
    const used = workers.host.getSharedData("racy.used", "budget")!;
    return { ok, used: Buffer.from(used.value).readUInt32LE(0), vms: workers.host.vms.length };
  };
  assert.deepEqual(await allowed(false), { ok: 100, used: 100, vms: 4 });
  const overlapping = await allowed(true);
  assert.ok(overlapping.ok > 100, JSON.stringify(overlapping));
  // Lost updates: more requests passed than the shared count says were used.
  assert.ok(overlapping.used < overlapping.ok, JSON.stringify(overlapping));
});

test("run: a YAML scenario's bodyChunks arrive as chunks, and the filter's metrics are printed", async () => {
  await writeFile(join(dir, "chunks.yaml"), `request:\n  headers: { ":method": POST }\n  bodyChunks: [abc, defgh]\n`);
  const { code, stdout, stderr } = await cli(["run", chunks, "--request", "chunks.yaml"], dir);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /\n {2}abcdefgh\n/);
  assert.match(
    stdout,
    /logs \(2\)\n {2}\[info\] chunk 3 end=false\n {2}\[info\] chunk 5 end=true\n\nmetrics \(2\)\n {2}chunks_body_bytes \(counter\) 8\n {2}chunks_requests \(counter\) 1\n$/,
  );
  const json = JSON.parse((await cli(["run", chunks, "--request", "chunks.yaml", "--json"], dir)).stdout);
  assert.deepEqual(json.metrics, { chunks_requests: { type: "counter", value: 1 }, chunks_body_bytes: { type: "counter", value: 8 } });
});

test("bad input: one-line errors naming the flag or field", async () => {
  await writeFile(join(dir, "both.yaml"), `request:\n  body: x\n  bodyChunks: [a]\n`);
  await writeFile(join(dir, "callout-chunks.yaml"), `callouts:\n  auth: { status: 200, bodyChunks: [a] }\n`);
  const cases: [string[], RegExp][] = [
    [["run", leaky, "--repeat", "0"], /^error: --repeat 0: expected an integer ≥ 1\n/],
    [["run", leaky, "--workers", "two"], /^error: --workers two: expected an integer ≥ 1\n/],
    [["run", leaky, "--repeat", "10", "--max-growth", "lots"], /^error: --max-growth lots: expected bytes per 1,000 streams, e.g. 1024 or 4KiB\n/],
    [["run", leaky, "--workers", "2", "--tcp"], /^error: --workers serves HTTP streams: not with --tcp \(--repeat alone checks a network filter for leaks\)\n/],
    [["run", leaky, "--repeat", "10", "--compare"], /^error: --repeat and --workers run in the emulator: not with --compare\n/],
    [["run", chunks, "--request", "both.yaml"], /^error: both.yaml: request.bodyChunks must be given without body \(one or the other\)\n/],
    [
      ["run", chunks, "--request", "callout-chunks.yaml"],
      /^error: callout-chunks.yaml: unknown field callouts.auth.bodyChunks \(expected headers, body, trailers\)\n/,
    ],
  ];
  for (const [args, expected] of cases) {
    const { code, stderr } = await cli(args, dir);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, expected);
  }
});
