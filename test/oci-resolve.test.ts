import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveManifestDigest } from "../cli/oci/index.js";
import { CliError } from "../cli/errors.js";
import { memoryIo } from "../cli/io.js";
import { freePort, startRegistry, type TestRegistry } from "./helpers/registry.js";
import { cliOk } from "./fixtures/oci/cli.js";
import { tinyWasm } from "./fixtures/oci/wasm.js";

let registry: TestRegistry;
let dir: string;
let wasmPath: string;

before(async () => {
  registry = await startRegistry({ auth: "basic", users: { ci: "pw" } });
  dir = await mkdtemp(join(tmpdir(), "oci-resolve-"));
  wasmPath = join(dir, "filter.wasm");
  await writeFile(wasmPath, tinyWasm("resolve"));
});

after(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = { AS_PROXY_WASM_REGISTRY_USERNAME: "ci", AS_PROXY_WASM_REGISTRY_PASSWORD: "pw" };

test("resolveManifestDigest returns the manifest digest push printed, for a registry and an OCI layout", async () => {
  const pushed = JSON.parse((await cliOk(["push", wasmPath, `${registry.host}/resolve/filter:v1`, "--json"], { env })).stdout);
  const { io } = memoryIo({ env });
  assert.equal(await resolveManifestDigest(`${registry.host}/resolve/filter:v1`, { io }), pushed.digest);
  assert.equal(await resolveManifestDigest(`oci://${registry.host}/resolve/filter@${pushed.digest}`, { io }), pushed.digest);

  const layout = join(dir, "layout");
  const inLayout = JSON.parse((await cliOk(["push", wasmPath, `${layout}:v1`, "--oci-layout", "--json"])).stdout);
  assert.equal(inLayout.digest, pushed.digest, "same bytes in a layout and a registry");
  assert.equal(await resolveManifestDigest(`${layout}:v1`, { ociLayout: true }), pushed.digest);
});

test("resolveManifestDigest throws a CliError naming the image when missing, unreachable or unauthorized", async () => {
  const { io } = memoryIo({ env });
  const closed = await freePort();
  const cases: [string, { ociLayout?: boolean; io?: typeof io }, RegExp][] = [
    [`${registry.host}/resolve/filter:nope`, { io }, /^cannot resolve image 127\.0\.0\.1:\d+\/resolve\/filter:nope: not found$/],
    [join(dir, "no-layout:v1"), { ociLayout: true }, /^cannot resolve image .*no-layout:v1: not found$/],
    [
      `127.0.0.1:${closed}/resolve/filter:v1`,
      { io },
      /^cannot resolve image 127\.0\.0\.1:\d+\/resolve\/filter:v1: cannot reach registry 127\.0\.0\.1:\d+: ECONNREFUSED$/,
    ],
    [`${registry.host}/resolve/filter:v1`, { io: memoryIo().io }, /^cannot resolve image .*: unauthorized: registry 127\.0\.0\.1:\d+ needs credentials/],
  ];
  for (const [ref, opts, pattern] of cases) {
    await assert.rejects(resolveManifestDigest(ref, opts), (error: unknown) => {
      assert.ok(error instanceof CliError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  }
});
