import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { tinyWasm } from "./fixtures/manifests/cli.js";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";

// `manifest pull-secret`: the dockerconfigjson Secret made from the stored login, checked by pulling from a
// real password-protected registry with nothing but the Secret's content.

const helperDir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "oci");
const user = "alice";
const password = "s3cret-Pa55";
let dir: string;
let registry: TestRegistry;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-pull-secret-"));
  await writeFile(join(dir, "filter.wasm"), tinyWasm);
  registry = await startRegistry({ auth: "basic", users: { [user]: password } });
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir, env: { PATH: process.env.PATH, ...env }, stdin });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function dockerConfig(name: string, config: unknown): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, "config.json"), JSON.stringify(config));
  return path;
}

function decoded(secretYaml: string): { secret: any; auths: Record<string, any> } {
  const secret = parse(secretYaml);
  return { secret, auths: JSON.parse(Buffer.from(secret.data[".dockerconfigjson"], "base64").toString("utf8")).auths };
}

test("the Secret holds the login that `login` stored, and pulls from the registry on its own", async () => {
  const config = await dockerConfig("login", {});
  assert.equal((await run(["login", registry.host, "-u", user, "--password-stdin"], { DOCKER_CONFIG: config }, password)).code, 0);
  assert.equal((await run(["push", "filter.wasm", `${registry.host}/team/private:v1`], { DOCKER_CONFIG: config })).code, 0);

  const made = await run(["manifest", "pull-secret", "--registry", registry.host, "--namespace", "istio-system"], { DOCKER_CONFIG: config });
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stderr, "", "nothing logged");
  const { secret, auths } = decoded(made.stdout);
  assert.deepEqual(secret.metadata, { name: "127-0-0-1-" + registry.host.split(":")[1] + "-pull", namespace: "istio-system" });
  assert.equal(secret.type, "kubernetes.io/dockerconfigjson");
  assert.deepEqual(auths, { [registry.host]: { username: user, password, auth: Buffer.from(`${user}:${password}`).toString("base64") } });

  // What a kubelet or istio-agent mounts: the decoded .dockerconfigjson as the only credentials.
  const fromSecret = await dockerConfig("from-secret", { auths });
  const pulled = await run(["pull", `${registry.host}/team/private:v1`, "-o", join(dir, "pulled")], { DOCKER_CONFIG: fromSecret });
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.deepEqual(await readFile(join(dir, "pulled", "plugin.wasm")), Buffer.from(tinyWasm));
  const anonymous = await run(["pull", `${registry.host}/team/private:v1`, "-o", join(dir, "anonymous")], { DOCKER_CONFIG: await dockerConfig("empty", {}) });
  assert.notEqual(anonymous.code, 0, "the registry does refuse a pull without the secret");
});

test("a login kept by a credential helper goes in the Secret too", async () => {
  const store = join(dir, "helper-store.json");
  await writeFile(store, JSON.stringify({ "ghcr.io": { Username: "bot", Secret: "helper-token" } }));
  const config = await dockerConfig("helper", { credHelpers: { "ghcr.io": "filestore" } });
  const made = await run(["manifest", "pull-secret", "--registry", "ghcr.io", "--name", "ghcr-pull"], {
    DOCKER_CONFIG: config,
    FILESTORE_PATH: store,
    PATH: `${helperDir}:${process.env.PATH}`,
  });
  assert.equal(made.code, 0, made.stderr);
  const { secret, auths } = decoded(made.stdout);
  assert.deepEqual(secret.metadata, { name: "ghcr-pull" });
  assert.deepEqual(auths["ghcr.io"], { username: "bot", password: "helper-token", auth: Buffer.from("bot:helper-token").toString("base64") });
});

test("Docker Hub's login is keyed by its index url; an identity token stays a token", async () => {
  const config = await dockerConfig("hub", { auths: { "https://index.docker.io/v1/": { identitytoken: "refresh-token" } } });
  const made = await run(["manifest", "pull-secret", "--registry", "docker.io"], { DOCKER_CONFIG: config });
  assert.equal(made.code, 0, made.stderr);
  const { secret, auths } = decoded(made.stdout);
  assert.equal(secret.metadata.name, "docker-io-pull");
  assert.deepEqual(auths, { "https://index.docker.io/v1/": { identitytoken: "refresh-token" } });
});

test("-o writes the Secret to a file only its owner reads, and prints nothing", async () => {
  const config = await dockerConfig("file", { auths: { "ghcr.io": { auth: Buffer.from("bot:file-secret").toString("base64") } } });
  const out = join(dir, "secret.yaml");
  await writeFile(out, "old content\n", { mode: 0o644 });
  const made = await run(["manifest", "pull-secret", "--registry", "ghcr.io", "-o", out], { DOCKER_CONFIG: config });
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout + made.stderr, "");
  assert.equal((await stat(out)).mode & 0o777, 0o600);
  assert.equal(decoded(await readFile(out, "utf8")).auths["ghcr.io"].password, "file-secret");
});

test("no stored login: one error line saying how to log in, no Secret", async () => {
  const made = await run(["manifest", "pull-secret", "--registry", "quay.io"], { DOCKER_CONFIG: await dockerConfig("none", {}) });
  assert.equal(made.code, 1);
  assert.equal(made.stdout, "");
  assert.equal(made.stderr, "error: no stored login for quay.io\nhint: log in first: as-proxy-wasm login quay.io -u <user> --password-stdin\n");
  const bad = await run(["manifest", "pull-secret", "--registry", "ghcr.io", "--name", "Bad_Name"], {
    DOCKER_CONFIG: await dockerConfig("bad", { auths: { "ghcr.io": { auth: "Ym90Ongu" } } }),
  });
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /^error: metadata\.name: must match .* \(got "Bad_Name"\)\nhint: set by --name\n$/);
});
