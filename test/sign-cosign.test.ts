import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { cosign, cosignBinary } from "./helpers/cosign.js";
import { filterModule } from "./helpers/filters.js";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";

// Signing interop with the real cosign CLI against a local registry: we sign → `cosign verify` accepts;
// cosign signs → `pull --verify` accepts; a wrong key or no signature → refused, nothing written.

let dir: string;
let registry: TestRegistry;
let wasm: string;
const password = "correct horse";

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sign-cosign-"));
  registry = await startRegistry();
  wasm = join(dir, "plugin.wasm");
  await writeFile(wasm, await readFile(await filterModule("template/add-header")));
  await cosignBinary();
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir, env: { PATH: process.env.PATH, ...env } });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function push(repository: string, ...args: string[]): Promise<{ digest: string; reference: string; signature?: string }> {
  const run = await cli(["push", "plugin.wasm", `${registry.host}/${repository}:v1`, "--json", ...args], { COSIGN_PASSWORD: password });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const offline = ["--allow-http-registry", "--allow-insecure-registry"];

test("keygen writes cosign's encrypted key (0600) and a PEM public key; never over an existing pair", async () => {
  const made = await cli(["keygen", "--output-key-prefix", "ours"], { COSIGN_PASSWORD: password });
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, "private key written to ours.key (mode 0600)\npublic key written to ours.pub\n");
  assert.equal((await stat(join(dir, "ours.key"))).mode & 0o777, 0o600);
  assert.match(await readFile(join(dir, "ours.key"), "utf8"), /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  assert.match(await readFile(join(dir, "ours.pub"), "utf8"), /^-----BEGIN PUBLIC KEY-----\n/);
  const again = await cli(["keygen", "--output-key-prefix", "ours"], { COSIGN_PASSWORD: password });
  assert.equal(again.code, 2);
  assert.equal(again.stderr.split("\n")[0], `error: ${join(dir, "ours.key")} already exists`);
  const noPassword = await cli(["keygen", "--output-key-prefix", "other"]);
  assert.equal(noPassword.code, 2);
  assert.match(noPassword.stderr, /^error: keygen needs COSIGN_PASSWORD/);
  assert.equal(existsSync(join(dir, "other.key")), false);
});

test("we sign (push --sign) → cosign verify --key accepts, and so does pull --verify", async () => {
  const pushed = await push("team/ours", "--sign", "ours.key");
  assert.equal(pushed.signature, `${pushed.digest.replace(":", "-")}.sig`);
  const image = `${registry.host}/team/ours@${pushed.digest}`;
  const verified = await cosign(["verify", "--key", join(dir, "ours.pub"), "--insecure-ignore-tlog", ...offline, image]);
  const [claims] = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string }; identity: { "docker-reference": string } } }[];
  assert.equal(claims.critical.image["docker-manifest-digest"], pushed.digest);
  assert.equal(claims.critical.identity["docker-reference"], `${registry.host}/team/ours`);
  const pulled = await cli(["pull", `${registry.host}/team/ours:v1`, "-o", "ours-out", "--verify", "ours.pub", "--json"]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(JSON.parse(pulled.stdout).signatures, 1);
  assert.deepEqual(await readFile(join(dir, "ours-out", "plugin.wasm")), await readFile(wasm));
});

test("cosign signs (its own generate-key-pair) → pull --verify accepts; our push signs with cosign's key too", async () => {
  await cosign(["generate-key-pair", "--output-key-prefix", join(dir, "theirs")], { COSIGN_PASSWORD: password });
  const pushed = await push("team/theirs");
  const image = `${registry.host}/team/theirs@${pushed.digest}`;
  await cosign(["sign", "--key", join(dir, "theirs.key"), "--tlog-upload=false", "--yes", ...offline, image], { COSIGN_PASSWORD: password });
  const pulled = await cli(["pull", `${registry.host}/team/theirs:v1`, "-o", "theirs-out", "--verify", "theirs.pub"]);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.match(pulled.stdout, /\nverified: 1 signature\(s\) by theirs\.pub\n$/);

  // Our payload is byte for byte cosign's: signing again with the same key adds no duplicate.
  const resigned = await push("team/theirs", "--sign", "theirs.key");
  assert.equal(resigned.digest, pushed.digest, "the same module is the same image");
  const once = await cli(["pull", `${registry.host}/team/theirs:v1`, "-o", "theirs-out", "--verify", "theirs.pub", "--json"]);
  assert.equal(JSON.parse(once.stdout).signatures, 1);

  // Our signature with another key is added beside cosign's: each verifies with its own key, in both tools.
  await push("team/theirs", "--sign", "ours.key");
  for (const key of ["theirs", "ours"]) {
    const pulledWith = await cli(["pull", `${registry.host}/team/theirs:v1`, "-o", "theirs-out", "--verify", `${key}.pub`, "--json"]);
    assert.equal(pulledWith.code, 0, pulledWith.stderr);
    assert.equal(JSON.parse(pulledWith.stdout).signatures, 1);
    await cosign(["verify", "--key", join(dir, `${key}.pub`), "--insecure-ignore-tlog", ...offline, image]);
  }
});

test("a wrong key or no signature: pull --verify refuses and writes nothing", async () => {
  const signed = await push("team/refused", "--sign", "ours.key");
  const wrongKey = await cli(["pull", `${registry.host}/team/refused:v1`, "-o", "refused-out", "--verify", "theirs.pub"]);
  assert.equal(wrongKey.code, 1);
  assert.equal(wrongKey.stdout, "");
  assert.equal(
    wrongKey.stderr.split("\n")[0],
    `error: pull ${registry.host}/team/refused:v1: refused: the image is not signed with this key: none of its 1 signature(s) verifies with this public key`,
  );
  assert.equal(existsSync(join(dir, "refused-out")), false);
  await assert.rejects(
    cosign(["verify", "--key", join(dir, "theirs.pub"), "--insecure-ignore-tlog", ...offline, `${registry.host}/team/refused@${signed.digest}`]),
  );

  await push("team/unsigned");
  const unsigned = await cli(["pull", `${registry.host}/team/unsigned:v1`, "-o", "unsigned-out", "--verify", "ours.pub"]);
  assert.equal(unsigned.code, 1);
  assert.match(
    unsigned.stderr,
    /^error: pull [^ ]+\/team\/unsigned:v1: refused: the image is not signed: no signature \(no cosign signature under the tag sha256-[0-9a-f]{64}\.sig\)\nhint: sign it: /,
  );
  assert.equal(existsSync(join(dir, "unsigned-out")), false);
});

test("a signature copied from another image does not vouch for this one", async () => {
  const signed = await push("team/copied", "--sign", "ours.key");
  // Another module in another tag of the same repository, given the first image's signature manifest.
  await writeFile(join(dir, "other.wasm"), Buffer.concat([await readFile(wasm), Buffer.from([0, 4, 0x6e, 0x6f, 0x74, 0x65])]));
  const other = await cli(["push", "other.wasm", `${registry.host}/team/copied:other`, "--json"]);
  const otherDigest = JSON.parse(other.stdout).digest as string;
  const sigTag = (digest: string) => `${digest.replace(":", "-")}.sig`;
  const accept = "application/vnd.oci.image.manifest.v1+json";
  const manifest = await fetch(`http://${registry.host}/v2/team/copied/manifests/${sigTag(signed.digest)}`, { headers: { accept } });
  const put = await fetch(`http://${registry.host}/v2/team/copied/manifests/${sigTag(otherDigest)}`, {
    method: "PUT",
    headers: { "content-type": accept },
    body: Buffer.from(await manifest.arrayBuffer()),
  });
  assert.equal(put.status, 201);
  const refused = await cli(["pull", `${registry.host}/team/copied:other`, "-o", "copied-out", "--verify", "ours.pub"]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refused: the image is not signed with this key/);
});

test("bad key files are one-line usage errors", async () => {
  const wrongPassword = await cli(["push", "plugin.wasm", `${registry.host}/team/bad:v1`, "--sign", "ours.key"], { COSIGN_PASSWORD: "wrong" });
  assert.equal(wrongPassword.code, 2);
  assert.equal(
    wrongPassword.stderr,
    "error: --sign ours.key: wrong password for the private key (COSIGN_PASSWORD)\nhint: set COSIGN_PASSWORD to the key's password\n",
  );
  assert.equal(
    (await cli(["pull", `${registry.host}/team/bad:v1`, "--verify", "plugin.wasm"])).stderr.split("\n")[0],
    "error: --verify plugin.wasm: not a PEM public key",
  );
  assert.equal(
    (await cli(["push", "plugin.wasm", `${registry.host}/team/bad:v1`, "--sign", "ours.pub"])).stderr.split("\n")[0],
    "error: --sign ours.pub: not a usable private key (PUBLIC KEY)",
  );
  const notPushed = await fetch(`http://${registry.host}/v2/team/bad/manifests/v1`, { method: "HEAD" });
  assert.equal(notPushed.status, 404, "nothing pushed when the key cannot be used");
});
