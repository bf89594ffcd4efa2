import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";
import { cli, cliOk } from "./fixtures/oci/cli.js";
import { tinyWasm } from "./fixtures/oci/wasm.js";

const user = "alice";
const password = "correct-horse-battery";
const wrong = "wrong-password-never-printed";
const helperDir = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "oci");

let dir: string;
let wasmPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-login-"));
  wasmPath = join(dir, "filter.wasm");
  await writeFile(wasmPath, tinyWasm("login"));
});

after(() => rm(dir, { recursive: true, force: true }));

/** A fresh docker config dir per case, so no case sees another's login. */
async function configDir(name: string, config?: object): Promise<string> {
  const path = join(dir, name);
  await mkdir(path, { recursive: true });
  if (config) await writeFile(join(path, "config.json"), JSON.stringify(config));
  return path;
}

for (const auth of ["basic", "token"] as const) {
  describe(`${auth} auth`, () => {
    let registry: TestRegistry;
    before(async () => {
      registry = await startRegistry({ auth, users: { [user]: password } });
    });
    after(() => registry.stop());

    test("login checks the credentials, stores them in config.json, and push/pull use them", async () => {
      const config = await configDir(`${auth}-login`);
      const env = { DOCKER_CONFIG: config };
      const login = await cliOk(["login", registry.host, "-u", user, "--password-stdin"], { env, stdin: `${password}\n` });
      assert.match(login.stdout, new RegExp(`login succeeded: ${registry.host}`));
      assert.ok(!login.stdout.includes(password));
      const stored = JSON.parse(await readFile(join(config, "config.json"), "utf8"));
      assert.equal(Buffer.from(stored.auths[registry.host].auth, "base64").toString(), `${user}:${password}`);
      await cliOk(["push", wasmPath, `${registry.host}/auth/filter:v1`], { env });
      const out = join(dir, `${auth}-pulled`);
      await cliOk(["pull", `${registry.host}/auth/filter:v1`, "-o", out], { env });
      assert.ok((await readFile(join(out, "plugin.wasm"))).equals(tinyWasm("login")));
      if (auth === "token") {
        const scopes = registry.tokenRequests.map((t) => t.scopes.join(" "));
        assert.ok(scopes.includes("repository:auth/filter:pull,push"), `push asked for a push scope: ${scopes}`);
        assert.ok(scopes.includes("repository:auth/filter:pull"), "pull asked for a pull scope");
      }
      assert.match((await cliOk(["logout", registry.host], { env })).stdout, /logged out/);
      assert.deepEqual(JSON.parse(await readFile(join(config, "config.json"), "utf8")).auths, {});
      assert.match((await cliOk(["logout", registry.host], { env })).stdout, /not logged in/);
    });

    test("a wrong password is a clear 'unauthorized' naming the registry, never the secret", async () => {
      const config = await configDir(`${auth}-wrong`);
      const runs = [
        await cli(["login", registry.host, "-u", user, "--password-stdin"], { env: { DOCKER_CONFIG: config }, stdin: wrong }),
        await cli(["push", wasmPath, `${registry.host}/auth/filter:v2`, "-u", user, "--password-stdin"], { env: { DOCKER_CONFIG: config }, stdin: wrong }),
        await cli(["push", wasmPath, `${registry.host}/auth/filter:v2`], {
          env: { DOCKER_CONFIG: config, AS_PROXY_WASM_REGISTRY_USERNAME: user, AS_PROXY_WASM_REGISTRY_PASSWORD: wrong },
        }),
      ];
      for (const run of runs) {
        assert.equal(run.code, 1);
        assert.match(run.stderr, new RegExp(`^error: .*unauthorized: registry ${registry.host.replaceAll(".", "\\.")} refused the credentials`, "m"));
        assert.ok(!run.stderr.includes(wrong) && !run.stdout.includes(wrong), "the password is never printed");
        assert.ok(!run.stderr.includes(Buffer.from(`${user}:${wrong}`).toString("base64")), "nor its base64");
      }
      await assert.rejects(readFile(join(config, "config.json")), "a failed login stores nothing");
    });

    test("anonymous push is refused as unauthorized", async () => {
      const run = await cli(["push", wasmPath, `${registry.host}/auth/filter:anon`], { env: { DOCKER_CONFIG: await configDir(`${auth}-anon`) } });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /^error: push to .*auth\/filter:anon: unauthorized: registry 127\.0\.0\.1:\d+ needs credentials \(.*\)\nhint: log in: as-proxy-wasm login 127\.0\.0\.1:\d+ -u <user> --password-stdin\n$/,
      );
    });

    test("credentials from flags and from CI env vars", async () => {
      const env = { DOCKER_CONFIG: await configDir(`${auth}-flags`) };
      await cliOk(["push", wasmPath, `${registry.host}/auth/flags:v1`, "-u", user, "--password-stdin"], { env, stdin: password });
      await cliOk(["push", wasmPath, `${registry.host}/auth/env:v1`], {
        env: { ...env, AS_PROXY_WASM_REGISTRY_USERNAME: user, AS_PROXY_WASM_REGISTRY_PASSWORD: password },
      });
      const out = join(dir, `${auth}-env-pulled`);
      await cliOk(["pull", `${registry.host}/auth/env:v1`, "-o", out, "-u", user, "--password-stdin"], { env, stdin: password });
    });

    test("credsStore and credHelpers run the docker-credential helper", async () => {
      const store = join(dir, `${auth}-helper-store.json`);
      const env = { PATH: `${helperDir}:${process.env.PATH}`, FILESTORE_PATH: store };
      const viaStore = await configDir(`${auth}-credsstore`, { credsStore: "filestore" });
      await cliOk(["login", registry.host, "-u", user, "--password-stdin"], { env: { ...env, DOCKER_CONFIG: viaStore }, stdin: password });
      assert.deepEqual(JSON.parse(await readFile(store, "utf8"))[registry.host], { Username: user, Secret: password });
      assert.equal(JSON.parse(await readFile(join(viaStore, "config.json"), "utf8")).auths, undefined, "nothing in auths");
      const viaHelpers = await configDir(`${auth}-credhelpers`, { credHelpers: { [registry.host]: "filestore" } });
      await cliOk(["push", wasmPath, `${registry.host}/auth/helper:v1`], { env: { ...env, DOCKER_CONFIG: viaHelpers } });
      await cliOk(["logout", registry.host], { env: { ...env, DOCKER_CONFIG: viaStore } });
      assert.equal(JSON.parse(await readFile(store, "utf8"))[registry.host], undefined);
    });
  });
}

test("login without --password-stdin is a usage error", async () => {
  const run = await cli(["login", "localhost:5000", "-u", user]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /^error: login needs --password-stdin$/m);
});
