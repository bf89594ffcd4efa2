// Loads the built filter into the Proxy-Wasm host emulator, the way Envoy would, for the tests beside it.
import { readFile } from "node:fs/promises";
import { Host } from "as-proxy-wasm/host";

const wasm = await readFile(new URL("../build/plugin.wasm", import.meta.url));
export const exampleConfig = await readFile(new URL("../config.example.json", import.meta.url), "utf8");

/**
 * Starts the filter (by default configured with config.example.json) in a new VM of `host` (default: a
 * fresh Host). VMs of one host with the same `vmId` share data, like an Envoy's worker threads.
 */
export async function startPlugin(configuration = exampleConfig, { host = new Host(), vmId } = {}) {
  const vm = await host.loadVm(wasm, { vmId });
  return { host, plugin: vm.startPlugin({ configuration }) };
}

/** The value of header `name` in a [name, value] list, or undefined. */
export function header(headers, name) {
  return headers.find(([n]) => n === name)?.[1];
}
