import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { freePort, startRegistry, type TestRegistry } from "./helpers/registry.js";
import { generated, manifest, tinyWasm } from "./fixtures/manifests/cli.js";

// The digest round trip against a real registry (Debian's docker-registry) and an OCI image layout:
// what `push` stored is what the WasmPlugin pins.

let registry: TestRegistry;
let dir: string;

before(async () => {
  registry = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), "manifest-registry-"));
  await writeFile(join(dir, "filter.wasm"), tinyWasm);
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function push(...args: string[]): Promise<{ digest: string; reference: string }> {
  const { io, stdout, stderr } = memoryIo({ cwd: dir });
  const code = await runCli(["push", "filter.wasm", ...args, "--json"], io);
  assert.equal(code, 0, stderr());
  return JSON.parse(stdout());
}

/** The digest the registry itself reports for a tag (Docker-Content-Digest of a HEAD on the manifest). */
async function registryDigest(repository: string, tag: string): Promise<string> {
  const response = await fetch(`http://${registry.host}/v2/${repository}/manifests/${tag}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
  });
  assert.equal(response.status, 200);
  return response.headers.get("docker-content-digest")!;
}

const wasmplugin = (...args: string[]) => generated(["wasmplugin", ...args], dir);

for (const variant of ["compat", "oci"]) {
  test(`push (${variant}) → manifest: sha256 is the image manifest digest the registry serves`, async () => {
    const image = `${registry.host}/team/filter-${variant}:v1`;
    const pushed = await push(image, "--variant", variant);
    const served = await registryDigest(`team/filter-${variant}`, "v1");
    assert.equal(pushed.digest, served);
    const document = await wasmplugin("--image", image, "--selector", "app=web");
    assert.equal(document.spec.url, `oci://${image}`);
    assert.equal(document.spec.sha256, served.replace("sha256:", ""));
    assert.equal(document.metadata.name, `filter-${variant}`);
  });
}

test("--digest from `push --json` pins without asking the registry; a digest reference needs no lookup either", async () => {
  const image = `${registry.host}/team/pinned:v1`;
  const pushed = await push(image);
  const before = registry.requests.length;
  const given = await wasmplugin("--image", image, "--digest", pushed.digest);
  assert.equal(given.spec.sha256, pushed.digest.replace("sha256:", ""));
  const byDigest = await wasmplugin("--image", `${registry.host}/team/pinned@${pushed.digest}`);
  assert.equal(byDigest.spec.sha256, pushed.digest.replace("sha256:", ""));
  assert.equal(registry.requests.length, before, "no registry request");
});

test("OCI layout: the digest comes from the layout `push --oci-layout` wrote, by the image's tag or the one given", async () => {
  const pushed = await push("layout:v2", "--oci-layout");
  const index = JSON.parse(await readFile(join(dir, "layout", "index.json"), "utf8"));
  const tagged = index.manifests.find((m: { annotations?: Record<string, string> }) => m.annotations?.["org.opencontainers.image.ref.name"] === "v2");
  assert.equal(tagged.digest, pushed.digest);
  const byImageTag = await wasmplugin("--image", "ghcr.io/acme/filter:v2", "--oci-layout", "layout");
  assert.equal(byImageTag.spec.url, "oci://ghcr.io/acme/filter:v2");
  assert.equal(byImageTag.spec.sha256, pushed.digest.replace("sha256:", ""));
  const byLayoutTag = await wasmplugin("--image", "ghcr.io/acme/filter:release", "--oci-layout", "layout:v2");
  assert.equal(byLayoutTag.spec.sha256, pushed.digest.replace("sha256:", ""));
});

test("an image whose digest cannot be looked up: one error naming the image, no YAML", async () => {
  const unreachable = `127.0.0.1:${await freePort()}/team/filter:v1`;
  const cases: [string[], RegExp][] = [
    [["--image", unreachable], new RegExp(`^error: cannot resolve image ${unreachable.replace(/\./g, "\\.")}: `)],
    [["--image", `${registry.host}/team/never-pushed:v1`], /^error: cannot resolve image .*never-pushed:v1/],
    [["--image", "ghcr.io/acme/filter:v9", "--oci-layout", "layout"], /^error: cannot resolve image .*layout:v9/],
  ];
  for (const [args, message] of cases) {
    const run = await manifest(["wasmplugin", ...args], dir);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, message);
    assert.equal(
      run.stderr
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("error:")).length,
      1,
    );
    assert.notEqual(run.code, 0);
  }
});
