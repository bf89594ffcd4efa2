import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";
import { declarePush } from "./options.js";
import { push } from "./push.js";

const examples = `
Examples:
  $ as-proxy-wasm push build/plugin.wasm ghcr.io/acme/add-header:1.0.0
  $ as-proxy-wasm push build/plugin.wasm localhost:5000/add-header:dev --variant oci --json
  $ as-proxy-wasm push build/plugin.wasm ./image:1.0.0 --oci-layout      # no registry needed
  $ COSIGN_PASSWORD=… as-proxy-wasm push build/plugin.wasm ghcr.io/acme/add-header:1.0.0 --sign cosign.key

Credentials: --username with --password-stdin, else AS_PROXY_WASM_REGISTRY_USERNAME and
AS_PROXY_WASM_REGISTRY_PASSWORD, else the docker config.json (see \`as-proxy-wasm login\`).
The image is reproducible: 'created' is SOURCE_DATE_EPOCH (or 1970-01-01T00:00:00Z), never the clock.`;

export function registerPush(program: CommandUnknownOpts, io: Io): void {
  declarePush(program)
    .addHelpText("after", examples)
    .action((file, ref, flags) => push(file, ref, flags, io));
}
