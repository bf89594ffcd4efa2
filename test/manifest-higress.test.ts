import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { higressWasmPluginSchema } from "../cli/manifests/schemas/higress-wasmplugin.js";
import { generated, refusedWith, tinyWasm } from "./fixtures/manifests/cli.js";
import { verdict } from "./fixtures/manifests/verdict.js";

// `manifest higress`: Higress's WasmPlugin (extensions.higress.io), validated against Higress's CRD schema.

const digest = "e".repeat(64);
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-higress-"));
  await writeFile(join(dir, "filter.wasm"), tinyWasm);
  await writeFile(join(dir, "api.yaml"), "header: x-api\nlimit: 10\n");
});

after(() => rm(dir, { recursive: true, force: true }));

const higress = (...args: string[]) => generated(["higress", ...args], dir, higressWasmPluginSchema);
const refused = (args: string[], error: string) => refusedWith(["higress", ...args], dir, error);

test("every Higress WasmPlugin field from its flag, match rules per domain, ingress and service", async () => {
  const document = await higress(
    "--image",
    "ghcr.io/acme/add-header:v1",
    "--digest",
    `sha256:${digest}`,
    "--name",
    "add-header",
    "--namespace",
    "higress-system",
    "--plugin-name",
    "add_header_root",
    "--phase",
    "AUTHN",
    "--priority",
    "100",
    "--fail-strategy",
    "FAIL_OPEN",
    "--image-pull-policy",
    "IfNotPresent",
    "--image-pull-secret",
    "ghcr-pull",
    "--env",
    "GREETING=hi",
    "--env-from-host",
    "POD_NAME",
    "--config",
    '{"header":"x-hello"}',
    "--match-rule",
    "domain=api.example.com,*.example.org;@api.yaml",
    "--match-rule",
    'ingress=default/public;{"header":"x-public"}',
    "--match-rule",
    "service=auth.default.svc.cluster.local;disable",
    "--default-config-disable",
  );
  assert.deepEqual(document, {
    apiVersion: "extensions.higress.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: { name: "add-header", namespace: "higress-system" },
    spec: {
      url: "oci://ghcr.io/acme/add-header:v1",
      sha256: digest,
      imagePullPolicy: "IfNotPresent",
      imagePullSecret: "ghcr-pull",
      pluginName: "add_header_root",
      phase: "AUTHN",
      priority: 100,
      failStrategy: "FAIL_OPEN",
      vmConfig: {
        env: [
          { name: "GREETING", value: "hi" },
          { name: "POD_NAME", valueFrom: "HOST" },
        ],
      },
      defaultConfig: { header: "x-hello" },
      defaultConfigDisable: true,
      matchRules: [
        { domain: ["api.example.com", "*.example.org"], config: { header: "x-api", limit: 10 } },
        { ingress: ["default/public"], config: { header: "x-public" } },
        { service: ["auth.default.svc.cluster.local"], configDisable: true },
      ],
    },
  });
});

test("a local module is a file:// url pinned by its sha256", async () => {
  const document = await higress("--image", "filter.wasm");
  assert.equal(document.spec.url, `file://${join(dir, "filter.wasm")}`);
  assert.equal(document.spec.sha256, createHash("sha256").update(tinyWasm).digest("hex"));
});

test("what Higress would refuse is refused with the field and the flag", async () => {
  const image = ["--image", "ghcr.io/acme/f:v1", "--digest", `sha256:${digest}`];
  let run = await refused([...image, "--phase", "AUTH"], 'spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "AUTH")');
  assert.match(run.stderr, /hint: set by --phase/);
  run = await refused([...image, "--fail-strategy", "FAIL_RELOAD"], 'spec.failStrategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")');
  assert.match(run.stderr, /hint: set by --fail-strategy/);
  run = await refused([...image, "--config", "[1,2]"], "spec.defaultConfig: must be object");
  assert.match(run.stderr, /hint: set by --config/);
  await refused([...image, "--priority", "high"], 'spec.priority: must be integer (got "high")');
  await refused([...image, "--match-rule", "route=a"], '--match-rule: expected domain|ingress|service=NAME[,NAME…][;CONFIG] (got "route=a")');
  await refused([...image, "--match-rule", "domain=;{}"], '--match-rule: expected domain|ingress|service=NAME[,NAME…][;CONFIG] (got "domain=;{}")');
  run = await refused([...image, "--match-rule", "domain=a.com;[1]"], "spec.matchRules[0].config: must be object");
  assert.match(run.stderr, /hint: set by --match-rule/);
  await refused([...image, "--match-rule", "domain=a.com;@missing.yaml"], "--match-rule @missing.yaml: no such file");
  await refused([...image, "--type", "NETWORK"], "--type: Higress runs HTTP filters only (this is a NETWORK filter)");
});

test("the vendored schema: field names as Higress spells them", () => {
  const plugin = (spec: Record<string, unknown>) => ({ apiVersion: "extensions.higress.io/v1alpha1", kind: "WasmPlugin", metadata: { name: "p" }, spec });
  assert.equal(verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", matchRules: [{ domain: ["a"], routeType: "GRPC", config: {} }] })), undefined);
  assert.equal(
    verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", matchRules: [{ domains: ["a"] }] })),
    "spec.matchRules[0].domains: is not an allowed property",
  );
  assert.equal(
    verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", matchRules: [{ route: ["a"] }] })),
    "spec.matchRules[0].route: is not an allowed property",
  );
  assert.equal(
    verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", matchRules: [{ routeType: "TCP" }] })),
    'spec.matchRules[0].routeType: must be one of HTTP, GRPC (got "TCP")',
  );
  assert.equal(verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", match: [] })), "spec.match: is not an allowed property");
  assert.equal(verdict(higressWasmPluginSchema, plugin({ url: "oci://a/b", priority: null })), undefined);
  assert.equal(
    verdict(higressWasmPluginSchema, { ...plugin({ url: "x" }), apiVersion: "extensions.istio.io/v1alpha1" }),
    'apiVersion: must be one of extensions.higress.io/v1alpha1 (got "extensions.istio.io/v1alpha1")',
  );
});
