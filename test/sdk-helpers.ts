// Shared by the SDK suites: build an AssemblyScript fixture of test/fixtures/sdk/ once (cached by content)
// and load it into a fresh host emulator.
import { join } from "node:path";
import { compileCached } from "../cli/asc.js";
import { packageRoot } from "../cli/package-root.js";
import { Host, type HostOptions, type HeaderList } from "../host/index.js";

/** Compiles `test/fixtures/sdk/<name>/index.ts` (release target, the root asconfig.json). */
export function buildFixture(name: string): Promise<Uint8Array> {
  return compileCached({ entry: join(packageRoot, "test", "fixtures", "sdk", name, "index.ts") });
}

/** A fresh host with the module loaded and one plugin started. */
export async function startPlugin(wasm: Uint8Array, options: HostOptions = {}, configuration = "") {
  const host = new Host(options);
  const vm = await host.loadVm(wasm, { vmId: "sdk-vm", vmConfig: "vm-config" });
  const plugin = vm.startPlugin({ configuration });
  return { host, vm, plugin };
}

/** The value of header `name` (first one), or undefined. */
export function header(headers: HeaderList, name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

/** A GET request to `path` with extra headers. */
export function get(path: string, extra: HeaderList = []): HeaderList {
  return [[":method", "GET"], [":path", path], [":authority", "example.com"], ...extra];
}
