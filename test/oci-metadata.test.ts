import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { filterModule } from "./helpers/filters.js";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";
import { istioFetch } from "./oci-istio.js";

// Artifact metadata by the Wasm image spec (solo-io/wasm `spec/`): the compat variant's manifest
// annotation, the oci variant's runtime config read from the module, and what `pull` shows of them.

let dir: string;
let registry: TestRegistry;
const accept = "application/vnd.oci.image.manifest.v1+json";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "oci-metadata-"));
  registry = await startRegistry();
  await writeFile(join(dir, "add-header.wasm"), await readFile(await filterModule("template/add-header")));
  // A module that declares two ABI versions and no callbacks: a host would still read both markers.
  await writeFile(join(dir, "two-abis.wasm"), twoAbiModule());
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[]) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir, env: { PATH: process.env.PATH } });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function registryJson(repository: string, path: string): Promise<any> {
  const response = await fetch(`http://${registry.host}/v2/${repository}/${path}`, { headers: { accept } });
  assert.equal(response.status, 200, path);
  return response.json();
}

test("compat: the manifest carries module.wasm.image/variant=compat, and Istio's rules still load it", async () => {
  const pushed = await cli(["push", "add-header.wasm", `${registry.host}/meta/compat:v1`, "--json"]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const manifest = await registryJson("meta/compat", "manifests/v1");
  assert.equal(manifest.annotations["module.wasm.image/variant"], "compat");
  assert.equal(manifest.layers.length, 1);
  assert.equal((await istioFetch(registry.host, "meta/compat", "v1")).variant, "compat");
  const pulled = await cli(["pull", `${registry.host}/meta/compat:v1`, "-o", "compat-out", "--json"]);
  assert.equal(JSON.parse(pulled.stdout).variant, "compat");
});

test("oci: the runtime config records the ABI version the module exports and the given root ids", async () => {
  const pushed = await cli([
    "push",
    "add-header.wasm",
    `${registry.host}/meta/oci:v1`,
    "--variant",
    "oci",
    "--root-id",
    "add_header",
    "--root-id",
    "audit",
    "--json",
  ]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const manifest = await registryJson("meta/oci", "manifests/v1");
  assert.equal(manifest.config.mediaType, "application/vnd.module.wasm.config.v1+json");
  assert.equal(manifest.annotations["module.wasm.image/variant"], undefined, "the annotation is the compat variant's");
  const config = await registryJson("meta/oci", `blobs/${manifest.config.digest}`);
  assert.deepEqual(config, { created: "1970-01-01T00:00:00Z", type: "envoy_proxy", abiVersions: ["v0.2.1"], config: { rootIds: ["add_header", "audit"] } });
  assert.equal((await istioFetch(registry.host, "meta/oci", "v1")).variant, "oci");

  const pulled = await cli(["pull", `${registry.host}/meta/oci:v1`, "-o", "oci-out"]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(pulled.stdout.split("\n")[1], "runtime config: ABI v0.2.1; root ids add_header, audit");
  const json = JSON.parse((await cli(["pull", `${registry.host}/meta/oci:v1`, "-o", "oci-out", "--json"])).stdout);
  assert.deepEqual([json.abiVersions, json.rootIds], [["v0.2.1"], ["add_header", "audit"]]);
});

test("the ABI versions come from the module, not a constant", async () => {
  const pushed = await cli(["push", "two-abis.wasm", `${registry.host}/meta/two:v1`, "--variant", "oci", "--json"]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const manifest = await registryJson("meta/two", "manifests/v1");
  const config = await registryJson("meta/two", `blobs/${manifest.config.digest}`);
  assert.deepEqual(config.abiVersions, ["v0.1.0", "v0.2.0"]);
  assert.deepEqual(config.config, {}, "no root ids given, none recorded");
});

test("--root-id belongs to the oci variant; a module that does not compile is refused before any upload", async () => {
  const compat = await cli(["push", "add-header.wasm", `${registry.host}/meta/bad:v1`, "--root-id", "x"]);
  assert.equal(compat.code, 2);
  assert.equal(compat.stderr, "error: --root-id: root ids are recorded in the oci variant's runtime config\nhint: add --variant oci\n");
  await writeFile(join(dir, "broken.wasm"), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 0x01, 0x05]));
  const broken = await cli(["push", "broken.wasm", `${registry.host}/meta/bad:v1`, "--variant", "oci"]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /^error: the module is not valid WebAssembly: invalid WebAssembly module: /);
  const response = await fetch(`http://${registry.host}/v2/meta/bad/manifests/v1`, { method: "HEAD" });
  assert.equal(response.status, 404);
});

/** A module exporting `proxy_abi_version_0_1_0` and `proxy_abi_version_0_2_0` (two empty functions). */
function twoAbiModule(): Buffer {
  const name = (s: string) => [s.length, ...Buffer.from(s)];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const exports = [2, ...name("proxy_abi_version_0_1_0"), 0, 0, ...name("proxy_abi_version_0_2_0"), 0, 1];
  return Buffer.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, [1, 0x60, 0, 0]), // type: () -> ()
    ...section(3, [2, 0, 0]), // two functions of that type
    ...section(7, exports),
    ...section(10, [2, 2, 0, 0x0b, 2, 0, 0x0b]), // two empty bodies
  ]);
}
