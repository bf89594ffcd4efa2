import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";
import { declareRun } from "./options.js";

export function registerRun(program: CommandUnknownOpts, io: Io): void {
  declareRun(program)
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
    .action(async (file, options) => {
      const { run } = await import("../../run/run.js");
      await run(file, options, io);
    });
}
