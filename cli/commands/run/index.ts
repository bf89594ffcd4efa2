import type { Command } from "commander";
import type { Io } from "../../io.js";

export function registerRun(program: Command, io: Io): void {
  program
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
    .option("--repeat <n>", "serve the scenario n times and report statuses, metrics and memory growth (leak gate)")
    .option("--warmup <n>", "with --repeat: streams before the memory baseline (default: a tenth, at most 1000)")
    .option("--max-growth <bytes>", "with --repeat: fail (exit 1) when memory grows more per 1,000 streams (default 1024; 4KiB…)")
    .option("--workers <k>", "k VMs of one vm_id sharing shared data and queues, as Envoy's worker threads (default --repeat 1000)")
    .option("--seed <n>", "with --workers: the seed of the order in which workers take streams (default 1)")
    .option("--quiet", "no progress line")
    .option("--inspect", "run under Node's inspector with the module's source map (<file.wasm>.map): breakpoints in assembly/*.ts")
    .option("--inspect-brk", "the same, paused before the filter's first callback")
    .addHelpText(
      "after",
      `
Without --request: GET / (host example.com) answered by the upstream with 200 and a short body. Request
headers a scenario leaves out keep these defaults (:method, :path, :authority, :scheme, user-agent, accept).

Scenario (every field optional):
  request:  { headers: [[":method", "POST"], [":path", "/login"]], body: "…" }
  response: { headers: [[":status", "200"]], bodyChunks: ["…", "…"] }   # upstream's answer, in chunks
  properties: { "source.address": "10.0.0.1:1234" }
  callouts: { auth-cluster: { status: 200, body: "ok" } }  # or { failure: "timeout" }
  vm_config: "…"

With --tcp: { downstream: ["chunk", …], upstream: ["chunk", …], vm_config } (what the client sends and
what the server answers); the output shows what each side received and whether the filter closed it.

Examples:
  $ as-proxy-wasm run build/plugin.wasm
  $ as-proxy-wasm run build/plugin.wasm --request scenario.yaml --config '{"header":"x-hello"}' --json
  $ as-proxy-wasm run build/plugin.wasm --tcp --config @config.example.json
  $ as-proxy-wasm run build/plugin.wasm --envoy --config @config.example.json
  $ as-proxy-wasm run build/plugin.wasm --compare --request scenario.yaml --config @config.example.json
  $ as-proxy-wasm run build/plugin.wasm --repeat 100000 --config @config.example.json
  $ as-proxy-wasm run build/plugin.wasm --workers 4 --repeat 400 --config '{"requestsPerMinute":100}'

With --envoy the scenario runs through a local Envoy (≥ 1.33; tested with 1.40): a loopback upstream answers
as "response" says, each callout cluster is a loopback server answering as "callouts" says, and the output
is the emulator's (what reached the upstream, what the client got, the local reply, the filter's logs), plus
the headers Envoy itself adds. "properties" are the emulator's only: Envoy reads the real stream.`,
    )
    .action(async (file: string, options: import("../../run/run.js").RunOptions) => {
      const { run } = await import("../../run/run.js");
      await run(file, options, io);
    });
}
