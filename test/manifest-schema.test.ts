import { test } from "node:test";
import assert from "node:assert/strict";
import { celRules } from "../cli/manifests/cel-rules.js";
import { envoyExtensionPolicySchema } from "../cli/manifests/schemas/envoyextensionpolicy.js";
import { envoyFilterSchema } from "../cli/manifests/schemas/envoyfilter.js";
import { wasmPluginSchema } from "../cli/manifests/schemas/wasmplugin.js";
import { validatePluginConfig } from "../cli/manifests/validate.js";
import { verdict } from "./fixtures/manifests/verdict.js";

// The vendored CRD schemas and their CEL rules, exercised on hand-written documents: what the API server
// would accept or refuse, independently of the generators.

const digest = "a".repeat(64);

function wasmPlugin(spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: "demo" }) {
  return { apiVersion: "extensions.istio.io/v1alpha1", kind: "WasmPlugin", metadata, spec };
}

function envoyFilter(spec: Record<string, unknown>) {
  return { apiVersion: "networking.istio.io/v1alpha3", kind: "EnvoyFilter", metadata: { name: "demo" }, spec };
}

test("every CEL rule in the vendored schemas has a TypeScript translation", () => {
  const rules: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if (key === "x-kubernetes-validations") rules.push(...(value as { rule: string }[]).map((v) => v.rule));
        else walk(value);
      }
    }
  };
  walk(wasmPluginSchema);
  walk(envoyFilterSchema);
  walk(envoyExtensionPolicySchema);
  assert.ok(rules.length >= 16);
  for (const rule of rules) assert.equal(typeof celRules[rule], "function", rule);
});

test("a full WasmPlugin is valid", () => {
  assert.equal(
    verdict(
      wasmPluginSchema,
      wasmPlugin(
        {
          url: "oci://ghcr.io/acme/filter:v1",
          sha256: digest,
          imagePullPolicy: "IfNotPresent",
          imagePullSecret: "pull-secret",
          selector: { matchLabels: { app: "web" } },
          pluginName: "root",
          phase: "AUTHZ",
          priority: -5,
          failStrategy: "FAIL_OPEN",
          type: "NETWORK",
          match: [{ mode: "SERVER", ports: [{ number: 80 }, { number: 8080 }] }, { mode: "CLIENT" }],
          vmConfig: {
            env: [
              { name: "A", value: "1" },
              { name: "B", valueFrom: "HOST" },
            ],
          },
          pluginConfig: { nested: { list: [1, 2] } },
        },
        { name: "demo", namespace: "istio-system" },
      ),
    ),
    undefined,
  );
});

test("WasmPlugin enums, patterns, lengths and ranges name the field", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ url: "oci://a/b", phase: "AUTH" }, 'spec.phase: must be one of UNSPECIFIED_PHASE, AUTHN, AUTHZ, STATS (got "AUTH")'],
    [{ url: "oci://a/b", failStrategy: "FAIL" }, 'spec.failStrategy: must be one of FAIL_CLOSE, FAIL_OPEN, FAIL_RELOAD (got "FAIL")'],
    [{ url: "oci://a/b", imagePullPolicy: "Never" }, 'spec.imagePullPolicy: must be one of UNSPECIFIED_POLICY, IfNotPresent, Always (got "Never")'],
    [{ url: "oci://a/b", type: "TCP" }, 'spec.type: must be one of UNSPECIFIED_PLUGIN_TYPE, HTTP, NETWORK (got "TCP")'],
    [{ url: "oci://a/b", match: [{ mode: "BOTH" }] }, 'spec.match[0].mode: must be one of UNDEFINED, CLIENT, SERVER, CLIENT_AND_SERVER (got "BOTH")'],
    [{ url: "oci://a/b", match: [{ ports: [{ number: 65536 }] }] }, "spec.match[0].ports[0].number: must be <= 65535 (got 65536)"],
    [{ url: "oci://a/b", match: [{ ports: [{ number: 0 }] }] }, "spec.match[0].ports[0].number: must be >= 1 (got 0)"],
    [{ url: "oci://a/b", sha256: "sha256:" + digest }, `spec.sha256: must match (^$|^[a-f0-9]{64}$) (got "sha256:${digest}")`],
    [{ url: "oci://a/b", sha256: digest.toUpperCase() }, `spec.sha256: must match (^$|^[a-f0-9]{64}$) (got "${digest.toUpperCase()}")`],
    [{ url: "oci://a/b", priority: 2 ** 31 }, 'spec.priority: must match format "int32" (got 2147483648)'],
    [{ url: "oci://a/b", priority: 1.5 }, "spec.priority: must be integer (got 1.5)"],
    [{ url: "oci://a/b", pluginName: "" }, 'spec.pluginName: must NOT have fewer than 1 characters (got "")'],
    [{ url: "oci://a/b", imagePullSecret: "s".repeat(254) }, `spec.imagePullSecret: must NOT have more than 253 characters (got "${"s".repeat(254)}")`],
    [{ url: "oci://a/b", pluginConfig: "text" }, 'spec.pluginConfig: must be object (got "text")'],
    [{ url: "" }, 'spec.url: must NOT have fewer than 1 characters (got "")'],
    [{ phase: "AUTHN" }, "spec.url: is required"],
    [
      { url: "oci://a/b", selector: { matchLabels: { app: "x".repeat(64) } } },
      `spec.selector.matchLabels.app: must NOT have more than 63 characters (got "${"x".repeat(64)}")`,
    ],
    [{ url: "oci://a/b", vmConfig: { env: [{ name: "" }] } }, 'spec.vmConfig.env[0].name: must NOT have fewer than 1 characters (got "")'],
    [{ url: "oci://a/b", vmConfig: { env: [{ name: "A", valueFrom: "FILE" }] } }, 'spec.vmConfig.env[0].valueFrom: must be one of INLINE, HOST (got "FILE")'],
  ];
  for (const [spec, expected] of cases) assert.equal(verdict(wasmPluginSchema, wasmPlugin(spec)), expected);
});

test("WasmPlugin CEL rules: selector XOR targetRefs, target kinds, wildcards, env value, url scheme", () => {
  const gateway = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "ingress" };
  const cases: [Record<string, unknown>, string | undefined][] = [
    [{ url: "oci://a/b", selector: { matchLabels: { app: "web" } }, targetRefs: [gateway] }, "spec: only one of targetRefs or selector can be set"],
    [{ url: "oci://a/b", targetRefs: [gateway] }, undefined],
    [{ url: "oci://a/b", targetRefs: [{ group: "", kind: "Service", name: "reviews" }] }, undefined],
    [{ url: "oci://a/b", targetRefs: [{ group: "core", kind: "Service", name: "reviews" }] }, undefined],
    [{ url: "oci://a/b", targetRefs: [{ group: "networking.istio.io", kind: "ServiceEntry", name: "ext" }] }, undefined],
    [{ url: "oci://a/b", targetRefs: [{ group: "gateway.networking.k8s.io", kind: "GatewayClass", name: "istio" }] }, undefined],
    [
      { url: "oci://a/b", targetRefs: [{ group: "apps", kind: "Deployment", name: "web" }] },
      "spec.targetRefs[0]: Support kinds are core/Service, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass and networking.istio.io/ServiceEntry",
    ],
    [
      { url: "oci://a/b", targetRefs: [{ kind: "Gateway", name: "ingress" }] },
      "spec.targetRefs[0]: Support kinds are core/Service, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass and networking.istio.io/ServiceEntry",
    ],
    [
      { url: "oci://a/b", targetRefs: [{ ...gateway, namespace: "other" }] },
      'spec.targetRefs[0].namespace: cross namespace referencing is not currently supported (got "other")',
    ],
    [
      { url: "oci://a/b", targetRefs: Array.from({ length: 17 }, (_, i) => ({ ...gateway, name: `g${i}` })) },
      "spec.targetRefs: must NOT have more than 16 items",
    ],
    [
      { url: "oci://a/b", targetRefs: [{ ...gateway, kind: "1Gateway" }] },
      'spec.targetRefs[0].kind: must match ^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$ (got "1Gateway")',
    ],
    [{ url: "oci://a/b", selector: { matchLabels: { app: "web*" } } }, 'spec.selector.matchLabels.app: wildcard not allowed in label value match (got "web*")'],
    [{ url: "oci://a/b", selector: { matchLabels: { "app*": "web" } } }, "spec.selector.matchLabels: wildcard not allowed in label key match"],
    [{ url: "oci://a/b", selector: { matchLabels: { "": "web" } } }, "spec.selector.matchLabels: key must not be empty"],
    [
      { url: "oci://a/b", vmConfig: { env: [{ name: "A", value: "1", valueFrom: "HOST" }] } },
      "spec.vmConfig.env[0]: value may only be set when valueFrom is INLINE",
    ],
    [{ url: "oci://a/b", vmConfig: { env: [{ name: "A", value: "1", valueFrom: "INLINE" }] } }, undefined],
    [
      {
        url: "oci://a/b",
        vmConfig: {
          env: [
            { name: "A", value: "1" },
            { name: "A", valueFrom: "HOST" },
          ],
        },
      },
      'spec.vmConfig.env: duplicate entry at [1]: name "A"',
    ],
    [{ url: "oci://a/b", match: [{ ports: [{ number: 80 }, { number: 80 }] }] }, "spec.match[0].ports: duplicate entry at [1]: number 80"],
  ];
  for (const [spec, expected] of cases) assert.equal(verdict(wasmPluginSchema, wasmPlugin(spec)), expected, JSON.stringify(spec));
});

test("the url CEL rule accepts the schemes Istio fetches and refuses others, as Go's ParseRequestURI reads them", () => {
  const urlRule = wasmPluginSchema.properties.spec.properties.url["x-kubernetes-validations"][0].rule;
  const accepts = celRules[urlRule];
  for (const url of [
    "oci://ghcr.io/acme/filter:v1",
    "oci://127.0.0.1:5000/team/filter@sha256:" + digest,
    "https://cdn.example.com/filter.wasm",
    "http://[::1]:8080/filter.wasm",
    "file:///opt/filters/filter.wasm",
    "/opt/filters/filter.wasm",
    "ghcr.io/acme/filter:v1",
    "localhost:5000/filter:v1",
  ])
    assert.equal(accepts(url), true, url);
  for (const url of ["ftp://example.com/filter.wasm", "s3://bucket/filter.wasm", "oci://bad host/filter", "ghcr.io/acme/filter v1"]) {
    assert.equal(accepts(url), false, url);
  }
  assert.equal(
    verdict(wasmPluginSchema, wasmPlugin({ url: "ftp://example.com/f.wasm" })),
    'spec.url: url must have schema one of [http, https, file, oci] (got "ftp://example.com/f.wasm")',
  );
});

test("metadata: name is a DNS-1123 subdomain, namespace a label", () => {
  assert.equal(
    verdict(wasmPluginSchema, wasmPlugin({ url: "oci://a/b" }, { name: "My_Filter" })),
    'metadata.name: must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ (got "My_Filter")',
  );
  assert.equal(
    verdict(wasmPluginSchema, wasmPlugin({ url: "oci://a/b" }, { name: "ok", namespace: "a.b" })),
    'metadata.namespace: must match ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ (got "a.b")',
  );
  assert.equal(verdict(wasmPluginSchema, wasmPlugin({ url: "oci://a/b" }, {})), "metadata.name: is required");
});

test("EnvoyFilter schema: enums, match oneof, workloadSelector XOR targetRefs, label wildcard", () => {
  const patch = (match: Record<string, unknown>, operation = "INSERT_BEFORE", applyTo = "HTTP_FILTER") => ({ applyTo, match, patch: { operation, value: {} } });
  const listener = { filterChain: { filter: { name: "envoy.filters.network.http_connection_manager" } } };
  const cases: [Record<string, unknown>, string | undefined][] = [
    [{ configPatches: [patch({ context: "SIDECAR_INBOUND", listener })] }, undefined],
    [
      { configPatches: [patch({ context: "INBOUND", listener })] },
      'spec.configPatches[0].match.context: must be one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY (got "INBOUND")',
    ],
    [
      { configPatches: [patch({ listener }, "INSERT")] },
      'spec.configPatches[0].patch.operation: must be one of INVALID, MERGE, ADD, REMOVE, INSERT_BEFORE, INSERT_AFTER, INSERT_FIRST, REPLACE (got "INSERT")',
    ],
    [
      { configPatches: [patch({ listener }, "ADD", "FILTER")] },
      'spec.configPatches[0].applyTo: must be one of INVALID, LISTENER, FILTER_CHAIN, NETWORK_FILTER, HTTP_FILTER, ROUTE_CONFIGURATION, VIRTUAL_HOST, HTTP_ROUTE, CLUSTER, EXTENSION_CONFIG, BOOTSTRAP, LISTENER_FILTER (got "FILTER")',
    ],
    [{ configPatches: [patch({ listener, cluster: { name: "c" } })] }, "spec.configPatches[0].match: must set exactly one of its alternatives"],
    [
      { workloadSelector: { labels: { app: "web" } }, targetRefs: [{ kind: "Gateway", name: "g" }] },
      "spec: only one of targetRefs or workloadSelector can be set",
    ],
    [{ workloadSelector: { labels: { app: "*" } } }, 'spec.workloadSelector.labels.app: wildcard is not supported in selector (got "*")'],
    [{ priority: "high" }, 'spec.priority: must be integer (got "high")'],
  ];
  for (const [spec, expected] of cases) assert.equal(verdict(envoyFilterSchema, envoyFilter(spec)), expected, JSON.stringify(spec));
});

test("plugin configuration is checked against the project's JSON Schema, in its own dialect", () => {
  const draft7 = { type: "object", required: ["header"], properties: { header: { type: "string" } } };
  validatePluginConfig(draft7, { header: "x-a" }, "pluginConfig", "config.schema.json");
  assert.throws(() => validatePluginConfig(draft7, { header: 1 }, "pluginConfig", "config.schema.json"), {
    message: "pluginConfig.header: must be string (got 1) (per config.schema.json)",
  });
  assert.throws(() => validatePluginConfig(draft7, {}, "pluginConfig", "config.schema.json"), {
    message: "pluginConfig.header: is required (per config.schema.json)",
  });
  const draft2020 = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    type: "object",
    properties: { rules: { type: "array", prefixItems: [{ const: "first" }] } },
  };
  validatePluginConfig(draft2020, { rules: ["first", "second"] }, "pluginConfig", "s.json");
  assert.throws(() => validatePluginConfig(draft2020, { rules: ["second"] }, "pluginConfig", "s.json"), {
    message: 'pluginConfig.rules[0]: must be equal to constant (got "second") (per s.json)',
  });
  assert.throws(() => validatePluginConfig({ type: "no-such-type" }, {}, "pluginConfig", "bad.json"), {
    name: "ManifestInputError",
    input: "configSchema",
    reason: /^bad\.json is not a usable JSON Schema: /,
  });
});
