import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Io } from "../../io.js";

export function registerStatus(program: CommandUnknownOpts, io: Io): void {
  program
    .command("status")
    .description("is the filter loaded? each Wasm filter of a running Envoy or istio-proxy: source, sha256, VM state, metrics")
    .requiredOption("--admin <url>", "the proxy's admin endpoint, e.g. http://127.0.0.1:15000 (kubectl port-forward <pod> 15000)")
    .option("--wasm <file.wasm>", "the module that should be running: flag a sha256 mismatch")
    .option("--json", "print { admin, filters: [{ pluginName, vmId, source, sha256, vm, problems, … }], metrics, wasm }")
    .addHelpText(
      "after",
      `
Reads /config_dump and /stats. Per Wasm filter: plugin name, vm_id and root_id, where the module comes from
(a file, or a url pinned by sha256), its sha256, the failure policy, and whether a VM runs; then the
filters' metrics (wasmcustom.*). Exit 1 when a filter has a problem: the module not fetched (wrong sha256,
unreachable url), no VM running, a fail-open filter skipped, a configuration delivered by ECDS (Istio) that
Envoy rejected, a sha256 other than --wasm's.

Examples:
  $ kubectl port-forward deploy/my-app 15000 & as-proxy-wasm status --admin http://127.0.0.1:15000
  $ as-proxy-wasm status --admin http://127.0.0.1:9901 --wasm build/plugin.wasm --json`,
    )
    .action(async (options) => {
      const { status } = await import("../../debug/status.js");
      await status(options, io);
    });
}
