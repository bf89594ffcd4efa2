import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";

export function registerBuild(program: CommandUnknownOpts, io: Io): void {
  program
    .command("build")
    .description("compile a filter project to a .wasm module and check that Envoy/Istio can load it")
    .argument("[dir]", "the project directory", ".")
    .option("-o, --output <file.wasm>", "where to write the module (default: <dir>/build/plugin.wasm)")
    .option("--debug", 'keep names and skip optimizations (asconfig target "debug")')
    .option("--force", "compile even when nothing changed since the last build")
    .option("-q, --quiet", "print nothing on success")
    .option("--json", "print { output, size, sha256, abiVersion, upToDate, warnings } as JSON")
    .addHelpText(
      "after",
      `
The entry is package.json "ascMain" (default assembly/index.ts), compiled with the project's asconfig.json
(which extends the SDK's). A module a host would refuse fails the build and leaves the previous output.

Examples:
  $ as-proxy-wasm build
  $ as-proxy-wasm build examples/add-header -o dist/add-header.wasm
  $ as-proxy-wasm build --debug --json`,
    )
    .action(async (dir, options) => {
      const { build } = await import("../../compile/build.js");
      await build(dir, options, io);
    });
}
