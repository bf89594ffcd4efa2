import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";

export function registerSymbolize(program: CommandUnknownOpts, io: Io): void {
  program
    .command("symbolize")
    .description("name the frames of the Wasm backtraces in Envoy's log, with file:line from the module's source map")
    .argument("[envoy.log]", "Envoy's log (default: standard input)")
    .requiredOption("--wasm <file.wasm>", "the module Envoy ran (the very build: offsets are its own)")
    .option("--source-map <file.map>", "its source map (default: <file.wasm>.map when present)")
    .addHelpText(
      "after",
      `
Envoy logs a trap as "Function: proxy_on_… failed: Uncaught RuntimeError: …" followed, for a module with a
name section, by "Proxy-Wasm plugin in-VM backtrace:" and one "  N:  0xOFFSET - name" line per frame.
symbolize copies the log, adding to each frame "at file:line:column" (from the source map) and naming frames
Envoy printed as "unknown(function index:N)".

Examples:
  $ kubectl logs deploy/my-app -c istio-proxy | as-proxy-wasm symbolize --wasm build/debug.wasm
  $ as-proxy-wasm symbolize envoy.log --wasm build/debug.wasm --source-map build/debug.wasm.map`,
    )
    .action(async (logFile, options) => {
      const { symbolizeCommand } = await import("../../debug/symbolize.js");
      await symbolizeCommand(logFile, options, io);
    });
}
