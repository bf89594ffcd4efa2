import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { requireTool, startRegistry, type TestRegistry } from "./helpers/registry.js";
import { oras, orasClient } from "./helpers/oras/client.js";
import { istioFetch } from "./oci-istio.js";
import { cliOk } from "./fixtures/oci/cli.js";
import { tinyWasm } from "./fixtures/oci/wasm.js";

const run = promisify(execFile);
const wasm = Buffer.from(tinyWasm("interop"));

let registry: TestRegistry;
let dir: string;
let wasmPath: string;
let policy: string;

before(async () => {
  requireTool("skopeo");
  [registry, dir] = await Promise.all([startRegistry(), mkdtemp(join(tmpdir(), "oci-interop-")), orasClient()]);
  wasmPath = join(dir, "plugin.wasm");
  await writeFile(wasmPath, wasm);
  // skopeo refuses to run without a signature policy; a fresh machine may have none in /etc/containers.
  policy = join(dir, "policy.json");
  await writeFile(policy, JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }));
});

after(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

function skopeo(...args: string[]) {
  return run("skopeo", ["--policy", policy, ...args], { maxBuffer: 64 * 1024 * 1024 });
}

async function push(variant: "compat" | "oci", repository: string): Promise<string> {
  const { stdout } = await cliOk(["push", wasmPath, `${registry.host}/${repository}:v1`, "--variant", variant, "--json"]);
  return JSON.parse(stdout).digest;
}

/** Our own `pull` of an OCI layout, then the module's bytes. */
async function pullLayout(layoutRef: string, out: string): Promise<Buffer> {
  await cliOk(["pull", layoutRef, "--oci-layout", "-o", out]);
  return readFile(join(out, "plugin.wasm"));
}

for (const variant of ["compat", "oci"] as const) {
  test(`skopeo reads the ${variant} image: inspect --raw, copy to an OCI layout, byte-identical plugin.wasm`, async () => {
    const digest = await push(variant, `skopeo/${variant}`);
    const { stdout: raw } = await skopeo("inspect", "--raw", "--tls-verify=false", `docker://${registry.host}/skopeo/${variant}:v1`);
    const manifest = JSON.parse(raw);
    assert.equal(manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
    assert.equal((await import("../cli/oci/descriptor.js")).sha256(Buffer.from(raw)), digest, "skopeo sees the manifest we pushed");
    const layout = join(dir, `skopeo-layout-${variant}`);
    await skopeo("copy", "--src-tls-verify=false", `docker://${registry.host}/skopeo/${variant}:v1`, `oci:${layout}:copied`);
    assert.ok((await pullLayout(`${layout}:copied`, join(dir, `skopeo-out-${variant}`))).equals(wasm));
  });

  test(`the ORAS client pulls the ${variant} image by title`, async () => {
    await push(variant, `oras/${variant}`);
    const out = join(dir, `oras-out-${variant}`);
    await oras(["pull", "--plain-http", `${registry.host}/oras/${variant}:v1`, out]);
    if (variant === "oci") {
      assert.deepEqual((await readdir(out)).sort(), ["plugin.wasm", "runtime-config.json"]);
      assert.ok((await readFile(join(out, "plugin.wasm"))).equals(wasm));
      assert.equal(JSON.parse(await readFile(join(out, "runtime-config.json"), "utf8")).type, "envoy_proxy");
    } else {
      assert.deepEqual(await readdir(out), ["plugin.wasm.tar.gz"]);
      const tar = gunzipSync(await readFile(join(out, "plugin.wasm.tar.gz")));
      assert.equal(tar.subarray(0, 11).toString(), "plugin.wasm");
      assert.ok(tar.subarray(512, 512 + wasm.length).equals(wasm));
    }
  });
}

test("we pull a one-layer artifact the ORAS client pushed", async () => {
  await oras(["push", "--plain-http", `${registry.host}/oras/pushed:v1`, wasmPath]);
  const { stdout } = await cliOk(["pull", `${registry.host}/oras/pushed:v1`, "-o", join(dir, "from-oras"), "--json"]);
  assert.equal(JSON.parse(stdout).layout, "artifact");
  assert.ok((await readFile(join(dir, "from-oras", "plugin.wasm"))).equals(wasm));
});

test("a docker v2 image (skopeo --format v2s2) passes Istio's rules and we pull it", async () => {
  await push("compat", "docker/source");
  await skopeo(
    "copy",
    "--src-tls-verify=false",
    "--dest-tls-verify=false",
    "--format",
    "v2s2",
    `docker://${registry.host}/docker/source:v1`,
    `docker://${registry.host}/docker/v2:v1`,
  );
  const fetched = await istioFetch(registry.host, "docker/v2", "v1");
  assert.equal(fetched.variant, "docker");
  assert.ok(fetched.wasm.equals(wasm));
  const { stdout } = await cliOk(["pull", `${registry.host}/docker/v2:v1`, "-o", join(dir, "from-docker"), "--json"]);
  assert.equal(JSON.parse(stdout).layout, "docker");
  assert.ok((await readFile(join(dir, "from-docker", "plugin.wasm"))).equals(wasm));
});

test("an image pushed to an OCI layout (no registry) is copied to a registry by skopeo and loads in Istio", async () => {
  const layout = join(dir, "embedded");
  await cliOk(["push", wasmPath, `${layout}:1.0.0`, "--oci-layout", "--variant", "oci"]);
  await skopeo("copy", "--dest-tls-verify=false", `oci:${layout}:1.0.0`, `docker://${registry.host}/embedded/filter:1.0.0`);
  const fetched = await istioFetch(registry.host, "embedded/filter", "1.0.0");
  assert.equal(fetched.variant, "oci");
  assert.ok(fetched.wasm.equals(wasm));
});
