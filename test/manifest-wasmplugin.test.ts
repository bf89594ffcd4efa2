import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { wasmPluginSchema } from "../cli/manifests/schemas/wasmplugin.js";
import { generated, manifest, refusedWith, tinyWasm } from "./fixtures/manifests/cli.js";

const digest = "c".repeat(64);
const wasmSha256 = createHash("sha256").update(tinyWasm).digest("hex");
let dir: string;
let project: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-wasmplugin-"));
  project = join(dir, "project");
  await cp(join(import.meta.dirname, "fixtures/manifests/project"), project, { recursive: true });
  await writeFile(join(dir, "filter.wasm"), tinyWasm);
});

after(() => rm(dir, { recursive: true, force: true }));

const wasmplugin = (...args: string[]) => generated(["wasmplugin", ...args], dir, wasmPluginSchema);
const refused = (args: string[], error: string | RegExp, cwd = dir) => refusedWith(["wasmplugin", ...args], cwd, error);

test("every WasmPlugin field from its flag", async () => {
  const document = await wasmplugin(
    "--image",
    "ghcr.io/acme/add-header:v1",
    "--digest",
    `sha256:${digest}`,
    "--name",
    "add-header",
    "--namespace",
    "istio-ingress",
    "--plugin-name",
    "add_header_root",
    "--phase",
    "AUTHZ",
    "--priority",
    "100",
    "--selector",
    "app=web,version=v1",
    "--selector",
    "tier=front",
    "--fail-strategy",
    "FAIL_OPEN",
    "--image-pull-policy",
    "Always",
    "--image-pull-secret",
    "ghcr-pull",
    "--match",
    "SERVER:80,8080",
    "--match",
    "CLIENT",
    "--type",
    "HTTP",
    "--env",
    "GREETING=hello=world",
    "--env-from-host",
    "POD_NAME",
    "--config",
    '{"header":"x-hello","nested":{"list":[1,"two",true]}}',
  );
  assert.deepEqual(document, {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "add-header", namespace: "istio-ingress" },
    spec: {
      url: "oci://ghcr.io/acme/add-header:v1",
      sha256: digest,
      imagePullPolicy: "Always",
      imagePullSecret: "ghcr-pull",
      selector: { matchLabels: { app: "web", version: "v1", tier: "front" } },
      pluginName: "add_header_root",
      phase: "AUTHZ",
      priority: 100,
      failStrategy: "FAIL_OPEN",
      type: "HTTP",
      match: [{ mode: "SERVER", ports: [{ number: 80 }, { number: 8080 }] }, { mode: "CLIENT" }],
      vmConfig: {
        env: [
          { name: "GREETING", value: "hello=world" },
          { name: "POD_NAME", valueFrom: "HOST" },
        ],
      },
      pluginConfig: { header: "x-hello", nested: { list: [1, "two", true] } },
    },
  });
});

test("only what was asked for: url, sha256 and a name derived from the image", async () => {
  const document = await wasmplugin("--image", "oci://127.0.0.1:5000/team/rate_limit:1.2", "--digest", digest);
  assert.deepEqual(document, {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "rate-limit" },
    spec: { url: "oci://127.0.0.1:5000/team/rate_limit:1.2", sha256: digest },
  });
});

test("every phase, fail strategy, pull policy, type and match mode Istio knows is accepted", async () => {
  for (const phase of ["AUTHN", "AUTHZ", "STATS", "UNSPECIFIED_PHASE"]) {
    assert.equal((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--phase", phase)).spec.phase, phase);
  }
  for (const strategy of ["FAIL_CLOSE", "FAIL_OPEN"]) {
    assert.equal((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--fail-strategy", strategy)).spec.failStrategy, strategy);
  }
  for (const policy of ["IfNotPresent", "Always", "UNSPECIFIED_POLICY"]) {
    assert.equal((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--image-pull-policy", policy)).spec.imagePullPolicy, policy);
  }
  for (const type of ["HTTP", "NETWORK"]) {
    assert.equal((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--type", type)).spec.type, type);
  }
  for (const mode of ["CLIENT", "SERVER", "CLIENT_AND_SERVER", "UNDEFINED"]) {
    assert.deepEqual((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--match", `${mode}:9090`)).spec.match, [
      { mode, ports: [{ number: 9090 }] },
    ]);
  }
  assert.deepEqual((await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--match", ":443")).spec.match, [{ ports: [{ number: 443 }] }]);
});

test("targetRefs: the group is filled in for each attachable kind, or taken as given", async () => {
  const document = await wasmplugin(
    "--image",
    "r.io/f:1",
    "--digest",
    digest,
    "--target-ref",
    "Gateway/ingress",
    "--target-ref",
    "GatewayClass/istio",
    "--target-ref",
    "Service/reviews",
    "--target-ref",
    "ServiceEntry/external",
    "--target-ref",
    "core/Service/ratings",
  );
  assert.deepEqual(document.spec.targetRefs, [
    { group: "gateway.networking.k8s.io", kind: "Gateway", name: "ingress" },
    { group: "gateway.networking.k8s.io", kind: "GatewayClass", name: "istio" },
    { group: "", kind: "Service", name: "reviews" },
    { group: "networking.istio.io", kind: "ServiceEntry", name: "external" },
    { group: "core", kind: "Service", name: "ratings" },
  ]);
  assert.equal(document.spec.selector, undefined);
});

test("a digest pinned in the url is Istio's sha256; a different --digest is refused", async () => {
  const document = await wasmplugin("--image", `r.io/team/f@sha256:${digest}`);
  assert.equal(document.spec.url, `oci://r.io/team/f@sha256:${digest}`);
  assert.equal(document.spec.sha256, digest);
  await refused(
    ["--image", `r.io/team/f@sha256:${digest}`, "--digest", "d".repeat(64)],
    `spec.sha256: does not match the digest in spec.url (sha256:${digest})`,
  );
});

test("http(s) url: sha256 of the module, computed from --wasm or given", async () => {
  const computed = await wasmplugin("--image", "https://cdn.example.com/filters/header.wasm", "--wasm", "filter.wasm");
  assert.deepEqual(computed.spec, { url: "https://cdn.example.com/filters/header.wasm", sha256: wasmSha256 });
  assert.equal(computed.metadata.name, "header");
  const given = await wasmplugin("--image", "http://10.0.0.1:8080/f.wasm", "--sha256", digest);
  assert.equal(given.spec.sha256, digest);
  await refused(["--image", "https://cdn.example.com/f.wasm"], "--sha256: an http(s) url must be pinned by the module's sha256");
  await refused(["--image", "https://cdn.example.com/f.wasm", "--digest", `sha256:${digest}`], "--digest: applies to registry images only");
  await refused(
    ["--image", "https://cdn.example.com/f.wasm", "--wasm", "filter.wasm", "--sha256", digest],
    `--sha256: does not match ${join(dir, "filter.wasm")} (its sha256 is ${wasmSha256})`,
  );
});

test("file: a local module becomes a file:// url with its sha256; a path only the proxy has is taken as is", async () => {
  const local = await wasmplugin("--image", "filter.wasm");
  assert.deepEqual(local.spec, { url: pathToFileURL(join(dir, "filter.wasm")).href, sha256: wasmSha256 });
  const remote = await wasmplugin("--image", "file:///opt/filters/auth.wasm");
  assert.deepEqual(remote.spec, { url: "file:///opt/filters/auth.wasm" });
  assert.equal(remote.metadata.name, "auth");
});

test("--config takes inline JSON or a JSON/YAML file", async () => {
  const yamlConfig = await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--config", "@project/config.yaml");
  assert.deepEqual(yamlConfig.spec.pluginConfig, { header: "x-hello", value: "world", limit: 5 });
  await writeFile(join(dir, "config.json"), JSON.stringify({ header: "x-json", list: [1, 2] }));
  const jsonConfig = await wasmplugin("--image", "r.io/f:1", "--digest", digest, "--config", "@config.json");
  assert.deepEqual(jsonConfig.spec.pluginConfig, { header: "x-json", list: [1, 2] });
  await refused(["--image", "r.io/f:1", "--digest", digest, "--config", "{header:"], /^error: --config: not valid JSON: /);
  // The same words as run's for the same flag (one reader, cli/config-input.ts).
  await refused(["--image", "r.io/f:1", "--digest", digest, "--config", "@missing.yaml"], "--config @missing.yaml: no such file");
  await refused(["--image", "r.io/f:1", "--digest", digest, "--config", "@."], "--config @.: is a directory, expected a file");
  await refused(["--image", "r.io/f:1", "--digest", digest, "--config", "[1,2]"], "spec.pluginConfig: must be object");
});

test("pluginConfig is checked against the project's config.schema.json", async () => {
  const wasm = join(project, "wasm/filter.wasm");
  // Found from the module's project (nearest package.json above the .wasm) …
  const good = await wasmplugin("--image", wasm, "--config", '{"header":"x-ok","limit":2}');
  assert.deepEqual(good.spec.pluginConfig, { header: "x-ok", limit: 2 });
  await refused(["--image", wasm, "--config", '{"header":"X BAD"}'], 'pluginConfig.header: must match ^[a-z0-9-]+$ (got "X BAD") (per config.schema.json)');
  await refused(["--image", wasm, "--config", '{"value":"v"}'], "pluginConfig.header: is required (per config.schema.json)");
  // … from --wasm for a registry image …
  await refused(
    ["--image", "r.io/f:1", "--digest", digest, "--wasm", wasm, "--config", '{"header":"x","limit":0}'],
    "pluginConfig.limit: must be >= 1 (got 0) (per config.schema.json)",
  );
  // … from the working directory's project …
  await refused(
    ["--image", "r.io/f:1", "--digest", digest, "--config", '{"header":"x","extra":1}'],
    "pluginConfig.extra: is not an allowed property (per config.schema.json)",
    project,
  );
  // … or named with --config-schema.
  await writeFile(join(dir, "strict.json"), JSON.stringify({ type: "object", properties: { header: { enum: ["x-a"] } } }));
  await refused(
    ["--image", "r.io/f:1", "--digest", digest, "--config-schema", "strict.json", "--config", '{"header":"x-b"}'],
    'pluginConfig.header: must be one of x-a (got "x-b") (per strict.json)',
  );
  // A project without a schema accepts any object.
  assert.deepEqual((await wasmplugin("--image", "filter.wasm", "--config", '{"anything":[1]}')).spec.pluginConfig, { anything: [1] });
});

test("flags are checked before the registry is asked: a bad phase fails offline", async () => {
  await refused(["--image", "127.0.0.1:1/team/f:v1", "--phase", "AUTH"], 'spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "AUTH")');
});

test("invalid input: one error line naming the field and the flag, no YAML", async () => {
  const image = ["--image", "r.io/f:1", "--digest", digest];
  const run = await refused([...image, "--phase", "AUTH"], 'spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "AUTH")');
  assert.equal(run.stderr, 'error: spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "AUTH")\nhint: set by --phase\n');
  await refused([...image, "--selector", "app=web", "--target-ref", "Gateway/ingress"], "spec: only one of targetRefs or selector can be set");
  await refused(
    [...image, "--target-ref", "Deployment/web"],
    "spec.targetRefs[0]: Support kinds are core/Service, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass and networking.istio.io/ServiceEntry",
  );
  await refused([...image, "--target-ref", "ingress"], '--target-ref: expected Kind/name or group/Kind/name (got "ingress")');
  await refused([...image, "--selector", "app"], '--selector: expected key=value (got "app")');
  await refused([...image, "--selector", "app=*"], 'spec.selector.matchLabels.app: wildcard not allowed in label value match (got "*")');
  await refused([...image, "--fail-strategy", "FAIL_SOMETIMES"], 'spec.failStrategy: must be one of FAIL_CLOSE, FAIL_OPEN, FAIL_RELOAD (got "FAIL_SOMETIMES")');
  await refused([...image, "--image-pull-policy", "Never"], 'spec.imagePullPolicy: must be one of UNSPECIFIED_POLICY, IfNotPresent, Always (got "Never")');
  await refused([...image, "--type", "TCP"], 'spec.type: must be one of UNSPECIFIED_PLUGIN_TYPE, HTTP, NETWORK (got "TCP")');
  await refused([...image, "--match", "INBOUND"], 'spec.match[0].mode: must be one of UNDEFINED, CLIENT, SERVER, CLIENT_AND_SERVER (got "INBOUND")');
  await refused([...image, "--match", "SERVER:80,99999"], "spec.match[0].ports[1].number: must be <= 65535 (got 99999)");
  await refused([...image, "--match", "SERVER:http"], 'spec.match[0].ports[0].number: must be integer (got "http")');
  await refused([...image, "--match", "SERVER:80,80"], "spec.match[0].ports: duplicate entry at [1]: number 80");
  await refused([...image, "--priority", "high"], 'spec.priority: must be integer (got "high")');
  await refused([...image, "--priority", "3000000000"], 'spec.priority: must match format "int32" (got 3000000000)');
  await refused([...image, "--env", "NOVALUE"], '--env: expected NAME=value (got "NOVALUE")');
  await refused([...image, "--env", "A=1", "--env-from-host", "A"], 'spec.vmConfig.env: duplicate entry at [1]: name "A"');
  await refused(
    [...image, "--name", "Add_Header"],
    'metadata.name: must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ (got "Add_Header")',
  );
  await refused([...image, "--plugin-name", ""], 'spec.pluginName: must NOT have fewer than 1 characters (got "")');
  await refused(["--image", "r.io/f:1", "--digest", "sha256:abc"], 'spec.sha256: must match (^$|^[a-f0-9]{64}$) (got "abc")');
  await refused(["--image", "ftp://example.com/f.wasm"], '--image: url must have schema one of [http, https, file, oci] (got "ftp://example.com/f.wasm")');
  await refused(["--image", "r.io/Bad Repo:1", "--digest", digest], 'invalid reference "r.io/Bad Repo:1": "Bad Repo" is not a valid repository name');
});

test("-o writes the file; a refused manifest writes nothing", async () => {
  await writeFile(join(dir, "plugin.yaml"), "");
  const ok = await manifest(["wasmplugin", "--image", "r.io/f:1", "--digest", digest, "-o", "plugin.yaml"], dir);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, "");
  assert.equal(parse(await readFile(join(dir, "plugin.yaml"), "utf8")).spec.sha256, digest);
  const bad = await manifest(["wasmplugin", "--image", "r.io/f:1", "--digest", digest, "--phase", "X", "-o", "rejected.yaml"], dir);
  assert.equal(bad.code, 2);
  assert.equal(existsSync(join(dir, "rejected.yaml")), false);
});
