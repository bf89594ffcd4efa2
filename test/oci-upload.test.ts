// What push sends over the wire, counted by a loopback TCP proxy in front of the real registry: a second push
// of the same module uploads no blob byte, and a chunked upload (for registries that cap request sizes)
// still lands the exact bytes.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect, createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";
import { istioFetch } from "./oci-istio.js";
import { cliOk } from "./fixtures/oci/cli.js";
import { largeWasm } from "./fixtures/oci/wasm.js";
import { copy, openTarget, packageWasm } from "../cli/oci/index.js";

let registry: TestRegistry;
let counter: ByteCounter;
let dir: string;
let modulePath: string;
const module = largeWasm(6);

interface ByteCounter {
  host: string;
  /** Bytes clients sent through the proxy so far. */
  sent(): number;
  close(): Promise<void>;
}

/** A TCP proxy to `target` counting every byte clients send: what the registry really received. */
async function countingProxy(target: string): Promise<ByteCounter> {
  const [host, port] = target.split(":");
  let sent = 0;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), host);
    client.on("data", (chunk: Buffer) => (sent += chunk.byteLength));
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

before(async () => {
  registry = await startRegistry();
  counter = await countingProxy(registry.host);
  dir = await mkdtemp(join(tmpdir(), "oci-upload-"));
  modulePath = join(dir, "module.wasm");
  await writeFile(modulePath, module);
});

after(async () => {
  await counter.close();
  await registry.stop();
  await rm(dir, { recursive: true, force: true });
});

for (const variant of ["compat", "oci"] as const) {
  test(`push --variant ${variant} again: the registry receives no blob byte, only blob checks and the manifest`, async () => {
    const ref = `${counter.host}/again/${variant}:v1`;
    const start = counter.sent();
    const first = JSON.parse((await cliOk(["push", modulePath, ref, "--variant", variant, "--json"])).stdout) as { digest: string };
    const firstBytes = counter.sent() - start;
    // compat gzips the module: the generated module compresses, but not below a tenth.
    assert.ok(firstBytes > module.byteLength / 10, `the first push sent the module (${firstBytes} bytes)`);
    const requestsBefore = registry.requests.length;
    const secondStart = counter.sent();
    const second = JSON.parse((await cliOk(["push", modulePath, ref, "--variant", variant, "--json"])).stdout) as { digest: string };
    const secondBytes = counter.sent() - secondStart;
    assert.equal(second.digest, first.digest);
    const requests = registry.requests.slice(requestsBefore).map((r) => `${r.method} ${r.path.replace(/sha256:[0-9a-f]{64}/, "<digest>")} ${r.status}`);
    assert.deepEqual(
      requests.filter((r) => !r.startsWith("HEAD ")),
      [`PUT /v2/again/${variant}/manifests/v1 201`],
      "no upload session",
    );
    // Request lines, headers and the manifest (under 1 KiB): nothing near a blob's size.
    assert.ok(secondBytes < 4096, `the second push sent ${secondBytes} bytes`);
    // Over 4 MiB, compat's layer is a multi-member gzip: Istio's rules read the module back whole.
    assert.ok(Buffer.from(module).equals((await istioFetch(registry.host, `again/${variant}`, "v1")).wasm));
  });
}

test("a chunked upload (chunkSize set) PATCHes in order and the registry holds the exact module", async () => {
  const opened = openTarget(`${registry.host}/chunked/filter:v1`, { chunkSize: 5 * 1024 * 1024 });
  const artifact = await packageWasm(module, { variant: "oci", created: "1970-01-01T00:00:00Z" }, "local");
  const before = registry.requests.length;
  await copy(artifact.store, "local", opened.target, opened.reference);
  const patches = registry.requests.slice(before).filter((r) => r.method === "PATCH");
  assert.deepEqual(
    patches.map((r) => r.status),
    [202, 202],
    "6 MiB in two 5 MiB-at-most chunks",
  );
  const fetched = await istioFetch(registry.host, "chunked/filter", "v1");
  assert.ok(Buffer.from(module).equals(fetched.wasm));
});

test("a one-request upload reports progress as the network takes the bytes, ending at the blob's size", async () => {
  const opened = openTarget(`${registry.host}/progress/filter:v1`);
  const artifact = await packageWasm(module, { variant: "oci", created: "1970-01-01T00:00:00Z" }, "local");
  const reported: number[] = [];
  await copy(artifact.store, "local", opened.target, opened.reference, {
    onProgress: (blob, bytes) => void (blob.size > 1024 * 1024 && reported.push(bytes)),
  });
  const size = module.byteLength;
  assert.ok(reported.filter((n) => n > 0 && n < size).length >= 3, `progress in between: ${reported.join(", ")}`);
  assert.equal(reported.at(-1), size);
  assert.deepEqual(
    reported,
    [...reported].sort((a, b) => a - b),
    "never goes back",
  );
});
