import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { tinyWasm } from "./fixtures/manifests/cli.js";

// Signing without a registry: push --oci-layout --sign keeps the signature in the layout, under cosign's
// tag, and pull --oci-layout --verify checks it there; an unencrypted PEM EC key signs too.

let dir: string;
const env = { PATH: process.env.PATH, COSIGN_PASSWORD: "layout-pw" };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sign-layout-"));
  await writeFile(join(dir, "plugin.wasm"), tinyWasm);
});

after(() => rm(dir, { recursive: true, force: true }));

async function cli(args: string[]) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir, env });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

test("a signed OCI layout verifies with its key and is refused with another", async () => {
  assert.equal((await cli(["keygen", "--output-key-prefix", "a"])).code, 0);
  assert.equal((await cli(["keygen", "--output-key-prefix", "b"])).code, 0);
  const pushed = await cli(["push", "plugin.wasm", "image:v1", "--oci-layout", "--sign", "a.key", "--json"]);
  assert.equal(pushed.code, 0, pushed.stderr);
  const { digest, signature } = JSON.parse(pushed.stdout) as { digest: string; signature: string };
  assert.equal(signature, `${digest.replace(":", "-")}.sig`);
  const index = JSON.parse(await readFile(join(dir, "image", "index.json"), "utf8")) as { manifests: { annotations?: Record<string, string> }[] };
  const tags = index.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]);
  assert.deepEqual(tags.sort(), [signature, "v1"].sort());

  const verified = await cli(["pull", "image:v1", "--oci-layout", "--verify", "a.pub", "-o", "out-a"]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.ok(existsSync(join(dir, "out-a", "plugin.wasm")));
  const refused = await cli(["pull", "image:v1", "--oci-layout", "--verify", "b.pub", "-o", "out-b"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: pull image:v1: refused: the image is not signed with this key/);
  assert.equal(existsSync(join(dir, "out-b")), false);
});

test("an unencrypted PEM EC P-256 key signs; another curve is refused", async () => {
  const { generateKeyPairSync } = await import("node:crypto");
  const p256 = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  await writeFile(join(dir, "plain.key"), p256.privateKey.export({ type: "sec1", format: "pem" }));
  await writeFile(join(dir, "plain.pub"), p256.publicKey.export({ type: "spki", format: "pem" }));
  assert.equal((await cli(["push", "plugin.wasm", "plain:v1", "--oci-layout", "--sign", "plain.key"])).code, 0);
  assert.equal((await cli(["pull", "plain:v1", "--oci-layout", "--verify", "plain.pub", "-o", "out-plain"])).code, 0);

  const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" });
  await writeFile(join(dir, "p384.key"), p384.privateKey.export({ type: "pkcs8", format: "pem" }));
  const wrongCurve = await cli(["push", "plugin.wasm", "p384:v1", "--oci-layout", "--sign", "p384.key"]);
  assert.equal(wrongCurve.code, 2);
  assert.equal(wrongCurve.stderr.split("\n")[0], "error: --sign p384.key: an ECDSA P-256 key is needed (this is ec secp384r1)");
});
