import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startRegistry, type TestRegistry } from "./helpers/registry.js";
import { istioFetch } from "./oci-istio.js";
import { cli, cliOk } from "./fixtures/oci/cli.js";
import { largeWasm, tinyWasm } from "./fixtures/oci/wasm.js";

let registry: TestRegistry;
let dir: string;
let tinyPath: string;
let largePath: string;
const tiny = tinyWasm("push");
const large = largeWasm(12);

before(async () => {
  registry = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), "cli-push-"));
  tinyPath = join(dir, "filter.wasm");
  largePath = join(dir, "large.wasm");
  await writeFile(tinyPath, tiny);
  await writeFile(largePath, large);
});

after(async () => {
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

const uploads = (r: TestRegistry) => r.requests.filter((q) => q.path.includes("/blobs/uploads/"));

for (const variant of ["compat", "oci"] as const) {
  test(`push --variant ${variant}: the bytes in the registry pass Istio's image fetcher rules`, async () => {
    const ref = `${registry.host}/istio/${variant}:v1`;
    const { stdout } = await cliOk(["push", tinyPath, ref, "--variant", variant, "--json"]);
    const printed = JSON.parse(stdout) as { digest: string; reference: string };
    assert.equal(printed.reference, ref);
    const fetched = await istioFetch(registry.host, `istio/${variant}`, "v1");
    assert.equal(fetched.variant, variant);
    assert.ok(fetched.wasm.equals(tiny), "plugin.wasm is byte-identical");
    assert.equal(fetched.manifestDigest, printed.digest, "--json digest is the manifest digest Istio pins");
  });
}

test("push writes title and standard annotations, with created from SOURCE_DATE_EPOCH", async () => {
  const ref = `${registry.host}/annotated/filter:v1`;
  await cliOk(["push", tinyPath, ref, "--variant", "oci", "--source", "https://example.com/acme/filter", "--revision", "abc123", "--image-version", "1.2.3"], {
    env: { SOURCE_DATE_EPOCH: "1700000000" },
  });
  const manifest = await (
    await fetch(`http://${registry.host}/v2/annotated/filter/manifests/v1`, { headers: { accept: "application/vnd.oci.image.manifest.v1+json" } })
  ).json();
  assert.deepEqual(manifest.annotations, {
    "org.opencontainers.image.created": "2023-11-14T22:13:20Z",
    "org.opencontainers.image.revision": "abc123",
    "org.opencontainers.image.source": "https://example.com/acme/filter",
    "org.opencontainers.image.version": "1.2.3",
  });
  assert.equal(manifest.config.mediaType, "application/vnd.module.wasm.config.v1+json");
  assert.deepEqual(
    manifest.layers.map((l: { annotations: Record<string, string> }) => l.annotations["org.opencontainers.image.title"]),
    ["runtime-config.json", "plugin.wasm"],
  );
});

test("the same .wasm and options give the same digest; pushing it again uploads no blob", async () => {
  const first = JSON.parse((await cliOk(["push", tinyPath, `${registry.host}/repeat/filter:a`, "--json"])).stdout);
  const before = registry.requests.length;
  const second = JSON.parse((await cliOk(["push", tinyPath, `${registry.host}/repeat/filter:a`, "--json"])).stdout);
  assert.equal(second.digest, first.digest);
  const secondRequests = registry.requests.slice(before);
  assert.deepEqual(uploads({ ...registry, requests: secondRequests }), [], "no upload session on the second push");
  assert.deepEqual(
    secondRequests.map((r) => `${r.method} ${r.status}`),
    ["HEAD 200", "HEAD 200", "PUT 201"],
    "two blob checks and the manifest",
  );
});

test("a large blob is uploaded in one PUT and the tag comes last", async () => {
  const before = registry.requests.length;
  await cliOk(["push", largePath, `${registry.host}/big/filter:v1`, "--variant", "oci"]);
  const requests = registry.requests.slice(before);
  assert.equal(requests.filter((r) => r.method === "PATCH").length, 0, "no chunks: oras-go's monolithic upload");
  assert.equal(requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/") && r.status === 201).length, 2, "config and module");
  assert.equal(requests.at(-1)?.path, "/v2/big/filter/manifests/v1", "manifest PUT is the last request");
  const fetched = await istioFetch(registry.host, "big/filter", "v1");
  assert.ok(Buffer.from(large).equals(fetched.wasm));
});

test("--mount-from mounts blobs from another repository instead of uploading them", async () => {
  await cliOk(["push", tinyPath, `${registry.host}/mount/source:v1`]);
  const before = registry.requests.length;
  await cliOk(["push", tinyPath, `${registry.host}/mount/target:v1`, "--mount-from", "mount/source"]);
  const requests = registry.requests.slice(before);
  const posts = requests.filter((r) => r.method === "POST");
  assert.equal(posts.length, 2);
  assert.ok(posts.every((r) => r.path.includes("mount=sha256") && r.path.includes("from=mount%2Fsource") && r.status === 201));
  assert.equal(requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/")).length, 0, "no blob PUT");
  assert.equal((await istioFetch(registry.host, "mount/target", "v1")).variant, "compat");
});

test("progress is drawn on a terminal for large blobs only, and never with --quiet", async () => {
  const onTty = await cliOk(["push", largePath, `${registry.host}/progress/filter:v1`, "--variant", "oci"], { tty: true });
  assert.match(onTty.stderr, /\r[0-9a-f]{12} \[#{30}\] 100% of 12\.0 MiB/);
  const quiet = await cliOk(["push", largePath, `${registry.host}/progress/filter:v2`, "--variant", "oci", "--quiet"], { tty: true });
  assert.equal(quiet.stderr, "");
  const small = await cliOk(["push", tinyPath, `${registry.host}/progress/filter:v3`], { tty: true });
  assert.equal(small.stderr, "");
  assert.match(small.stdout, /^pushed 127\.0\.0\.1:\d+\/progress\/filter:v3@sha256:[0-9a-f]{64} \(compat\)\n$/);
});

test("every OCI command has help with an example", async () => {
  for (const command of ["push", "pull", "login", "logout"]) {
    const { stdout } = await cli([command, "--help"]);
    assert.match(stdout, new RegExp(`^Usage: as-proxy-wasm ${command} `, "m"), command);
    assert.match(stdout, /^Examples?:\n {2}\$ .*as-proxy-wasm /m, command);
  }
});

test("a push interrupted by the registry going away leaves no tag; running it again completes", async () => {
  const ref = `${registry.host}/interrupted/filter:v1`;
  registry.onRequest = (request) => {
    if (request.method === "PUT" && request.path.includes("/blobs/uploads/")) {
      registry.onRequest = undefined;
      registry.kill();
    }
  };
  const failed = await cli(["push", largePath, ref, "--variant", "oci"]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^error: push to .*interrupted\/filter:v1: cannot reach registry 127\.0\.0\.1:\d+/m);
  await registry.restart();
  const tag = await fetch(`http://${registry.host}/v2/interrupted/filter/manifests/v1`, { method: "HEAD" });
  assert.equal(tag.status, 404, "no tag after the interrupted push");
  await cliOk(["push", largePath, ref, "--variant", "oci"]);
  const fetched = await istioFetch(registry.host, "interrupted/filter", "v1");
  assert.ok(Buffer.from(large).equals(fetched.wasm));
});

test("--oci-layout writes an OCI image layout that pull reads back", async () => {
  const layout = join(dir, "layout");
  const pushed = JSON.parse((await cliOk(["push", tinyPath, `${layout}:1.0.0`, "--oci-layout", "--json", "--variant", "oci"])).stdout);
  const index = JSON.parse(await readFile(join(layout, "index.json"), "utf8"));
  assert.equal(index.manifests[0].digest, pushed.digest);
  assert.equal(index.manifests[0].annotations["org.opencontainers.image.ref.name"], "1.0.0");
  assert.deepEqual(JSON.parse(await readFile(join(layout, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  const out = join(dir, "from-layout");
  await cliOk(["pull", `${layout}:1.0.0`, "--oci-layout", "-o", out]);
  assert.ok((await readFile(join(out, "plugin.wasm"))).equals(tiny));
});

test("push errors are one clear line", async () => {
  const notWasm = join(dir, "not.wasm");
  await writeFile(notWasm, "hello, world");
  const closedPort = await freePort();
  const cases: [string[], RegExp, number][] = [
    [["push", join(dir, "missing.wasm"), `${registry.host}/x:v1`], /^error: cannot read .*missing\.wasm: no such file$/m, 2],
    [["push", notWasm, `${registry.host}/x:v1`], /^error: .*not\.wasm is not a WebAssembly module/m, 2],
    [["push", tinyPath, `${registry.host}/Bad_Repo:v1`], /^error: invalid reference .*is not a valid repository name$/m, 2],
    [["push", tinyPath, `${registry.host}/x:v1`, "--variant", "fat"], /argument 'fat' is invalid/, 1],
    [
      ["push", tinyPath, `127.0.0.1:${closedPort}/x:v1`],
      /^error: push to 127\.0\.0\.1:\d+\/x:v1: cannot reach registry 127\.0\.0\.1:\d+: ECONNREFUSED\nhint: nothing answers at 127\.0\.0\.1:\d+: is the registry running, and is the port right\?\n$/,
      1,
    ],
    [
      ["push", tinyPath, registry.host],
      /^error: invalid reference "127\.0\.0\.1:\d+": names a registry but no repository\nhint: add the repository: 127\.0\.0\.1:\d+\/my-filter:1\.0\.0\n$/,
      2,
    ],
    // A layout "directory" that is a file: one line naming the path, not Node's ENOTDIR text.
    [["push", tinyPath, `${notWasm}:v1`, "--oci-layout"], /^error: cannot mkdir .*not\.wasm\/blobs\/sha256: not a directory\n$/, 1],
  ];
  for (const [argv, pattern, code] of cases) {
    const run = await cli(argv);
    assert.equal(run.code, code, `${argv.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
    assert.equal(run.stdout, "");
  }
  const badEpoch = await cli(["push", tinyPath, `${dir}/epoch:v1`, "--oci-layout"], { env: { SOURCE_DATE_EPOCH: "yesterday" } });
  assert.equal(badEpoch.code, 2);
  assert.match(badEpoch.stderr, /^error: SOURCE_DATE_EPOCH "yesterday" is not a whole number of seconds since 1970\nhint: /);
});
