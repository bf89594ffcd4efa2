import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, access } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";
import { cli, cliOk } from "./fixtures/oci/cli.js";
import { largeWasm, tinyWasm } from "./fixtures/oci/wasm.js";
import { copy, MediaType, openTarget } from "../cli/oci/index.js";
import { MemoryStore } from "../cli/oci/content/memory.js";
import { describe as describeBlob } from "../cli/oci/descriptor.js";

let registry: TestRegistry;
let dir: string;
let wasmPath: string;
const wasm = Buffer.from(tinyWasm("pull"));

before(async () => {
  registry = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), "cli-pull-"));
  wasmPath = join(dir, "filter.wasm");
  await writeFile(wasmPath, wasm);
});

after(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

test("pull by tag and by digest writes <dir>/plugin.wasm for both variants", async () => {
  for (const variant of ["compat", "oci"] as const) {
    const { digest } = JSON.parse((await cliOk(["push", wasmPath, `${registry.host}/pull/${variant}:v1`, "--variant", variant, "--json"])).stdout);
    for (const ref of [`${registry.host}/pull/${variant}:v1`, `${registry.host}/pull/${variant}@${digest}`]) {
      const out = join(dir, `out-${variant}-${ref.includes("@") ? "digest" : "tag"}`);
      const { stdout } = await cliOk(["pull", ref, "-o", out, "--json"]);
      // The Wasm image spec's metadata: the compat annotation, or the oci variant's runtime config.
      const metadata = variant === "compat" ? { variant: "compat" } : { abiVersions: [], rootIds: [] };
      assert.deepEqual(JSON.parse(stdout), { digest, reference: ref, file: join(out, "plugin.wasm"), layout: variant, size: wasm.byteLength, ...metadata });
      assert.ok((await readFile(join(out, "plugin.wasm"))).equals(wasm));
    }
  }
});

test("pull by digest names the image once; -o under a regular file is one clear line", async () => {
  const ref = `${registry.host}/pull/readable:v1`;
  const { digest } = JSON.parse((await cliOk(["push", wasmPath, ref, "--json"])).stdout);
  const byDigest = `${registry.host}/pull/readable@${digest}`;
  const { stdout } = await cliOk(["pull", byDigest, "-o", join(dir, "readable")]);
  assert.equal(stdout, `pulled ${byDigest} (compat) → ${join(dir, "readable", "plugin.wasm")} (${wasm.byteLength} bytes)\n`);

  const underFile = await cli(["pull", ref, "-o", join(wasmPath, "out")]);
  assert.equal(underFile.code, 1);
  assert.equal(underFile.stderr, `error: cannot mkdir ${join(wasmPath, "out")}: not a directory\n`);
});

test("pull draws download progress on a terminal for a large blob", async () => {
  const large = largeWasm(3);
  const path = join(dir, "large.wasm");
  await writeFile(path, large);
  await cliOk(["push", path, `${registry.host}/pull/large:v1`, "--variant", "oci"]);
  const out = join(dir, "large-out");
  const { stderr } = await cliOk(["pull", `${registry.host}/pull/large:v1`, "-o", out], { tty: true });
  assert.match(stderr, /\r[0-9a-f]{12} \[#{30}\] 100% of 3\.0 MiB\r\u001b\[2K$/);
  assert.ok((await readFile(join(out, "plugin.wasm"))).equals(large));
});

/** Flips the last byte of the module layer `bytes` in the registry's storage; `restore` puts it back. */
async function tamper(bytes: Uint8Array): Promise<{ hex: string; restore: () => Promise<void> }> {
  const hex = describeBlob(MediaType.WasmLayer, bytes).digest.slice(7);
  const data = join(registry.storageDir, "docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
  const altered = Buffer.from(bytes);
  altered[altered.length - 1] ^= 0xff;
  await writeFile(data, altered);
  return { hex, restore: () => writeFile(data, bytes) };
}

test("a blob altered in the registry's storage fails digest verification and writes nothing", async () => {
  await cliOk(["push", wasmPath, `${registry.host}/pull/tampered:v1`, "--variant", "oci"]);
  const { hex } = await tamper(wasm);
  const out = join(dir, "tampered");
  const run = await cli(["pull", `${registry.host}/pull/tampered:v1`, "-o", out]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`^error: pull .*tampered:v1: sha256:${hex}: digest mismatch, content hashes to sha256:[0-9a-f]{64}$`, "m"));
  await assert.rejects(access(join(out, "plugin.wasm")));
});

test("a large module is received to disk: a tampered one leaves no file, no temporary file and no directory made for it", async () => {
  const large = largeWasm(2);
  const path = join(dir, "spooled.wasm");
  await writeFile(path, large);
  await cliOk(["push", path, `${registry.host}/pull/spooled:v1`, "--variant", "oci"]);
  const { hex, restore } = await tamper(large);

  const fresh = join(dir, "spooled-fresh", "nested");
  const run = await cli(["pull", `${registry.host}/pull/spooled:v1`, "-o", fresh]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, new RegExp(`^error: pull .*spooled:v1: sha256:${hex}: digest mismatch`, "m"));
  await assert.rejects(access(join(dir, "spooled-fresh")));

  // Into a directory holding an earlier pull: that file stays as it was, nothing else appears.
  const existing = join(dir, "spooled-existing");
  await mkdir(existing);
  await writeFile(join(existing, "plugin.wasm"), wasm);
  assert.equal((await cli(["pull", `${registry.host}/pull/spooled:v1`, "-o", existing])).code, 1);
  assert.deepEqual(await readdir(existing), ["plugin.wasm"]);
  assert.ok((await readFile(join(existing, "plugin.wasm"))).equals(wasm));

  await restore();
  await cliOk(["pull", `${registry.host}/pull/spooled:v1`, "-o", existing]);
  assert.deepEqual(await readdir(existing), ["plugin.wasm"]);
  assert.ok((await readFile(join(existing, "plugin.wasm"))).equals(large));
});

test("pull errors: a missing tag, an image that holds no Wasm", async () => {
  const missing = await cli(["pull", `${registry.host}/pull/nothing:v9`, "-o", join(dir, "none")]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: pull 127\.0\.0\.1:\d+\/pull\/nothing:v9: not found/m);

  // An ordinary one-layer image of text: not loadable, and said so.
  const store = new MemoryStore();
  const text = Buffer.from("not a module");
  const config = Buffer.from("{}");
  const layer = describeBlob(MediaType.ImageLayerGzip.replace("+gzip", ""), text);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ImageManifest, config: describeBlob(MediaType.ImageConfig, config), layers: [layer] }),
  );
  await store.push(describeBlob(MediaType.ImageConfig, config), config);
  await store.push(layer, text);
  await store.pushReference(describeBlob(MediaType.ImageManifest, manifest), manifest, "text");
  const opened = openTarget(`${registry.host}/pull/text:v1`);
  await copy(store, "text", opened.target, opened.reference);
  const notWasm = await cli(["pull", `${registry.host}/pull/text:v1`, "-o", join(dir, "text")]);
  assert.equal(notWasm.code, 1);
  assert.match(notWasm.stderr, /^error: pull .*text:v1: not a Wasm image: .*found 1 layer\(s\) application\/vnd\.oci\.image\.layer\.v1\.tar$/m);
});
