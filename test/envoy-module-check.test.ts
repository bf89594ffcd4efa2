/**
 * What real Envoy does with a module exporting several `proxy_abi_version_*` markers, against the host's
 * module check (host/module-check.ts): cpp-host runs the module as the first marker it knows in export
 * order, and registers only that version's host functions. A module importing `proxy_continue_stream`
 * (ABI 0.2.x) therefore loads when its 0.2.1 marker comes first, and fails when its 0.1.0 marker does.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EnvoyStartError } from "../cli/envoy/process.js";
import { checkModule } from "../host/module-check.js";
import { readWasmInterface } from "../host/wasm-binary.js";
import { envoyForTests, startEnvoy } from "./helpers/envoy.js";
import { exampleBootstrap } from "./helpers/example-envoy.js";
import { assembleModule } from "./fixtures/cli/assemble.js";

const envoy = envoyForTests();
const work = await mkdtemp(join(tmpdir(), "envoy-module-check-"));
test.after(() => rm(work, { recursive: true, force: true }));

const MALLOC = { name: "malloc", params: 1, results: ["i32" as const] };
const imports = [{ name: "proxy_continue_stream", params: 1, results: ["i32" as const] }];
const firstMarker = (first: string, second: string) => assembleModule({ imports, exports: [first, second, MALLOC] });

/** Whether Envoy starts with `wasm` as its HTTP filter, and the problems it logged when it does not. */
async function envoyLoads(name: string, wasm: Uint8Array): Promise<{ loaded: boolean; problems: string[] }> {
  const dir = join(work, name);
  await mkdir(join(dir, "build"), { recursive: true });
  // The bootstrap is written for a loadable module (manifest checks it), then the module is swapped in.
  await writeFile(join(dir, "build/plugin.wasm"), firstMarker("proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0"));
  const bootstrap = await exampleBootstrap(dir, 9);
  await writeFile(join(dir, "build/plugin.wasm"), wasm);
  try {
    const proxy = await startEnvoy({ binary: envoy.binary!, bootstrap });
    await proxy.stop();
    return { loaded: true, problems: [] };
  } catch (error) {
    if (error instanceof EnvoyStartError) return { loaded: false, problems: error.problems };
    throw error;
  }
}

test("several ABI markers: Envoy loads the module exactly when the host's module check says so", { skip: envoy.skip }, async () => {
  const cases: [string, Uint8Array, string][] = [
    ["0.2.1-first", firstMarker("proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0"), "0.2.1"],
    ["0.1.0-first", firstMarker("proxy_abi_version_0_1_0", "proxy_abi_version_0_2_1"), "0.1.0"],
  ];
  for (const [name, wasm, version] of cases) {
    const check = checkModule(readWasmInterface(wasm));
    assert.equal(check.abiVersion, version);
    const envoyResult = await envoyLoads(name, wasm);
    assert.equal(
      envoyResult.loaded,
      check.loadable,
      `${name}: Envoy ${envoyResult.loaded ? "loaded" : "refused"} it; the check says ${check.problems.join("; ") || "loadable"}\n${envoyResult.problems.join("\n")}`,
    );
    if (!envoyResult.loaded) assert.match(envoyResult.problems.join("\n"), /proxy_continue_stream/);
  }
});
