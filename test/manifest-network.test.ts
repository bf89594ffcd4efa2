import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { moduleFilterType } from "../cli/manifests/filter-type.js";
import { envoyTcpProxySchema, envoyWasmNetworkFilterSchema } from "../cli/manifests/schemas/envoy.js";
import { envoyFilterSchema } from "../cli/manifests/schemas/envoyfilter.js";
import { assembleModule } from "./fixtures/cli/assemble.js";
import { generated, refusedWith, tinyWasm } from "./fixtures/manifests/cli.js";
import { verdict } from "./fixtures/manifests/verdict.js";

// Network (TCP) filters: `--type NETWORK`, or a local module that exports connection callbacks and no
// stream callbacks, gives envoy.filters.network.wasm before tcp_proxy instead of an HTTP filter.

const connectionCallbacks = [
  { name: "proxy_on_new_connection", params: 1, results: ["i32" as const] },
  { name: "proxy_on_downstream_data", params: 3, results: ["i32" as const] },
];
const tcpModule = assembleModule({ exports: ["proxy_abi_version_0_2_1", ...connectionCallbacks] });
/** Exports every callback, as this SDK's modules do: nothing says it is a network filter. */
const bothModule = assembleModule({
  exports: ["proxy_abi_version_0_2_1", ...connectionCallbacks, { name: "proxy_on_request_headers", params: 3, results: ["i32"] }],
});
const tcpSha256 = createHash("sha256").update(tcpModule).digest("hex");
const networkWasmType = "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm";
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-network-"));
  await writeFile(join(dir, "tcp.wasm"), tcpModule);
  await writeFile(join(dir, "both.wasm"), bothModule);
  await writeFile(join(dir, "tiny.wasm"), tinyWasm);
});

after(() => rm(dir, { recursive: true, force: true }));

const generate = (kind: "envoyfilter" | "envoy" | "wasmplugin", ...args: string[]) =>
  generated([kind, ...args], dir, kind === "envoyfilter" ? envoyFilterSchema : undefined);
const refused = (kind: "envoyfilter" | "envoy", args: string[], error: string, hint?: string) => refusedWith([kind, ...args], dir, error, hint);

test("the filter type a module's exports show", () => {
  assert.equal(moduleFilterType(tcpModule), "NETWORK");
  assert.equal(moduleFilterType(assembleModule({ exports: [{ name: "proxy_on_upstream_data", params: 3, results: ["i32"] }] })), "NETWORK");
  assert.equal(moduleFilterType(bothModule), "HTTP");
  assert.equal(moduleFilterType(assembleModule({ exports: ["proxy_on_request_headers"] })), "HTTP");
  assert.equal(moduleFilterType(tinyWasm), "HTTP");
  assert.equal(moduleFilterType(new TextEncoder().encode("not wasm")), "HTTP");
});

test("EnvoyFilter --type NETWORK: a NETWORK_FILTER patch inserting envoy.filters.network.wasm before tcp_proxy", async () => {
  const document = await generate(
    "envoyfilter",
    "--image",
    "/var/local/wasm/tcp.wasm",
    "--type",
    "NETWORK",
    "--name",
    "tcp-guard",
    "--namespace",
    "db",
    "--selector",
    "app=postgres",
    "--config",
    '{"deny":["10.0.0.0/8"]}',
    "--plugin-name",
    "tcp_guard",
    "--fail-strategy",
    "FAIL_OPEN",
    "--env",
    "MODE=strict",
  );
  assert.deepEqual(document, {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: "tcp-guard", namespace: "db" },
    spec: {
      workloadSelector: { labels: { app: "postgres" } },
      configPatches: [
        {
          applyTo: "NETWORK_FILTER",
          match: { context: "SIDECAR_INBOUND", listener: { filterChain: { filter: { name: "envoy.filters.network.tcp_proxy" } } } },
          patch: {
            operation: "INSERT_BEFORE",
            value: {
              name: "envoy.filters.network.wasm",
              typed_config: {
                "@type": networkWasmType,
                config: {
                  name: "tcp-guard",
                  root_id: "tcp_guard",
                  vm_config: {
                    vm_id: "tcp-guard",
                    runtime: "envoy.wasm.runtime.v8",
                    code: { local: { filename: "/var/local/wasm/tcp.wasm" } },
                    environment_variables: { key_values: { MODE: "strict" } },
                  },
                  configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: '{"deny":["10.0.0.0/8"]}' },
                  fail_open: true,
                },
              },
            },
          },
        },
      ],
    },
  });
});

test("EnvoyFilter: the type comes from the local module unless --type says otherwise", async () => {
  const derived = await generate("envoyfilter", "--image", "tcp.wasm", "--context", "GATEWAY");
  const [patch] = derived.spec.configPatches;
  assert.equal(patch.applyTo, "NETWORK_FILTER");
  assert.deepEqual(patch.match, { context: "GATEWAY", listener: { filterChain: { filter: { name: "envoy.filters.network.tcp_proxy" } } } });
  assert.equal(patch.patch.value.name, "envoy.filters.network.wasm");
  assert.equal(patch.patch.value.typed_config["@type"], networkWasmType);

  const explicit = await generate("envoyfilter", "--image", "tcp.wasm", "--type", "HTTP");
  assert.equal(explicit.spec.configPatches[0].applyTo, "HTTP_FILTER");
  assert.equal(explicit.spec.configPatches[0].patch.value.name, "envoy.filters.http.wasm");

  for (const image of ["both.wasm", "tiny.wasm", "/not/on/this/machine.wasm"]) {
    const http = await generate("envoyfilter", "--image", image);
    assert.equal(http.spec.configPatches[0].applyTo, "HTTP_FILTER", image);
  }
});

test("EnvoyFilter: a network module over https, typed by --wasm, still gets its fetch cluster", async () => {
  const document = await generate("envoyfilter", "--image", "https://cdn.example.com/tcp.wasm", "--wasm", "tcp.wasm");
  const [filterPatch, clusterPatch] = document.spec.configPatches;
  assert.equal(filterPatch.applyTo, "NETWORK_FILTER");
  assert.deepEqual(filterPatch.patch.value.typed_config.config.vm_config.code, {
    remote: { http_uri: { uri: "https://cdn.example.com/tcp.wasm", cluster: "wasm-fetch_cdn.example.com_443", timeout: "10s" }, sha256: tcpSha256 },
  });
  assert.equal(clusterPatch.applyTo, "CLUSTER");
  assert.equal(clusterPatch.patch.value.name, "wasm-fetch_cdn.example.com_443");
});

test("Envoy bootstrap for a network filter: a listener whose chain is the wasm filter then tcp_proxy to the upstream", async () => {
  const bootstrap = await generate("envoy", "--image", "tcp.wasm", "--upstream", "127.0.0.1:5432", "--port", "15432", "--config", '{"deny":[]}');
  assert.deepEqual(Object.keys(bootstrap), ["admin", "static_resources"]);
  assert.deepEqual(bootstrap.admin, { address: { socket_address: { address: "127.0.0.1", port_value: 9901 } } });
  assert.equal(bootstrap.static_resources.listeners.length, 1);
  const [listener] = bootstrap.static_resources.listeners;
  assert.equal(listener.name, "listener_tcp");
  assert.deepEqual(listener.address, { socket_address: { address: "0.0.0.0", port_value: 15432 } });
  assert.equal(listener.filter_chains.length, 1);
  const [wasm, tcpProxy] = listener.filter_chains[0].filters;
  assert.equal(listener.filter_chains[0].filters.length, 2);
  assert.deepEqual(wasm, {
    name: "envoy.filters.network.wasm",
    typed_config: {
      "@type": networkWasmType,
      config: {
        name: "tcp",
        vm_config: { vm_id: "tcp", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: join(dir, "tcp.wasm") } } },
        configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: '{"deny":[]}' },
      },
    },
  });
  assert.deepEqual(tcpProxy, {
    name: "envoy.filters.network.tcp_proxy",
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", stat_prefix: "ingress_tcp", cluster: "upstream" },
  });
  assert.deepEqual(bootstrap.static_resources.clusters, [
    {
      name: "upstream",
      type: "STATIC",
      connect_timeout: "5s",
      lb_policy: "ROUND_ROBIN",
      load_assignment: {
        cluster_name: "upstream",
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "127.0.0.1", port_value: 5432 } } } }] }],
      },
    },
  ]);
});

test("Envoy bootstrap: --type NETWORK for a module elsewhere; --type HTTP keeps the connection manager", async () => {
  const network = await generate(
    "envoy",
    "--image",
    "http://127.0.0.1:9000/tcp.wasm",
    "--sha256",
    tcpSha256,
    "--type",
    "NETWORK",
    "--upstream",
    "db.internal:5432",
  );
  const names = network.static_resources.listeners[0].filter_chains[0].filters.map((f: { name: string }) => f.name);
  assert.deepEqual(names, ["envoy.filters.network.wasm", "envoy.filters.network.tcp_proxy"]);
  assert.deepEqual(
    network.static_resources.clusters.map((c: { name: string; type: string }) => [c.name, c.type]),
    [
      ["upstream", "STRICT_DNS"],
      ["wasm-fetch_127.0.0.1_9000", "STATIC"],
    ],
  );

  const http = await generate("envoy", "--image", "tcp.wasm", "--type", "HTTP");
  const [hcm] = http.static_resources.listeners[0].filter_chains[0].filters;
  assert.equal(hcm.name, "envoy.filters.network.http_connection_manager");
  assert.equal(hcm.typed_config.http_filters[0].name, "envoy.filters.http.wasm");
});

test("WasmPlugin: a local network module sets type NETWORK; an HTTP one leaves Istio's default", async () => {
  const digest = "e".repeat(64);
  assert.equal((await generate("wasmplugin", "--image", "r.io/tcp:1", "--digest", digest, "--wasm", "tcp.wasm")).spec.type, "NETWORK");
  assert.equal((await generate("wasmplugin", "--image", "r.io/tcp:1", "--digest", digest, "--wasm", "tcp.wasm", "--type", "HTTP")).spec.type, "HTTP");
  assert.equal((await generate("wasmplugin", "--image", "r.io/f:1", "--digest", digest, "--wasm", "both.wasm")).spec.type, undefined);
});

test("network filter errors: no upstream, an unknown type", async () => {
  await refused("envoy", ["--image", "tcp.wasm"], "--upstream: a network filter needs an upstream to proxy connections to", "--upstream <host:port>");
  await refused("envoy", ["--image", "tiny.wasm", "--type", "NETWORK"], "--upstream: a network filter needs an upstream to proxy connections to");
  await refused("envoy", ["--image", "tcp.wasm", "--type", "TCP", "--upstream", "127.0.0.1:1"], '--type: must be one of HTTP, NETWORK (got "TCP")');
  await refused("envoyfilter", ["--image", "tcp.wasm", "--type", "network"], '--type: must be one of HTTP, NETWORK (got "network")');
  await refused(
    "envoy",
    ["--image", "tcp.wasm", "--upstream", "127.0.0.1:70000"],
    "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be <= 65535 (got 70000)",
  );
  await refused(
    "envoyfilter",
    ["--image", "https://cdn.example.com/tcp.wasm", "--wasm", "tcp.wasm", "--fetch-timeout", "10"],
    'spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.http_uri.timeout: must match ^[0-9]+(\\.[0-9]{1,9})?s$ (got "10")',
  );
});

test("network filter schemas: name and type agree; tcp_proxy needs a stat prefix and a cluster", () => {
  const config = { vm_config: { runtime: "envoy.wasm.runtime.v8", code: { local: { filename: "/f.wasm" } } } };
  assert.equal(verdict(envoyWasmNetworkFilterSchema, { name: "envoy.filters.network.wasm", typed_config: { "@type": networkWasmType, config } }), undefined);
  assert.equal(
    verdict(envoyWasmNetworkFilterSchema, { name: "envoy.filters.http.wasm", typed_config: { "@type": networkWasmType, config } }),
    'name: must be one of envoy.filters.network.wasm (got "envoy.filters.http.wasm")',
  );
  assert.equal(
    verdict(envoyWasmNetworkFilterSchema, {
      name: "envoy.filters.network.wasm",
      typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm", config },
    }),
    'typed_config.@type: must be one of type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm (got "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm")',
  );
  const tcpType = "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
  const tcpProxy = (typedConfig: Record<string, unknown>) => ({ name: "envoy.filters.network.tcp_proxy", typed_config: { "@type": tcpType, ...typedConfig } });
  assert.equal(verdict(envoyTcpProxySchema, tcpProxy({ stat_prefix: "tcp", cluster: "upstream" })), undefined);
  assert.equal(
    verdict(envoyTcpProxySchema, tcpProxy({ stat_prefix: "", cluster: "upstream" })),
    'typed_config.stat_prefix: must NOT have fewer than 1 characters (got "")',
  );
  assert.equal(verdict(envoyTcpProxySchema, tcpProxy({ stat_prefix: "tcp" })), "typed_config.cluster: is required");
});
