// `pull`'s flags, typed: what commander parses is what the pull reads.
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { addOciLayoutOption, addRegistryOptions } from "../../oci/cli-options.js";

export function declarePull(program: CommandUnknownOpts) {
  const command = program
    .command("pull")
    .summary("fetch a Wasm image and write plugin.wasm")
    .description("Fetch the image <ref>, verify every digest, and write <dir>/plugin.wasm")
    .argument("<ref>", "registry/repository[:tag|@digest], or <dir>[:tag] with --oci-layout")
    .option("-o, --output <dir>", "directory to write plugin.wasm into", ".")
    .option("--json", 'print { "digest", "reference", "file", "layout", "size", "variant", "abiVersions", "rootIds", "signatures" } on stdout')
    .option("--verify <public.key>", "refuse the image unless a cosign signature of its digest verifies with this key (nothing is written)");
  return addRegistryOptions(addOciLayoutOption(command));
}

export type PullFlags = ReturnType<ReturnType<typeof declarePull>["opts"]>;
