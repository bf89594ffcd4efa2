import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";
import { declarePull } from "./options.js";
import { pull } from "./pull.js";

const examples = `
Examples:
  $ as-proxy-wasm pull ghcr.io/acme/add-header:1.0.0 -o build/
  $ as-proxy-wasm pull ./image:1.0.0 --oci-layout -o /tmp/filter
  $ as-proxy-wasm pull ghcr.io/acme/add-header:1.0.0 --verify cosign.pub

Accepts every layout Istio loads (compat, oci, docker v2) and a one-layer \`oras push\` of a .wasm.
Every blob is checked against its digest and size before plugin.wasm is written.`;

export function registerPull(program: CommandUnknownOpts, io: Io): void {
  declarePull(program)
    .addHelpText("after", examples)
    .action((ref, flags) => pull(ref, flags, io));
}
