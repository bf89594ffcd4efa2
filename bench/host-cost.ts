// Per-request cost through the real host emulator: each request is a whole HTTP stream as Envoy drives it
// (create → request headers → response headers [→ body] → log → done → delete), host work included.
import { Host, type HttpScenario, type HttpStreamResult } from "../host/index.js";
import type { BenchModule } from "./modules.js";
import type { Batch } from "./measure.js";
import { WORKLOADS, type Workload } from "./workloads.js";

/** Loads `module` in a fresh host, checks one stream does the group's work, and returns a batch of streams. */
export async function hostBatch(module: BenchModule): Promise<Batch> {
  const host = new Host();
  const vm = await host.loadVm(module.wasm, { vmId: "bench" });
  const plugin = vm.startPlugin({ name: module.plugin.rootId, rootId: module.plugin.rootId, configuration: module.plugin.configuration });
  const workload = WORKLOADS[module.group];
  const scenario = scenarioOf(workload);
  checkWork(module, workload, await plugin.httpStream(scenario));
  return async (iterations) => {
    for (let i = 0; i < iterations; i++) await plugin.httpStream(scenario);
    host.clearLogs(); // some filters log on every stream; keep the host's log from growing
  };
}

function scenarioOf(workload: Workload): HttpScenario {
  return {
    request: { headers: workload.requestHeaders },
    response: { headers: workload.responseHeaders, ...(workload.responseBody === undefined ? {} : { body: workload.responseBody }) },
  };
}

function checkWork(module: BenchModule, workload: Workload, result: HttpStreamResult): void {
  const added = (result.request?.headers.length ?? 0) - workload.requestHeaders.length;
  const addedToResponse = result.response.headers.length - workload.responseHeaders.length;
  const rewritten = workload.responseBody !== undefined && result.response.body !== workload.responseBody;
  if (added !== workload.addsToRequest || addedToResponse !== workload.addsToResponse || rewritten !== workload.rewritesBody) {
    throw new Error(`${module.name} (${module.group}) did not do the benchmark's work in the host: ${JSON.stringify(result)}`);
  }
}
