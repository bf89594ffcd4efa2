import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";

export function registerInspect(program: CommandUnknownOpts, io: Io): void {
  program
    .command("inspect")
    .description("show a module's ABI version, imports, exports and size, and whether Envoy/Istio can load it")
    .argument("<file.wasm>", "the module to inspect (from any SDK)")
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      `
Exits with 1 when a host would refuse the module, listing every reason.

Examples:
  $ as-proxy-wasm inspect build/plugin.wasm
  $ as-proxy-wasm inspect build/plugin.wasm --json | jq .problems`,
    )
    .action(async (file, options) => {
      const { inspect } = await import("../../wasm/inspect.js");
      await inspect(file, options, io);
    });
}
