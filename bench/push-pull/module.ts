// The module both clients move: a valid Wasm module whose custom section holds `sizeMiB` MiB of seeded
// pseudo-random bytes from a 32-symbol alphabet, so it gzips to about two thirds as compiled code does,
// and the same size gives the same bytes on every run.
import { prngBytes } from "../../test/helpers/prng.js";
import { wasmWithCustomSection } from "../../test/fixtures/oci/wasm.js";

export function benchModule(sizeMiB: number): { wasm: Uint8Array; runtimeConfig: Uint8Array } {
  const wasm = wasmWithCustomSection("bench", prngBytes(sizeMiB * 1024 * 1024, sizeMiB, 32));
  // What `push --variant oci` writes as its config for a module that declares no ABI version.
  const runtimeConfig = Buffer.from(JSON.stringify({ created: "1970-01-01T00:00:00Z", type: "envoy_proxy", abiVersions: [], config: {} }));
  return { wasm, runtimeConfig };
}
