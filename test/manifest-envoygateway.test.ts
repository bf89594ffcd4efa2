import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { envoyExtensionPolicySchema } from "../cli/manifests/schemas/envoyextensionpolicy.js";
import { generated, refusedWith, tinyWasm } from "./fixtures/manifests/cli.js";
import { verdict } from "./fixtures/manifests/verdict.js";
import { startRegistry, type TestRegistry } from "./helpers/registry.js";

// `manifest envoygateway`: Envoy Gateway's EnvoyExtensionPolicy, validated against Envoy Gateway's own CRD
// schema (types, patterns, CEL rules), pinned by the digest a real registry serves.

const digest = "d".repeat(64);
const wasmSha256 = createHash("sha256").update(tinyWasm).digest("hex");
let dir: string;
let registry: TestRegistry;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-envoygateway-"));
  await writeFile(join(dir, "filter.wasm"), tinyWasm);
  registry = await startRegistry();
});

after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const envoygateway = (...args: string[]) => generated(["envoygateway", ...args], dir, envoyExtensionPolicySchema);
const refused = (args: string[], error: string) => refusedWith(["envoygateway", ...args], dir, error);

test("every EnvoyExtensionPolicy field from its flag", async () => {
  const document = await envoygateway(
    "--image",
    "ghcr.io/acme/add-header:v1",
    "--digest",
    `sha256:${digest}`,
    "--name",
    "add-header",
    "--namespace",
    "gateways",
    "--target-ref",
    "Gateway/eg",
    "--target-ref",
    "HTTPRoute/backend",
    "--plugin-name",
    "add_header_root",
    "--fail-strategy",
    "FAIL_OPEN",
    "--image-pull-secret",
    "ghcr-pull",
    "--image-pull-policy",
    "Always",
    "--env-from-host",
    "POD_NAME",
    "--config",
    '{"header":"x-hello","nested":{"list":[1,"two",true]}}',
  );
  assert.deepEqual(document, {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyExtensionPolicy",
    metadata: { name: "add-header", namespace: "gateways" },
    spec: {
      targetRefs: [
        { group: "gateway.networking.k8s.io", kind: "Gateway", name: "eg" },
        { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "backend" },
      ],
      wasm: [
        {
          name: "add-header",
          rootID: "add_header_root",
          code: { type: "Image", image: { url: "ghcr.io/acme/add-header:v1", sha256: digest, pullSecretRef: { name: "ghcr-pull" } }, pullPolicy: "Always" },
          config: { header: "x-hello", nested: { list: [1, "two", true] } },
          failOpen: true,
          env: { hostKeys: ["POD_NAME"] },
        },
      ],
    },
  });
});

test("a pushed image is pinned by the manifest digest the registry serves, its url without oci://", async () => {
  const image = `${registry.host}/team/eg-filter:v1`;
  const { io, stdout, stderr } = memoryIo({ cwd: dir });
  assert.equal(await runCli(["push", "filter.wasm", image, "--json"], io), 0, stderr());
  const pushed = JSON.parse(stdout()) as { digest: string };
  const served = await fetch(`http://${registry.host}/v2/team/eg-filter/manifests/v1`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  assert.equal(served.headers.get("docker-content-digest"), pushed.digest);
  const document = await envoygateway("--image", image, "--target-ref", "Gateway/eg");
  assert.deepEqual(document.spec.wasm[0].code, { type: "Image", image: { url: image, sha256: pushed.digest.slice("sha256:".length) } });
});

test("an http(s) url is code.type HTTP, pinned by the module's sha256", async () => {
  const document = await envoygateway(
    "--image",
    "https://cdn.example.com/filter.wasm",
    "--wasm",
    "filter.wasm",
    "--target-ref",
    "Gateway/eg",
    "--fail-strategy",
    "FAIL_CLOSE",
  );
  assert.deepEqual(document.spec.wasm[0], {
    name: "filter",
    code: { type: "HTTP", http: { url: "https://cdn.example.com/filter.wasm", sha256: wasmSha256 } },
    failOpen: false,
  });
});

test("what Envoy Gateway would refuse is refused with the field and the flag", async () => {
  const image = ["--image", "ghcr.io/acme/f:v1", "--digest", `sha256:${digest}`];
  let run = await refused(image, "spec: either targetRef or targetRefs must be used");
  assert.match(run.stderr, /hint: set by --target-ref/);
  await refused([...image, "--target-ref", "Service/web"], "spec: this policy can only have a targetRefs[*].group of gateway.networking.k8s.io");
  await refused(
    [...image, "--target-ref", "gateway.networking.k8s.io/Mesh/m"],
    "spec: this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute",
  );
  run = await refused(
    [...image, "--target-ref", "Gateway/eg", "--image-pull-policy", "Never"],
    'spec.wasm[0].code.pullPolicy: must be one of IfNotPresent, Always (got "Never")',
  );
  assert.match(run.stderr, /hint: set by --image-pull-policy/);
  await refused(
    [...image, "--target-ref", "Gateway/eg", "--name", "Bad_Name"],
    'metadata.name: must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ (got "Bad_Name")',
  );
  await refused(
    [...image, "--target-ref", "Gateway/eg", "--fail-strategy", "FAIL_RELOAD"],
    '--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")',
  );
  await refused([...image, "--target-ref", "Gateway/eg", "--env", "A=1"], "--env: Envoy Gateway passes no inline variables into the VM");
  await refused([...image, "--target-ref", "Gateway/eg", "--type", "NETWORK"], "--type: Envoy Gateway runs HTTP filters only (this is a NETWORK filter)");
  await refused(["--image", "filter.wasm", "--target-ref", "Gateway/eg"], "--image: Envoy Gateway loads modules from a registry image or an http(s) url only");
  await refused(["--image", "https://cdn.example.com/f.wasm", "--target-ref", "Gateway/eg"], "--sha256: an http(s) url must be pinned by the module's sha256");
  await refused(
    ["--image", "https://cdn.example.com/f.wasm", "--sha256", digest, "--target-ref", "Gateway/eg", "--image-pull-secret", "s"],
    "--image-pull-secret: applies to registry images only",
  );
});

test("the vendored schema holds Envoy Gateway's rules on hand-written policies", () => {
  const policy = (wasm: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyExtensionPolicy",
    metadata: { name: "p" },
    spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "eg" }], wasm: [wasm], ...spec },
  });
  const image = { type: "Image", image: { url: "ghcr.io/a/b:v1" } };
  assert.equal(verdict(envoyExtensionPolicySchema, policy({ code: image })), undefined);
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: { ...image, image: { url: "a/b", pullSecretRef: { name: "s", kind: "Secret" } } } })),
    undefined,
  );
  assert.equal(verdict(envoyExtensionPolicySchema, policy({ code: { type: "Image" } })), "spec.wasm[0].code: If type is Image, image field needs to be set.");
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: { type: "HTTP", image: { url: "a/b" } } })),
    "spec.wasm[0].code: If type is HTTP, http field needs to be set.",
  );
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: { type: "OCI", image: { url: "a/b" } } })),
    'spec.wasm[0].code.type: must be one of HTTP, Image (got "OCI")',
  );
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: { type: "Image", image: { url: "a/b", pullSecretRef: { name: "s", kind: "ConfigMap" } } } })),
    "spec.wasm[0].code.image.pullSecretRef: only support Secret kind.",
  );
  // Field names as the CRD spells them: the older `pullSecret` is refused, as kubectl's strict validation does.
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: { type: "Image", image: { url: "a/b", pullSecret: { name: "s" } } } })),
    "spec.wasm[0].code.image.pullSecret: is not an allowed property",
  );
  assert.equal(verdict(envoyExtensionPolicySchema, policy({ code: image, failOpen: "yes" })), 'spec.wasm[0].failOpen: must be boolean (got "yes")');
  assert.equal(
    verdict(
      envoyExtensionPolicySchema,
      policy({ code: image }, { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "eg", sectionName: "http" }] }),
    ),
    "spec: this policy does not yet support the sectionName field",
  );
  assert.equal(
    verdict(envoyExtensionPolicySchema, policy({ code: image }, { targetRefs: [{ kind: "Gateway", name: "eg" }] })),
    "spec.targetRefs[0].group: is required",
  );
  assert.equal(
    verdict(envoyExtensionPolicySchema, { ...policy({ code: image }), spec: { wasm: Array(17).fill({ code: image }), targetRefs: [] } }),
    "spec.wasm: must NOT have more than 16 items",
  );
});
