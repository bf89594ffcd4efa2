// `run`'s flags, typed: the counts and sizes are parsed here, so the run reads numbers and a bad value is
// refused before the module is loaded.
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../../errors.js";

/** `--repeat`, `--warmup`, `--workers`, `--seed`: integers ≥ `min` (warm-up and seed may be 0). */
function count(flag: string, min = 1): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${flag} ${value}: expected an integer ≥ ${min}`);
    return n;
  };
}

/** `--max-growth`: bytes, or with a unit (`512`, `4KiB`, `1MiB`). */
function growth(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB)?$/i.exec(value);
  if (!match) throw new UsageError(`--max-growth ${value}: expected bytes per 1,000 streams, e.g. 1024 or 4KiB`);
  const unit = { b: 1, kib: 1024, mib: 1024 * 1024 }[(match[2] ?? "b").toLowerCase() as "b" | "kib" | "mib"];
  return Number(match[1]) * unit;
}

export function declareRun(program: CommandUnknownOpts) {
  return program
    .command("run")
    .description("drive one HTTP request through a filter in the host emulator and show what happened")
    .argument("<file.wasm>", "the filter module")
    .option("--request <scenario>", "scenario file (.json or .yaml): request, upstream response, properties, callouts, vm_config")
    .option("--config <json|@file>", "plugin configuration, inline or @file")
    .option("--tcp", "a TCP connection through a network filter instead (scenario: downstream, upstream, vm_config)")
    .option("--root-id <id>", "the plugin's root_id, for modules that pick their root context by it")
    .option("--json", "print { request, response, localResponse, logs, reset } as JSON")
    .option("--envoy [path]", "run the scenario through a real Envoy instead (default: ENVOY_BIN, envoy on PATH)")
    .option("--compare", "run it through the emulator and a real Envoy; print the differences, exit 1 when they differ")
    .option("--repeat <n>", "serve the scenario n times and report statuses, metrics and memory growth (leak gate)", count("--repeat"))
    .option("--warmup <n>", "with --repeat: streams before the memory baseline (default: a tenth, at most 1000)", count("--warmup", 0))
    .option("--max-growth <bytes>", "with --repeat: fail (exit 1) when memory grows more per 1,000 streams (default 1024; 4KiB…)", growth)
    .option("--workers <k>", "k VMs of one vm_id sharing shared data and queues, as Envoy's worker threads (default --repeat 1000)", count("--workers"))
    .option("--seed <n>", "with --workers: the seed of the order in which workers take streams (default 1)", count("--seed", 0))
    .option("--quiet", "no progress line")
    .option("--inspect", "run under Node's inspector with the module's source map (<file.wasm>.map): breakpoints in assembly/*.ts")
    .option("--inspect-brk", "the same, paused before the filter's first callback");
}
