import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { envoyFilterSchema } from "../cli/manifests/schemas/envoyfilter.js";
import { validateManifest } from "../cli/manifests/validate.js";
import { manifest, tinyWasm } from "./fixtures/manifests/cli.js";

const wasmSha256 = createHash("sha256").update(tinyWasm).digest("hex");
let dir: string;
let wasmPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-envoy-"));
  wasmPath = join(dir, "filter.wasm");
  await writeFile(wasmPath, tinyWasm);
});

after(() => rm(dir, { recursive: true, force: true }));

async function generate(kind: "envoyfilter" | "envoy", ...args: string[]) {
  const run = await manifest([kind, ...args], dir);
  assert.equal(run.stderr, "");
  assert.equal(run.code, 0);
  if (kind === "envoyfilter") validateManifest(envoyFilterSchema, run.document);
  return run.document;
}

async function refused(kind: "envoyfilter" | "envoy", args: string[], error: string) {
  const run = await manifest([kind, ...args], dir);
  assert.equal(run.stdout, "", "no YAML on error");
  assert.equal(run.stderr.split("\n")[0], `error: ${error}`);
  assert.equal(run.code, 2);
}

const wasmFilterType = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const stringValueType = "type.googleapis.com/google.protobuf.StringValue";

test("EnvoyFilter: a local module inserted before the router of the inbound HTTP connection manager", async () => {
  const document = await generate(
    "envoyfilter", "--image", "filter.wasm", "--name", "add-header", "--namespace", "bookinfo", "--selector", "app=reviews",
    "--config", '{"header":"x-hello"}', "--plugin-name", "add_header", "--priority", "-10",
    "--env", "MODE=strict", "--env-from-host", "HOSTNAME", "--fail-strategy", "FAIL_OPEN",
  );
  assert.deepEqual(document, {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: { name: "add-header", namespace: "bookinfo" },
    spec: {
      workloadSelector: { labels: { app: "reviews" } },
      priority: -10,
      configPatches: [
        {
          applyTo: "HTTP_FILTER",
          match: {
            context: "SIDECAR_INBOUND",
            listener: {
              filterChain: {
                filter: { name: "envoy.filters.network.http_connection_manager", subFilter: { name: "envoy.filters.http.router" } },
              },
            },
          },
          patch: {
            operation: "INSERT_BEFORE",
            value: {
              name: "envoy.filters.http.wasm",
              typed_config: {
                "@type": wasmFilterType,
                config: {
                  name: "add-header",
                  root_id: "add_header",
                  vm_config: {
                    vm_id: "add-header",
                    runtime: "envoy.wasm.runtime.v8",
                    code: { local: { filename: wasmPath } },
                    environment_variables: { host_env_keys: ["HOSTNAME"], key_values: { MODE: "strict" } },
                  },
                  configuration: { "@type": stringValueType, value: '{"header":"x-hello"}' },
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

test("EnvoyFilter: each context; targetRefs instead of a selector", async () => {
  for (const context of ["SIDECAR_INBOUND", "SIDECAR_OUTBOUND", "GATEWAY"]) {
    const document = await generate("envoyfilter", "--image", "/etc/envoy/filter.wasm", "--context", context, "--plain-http");
    assert.equal(document.spec.configPatches[0].match.context, context);
    assert.equal(document.spec.configPatches.length, 1);
    assert.equal(document.spec.workloadSelector, undefined);
  }
  const attached = await generate("envoyfilter", "--image", "/etc/envoy/filter.wasm", "--target-ref", "Gateway/ingress");
  assert.deepEqual(attached.spec.targetRefs, [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "ingress" }]);
});

test("EnvoyFilter: an https module is fetched through a TLS cluster added by a CLUSTER patch, pinned by sha256", async () => {
  const document = await generate("envoyfilter", "--image", "https://cdn.example.com/wasm/filter.wasm", "--wasm", "filter.wasm", "--fetch-timeout", "30s", "--context", "GATEWAY");
  const [filterPatch, clusterPatch] = document.spec.configPatches;
  assert.deepEqual(filterPatch.patch.value.typed_config.config.vm_config.code, {
    remote: {
      http_uri: { uri: "https://cdn.example.com/wasm/filter.wasm", cluster: "wasm-fetch_cdn.example.com_443", timeout: "30s" },
      sha256: wasmSha256,
    },
  });
  assert.deepEqual(clusterPatch, {
    applyTo: "CLUSTER",
    match: { context: "GATEWAY" },
    patch: {
      operation: "ADD",
      value: {
        name: "wasm-fetch_cdn.example.com_443",
        type: "STRICT_DNS",
        connect_timeout: "5s",
        lb_policy: "ROUND_ROBIN",
        load_assignment: {
          cluster_name: "wasm-fetch_cdn.example.com_443",
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "cdn.example.com", port_value: 443 } } } }] }],
        },
        transport_socket: {
          name: "envoy.transport_sockets.tls",
          typed_config: { "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext", sni: "cdn.example.com" },
        },
      },
    },
  });
});

test("EnvoyFilter: plain http to an IP gets a STATIC cluster; sidecar contexts add it to the outbound clusters", async () => {
  const document = await generate("envoyfilter", "--image", "http://10.1.2.3:8080/f.wasm", "--sha256", wasmSha256);
  const cluster = document.spec.configPatches[1];
  assert.deepEqual(cluster.match, { context: "SIDECAR_OUTBOUND" });
  assert.equal(cluster.patch.value.type, "STATIC");
  assert.equal(cluster.patch.value.transport_socket, undefined);
  assert.deepEqual(cluster.patch.value.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: "10.1.2.3", port_value: 8080 });
});

test("EnvoyFilter: --fetch-cluster reuses an existing cluster and adds none", async () => {
  const document = await generate("envoyfilter", "--image", "https://cdn.example.com/f.wasm", "--sha256", wasmSha256, "--fetch-cluster", "outbound|443||cdn.example.com");
  assert.equal(document.spec.configPatches.length, 1);
  assert.equal(document.spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.http_uri.cluster, "outbound|443||cdn.example.com");
});

test("EnvoyFilter: invalid input is refused with the field", async () => {
  await refused("envoyfilter", ["--image", "filter.wasm", "--context", "INBOUND"], 'spec.configPatches[0].match.context: must be one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY (got "INBOUND")');
  await refused("envoyfilter", ["--image", "filter.wasm", "--selector", "app=a", "--target-ref", "Gateway/g"], "spec: only one of targetRefs or workloadSelector can be set");
  await refused("envoyfilter", ["--image", "filter.wasm", "--selector", "app=a*"], 'spec.workloadSelector.labels.app: wildcard is not supported in selector (got "a*")');
  await refused("envoyfilter", ["--image", "ghcr.io/acme/filter:v1"], "--image: Envoy cannot load oci:// images");
  await refused("envoyfilter", ["--image", "https://cdn.example.com/f.wasm"], "--sha256: an http(s) url must be pinned by the module's sha256");
  await refused("envoyfilter", ["--image", "https://cdn.example.com/f.wasm", "--sha256", wasmSha256, "--fetch-timeout", "10"], 'spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.http_uri.timeout: must match ^[0-9]+(\\.[0-9]{1,9})?s$ (got "10")');
  await refused("envoyfilter", ["--image", "https://cdn.example.com/f.wasm", "--sha256", "xyz"], 'spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.sha256: must match ^[a-f0-9]{64}$ (got "xyz")');
  await refused("envoyfilter", ["--image", "filter.wasm", "--fail-strategy", "FAIL_RELOAD"], '--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")');
});

/** The HTTP connection manager of the bootstrap's only listener. */
function connectionManager(bootstrap: any) {
  const [listener] = bootstrap.static_resources.listeners;
  const [chain] = listener.filter_chains;
  assert.equal(chain.filters.length, 1);
  assert.equal(chain.filters[0].name, "envoy.filters.network.http_connection_manager");
  return chain.filters[0].typed_config;
}

test("Envoy bootstrap: admin, a listener whose HCM runs the wasm filter before the router, a route to the upstream cluster", async () => {
  const bootstrap = await generate("envoy", "--image", "filter.wasm", "--upstream", "httpbin.org:80", "--port", "8000", "--admin-port", "19000", "--config", '{"header":"x-hello"}');
  assert.deepEqual(Object.keys(bootstrap), ["admin", "static_resources"]);
  assert.deepEqual(bootstrap.admin, { address: { socket_address: { address: "127.0.0.1", port_value: 19000 } } });
  const [listener] = bootstrap.static_resources.listeners;
  assert.equal(bootstrap.static_resources.listeners.length, 1);
  assert.equal(listener.name, "listener_http");
  assert.deepEqual(listener.address, { socket_address: { address: "0.0.0.0", port_value: 8000 } });
  const hcm = connectionManager(bootstrap);
  assert.equal(hcm["@type"], "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager");
  assert.equal(hcm.stat_prefix, "ingress_http");
  assert.equal(hcm.codec_type, "AUTO");
  assert.deepEqual(hcm.route_config, {
    name: "local_route",
    virtual_hosts: [{ name: "local", domains: ["*"], routes: [{ match: { prefix: "/" }, route: { cluster: "upstream" } }] }],
  });
  assert.deepEqual(hcm.http_filters.map((f: { name: string }) => f.name), ["envoy.filters.http.wasm", "envoy.filters.http.router"]);
  assert.deepEqual(hcm.http_filters[0].typed_config, {
    "@type": wasmFilterType,
    config: {
      name: "filter",
      vm_config: { vm_id: "filter", runtime: "envoy.wasm.runtime.v8", code: { local: { filename: wasmPath } } },
      configuration: { "@type": stringValueType, value: '{"header":"x-hello"}' },
    },
  });
  assert.deepEqual(hcm.http_filters[1].typed_config, { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" });
  assert.deepEqual(bootstrap.static_resources.clusters, [
    {
      name: "upstream",
      type: "STRICT_DNS",
      connect_timeout: "5s",
      lb_policy: "ROUND_ROBIN",
      load_assignment: {
        cluster_name: "upstream",
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "httpbin.org", port_value: 80 } } } }] }],
      },
    },
  ]);
});

test("Envoy bootstrap: defaults, a direct response without upstream, a STATIC cluster for an IP upstream", async () => {
  const direct = await generate("envoy", "--image", "filter.wasm", "--plain-http");
  assert.equal(direct.static_resources.listeners[0].address.socket_address.port_value, 10000);
  assert.equal(direct.admin.address.socket_address.port_value, 9901);
  assert.deepEqual(connectionManager(direct).route_config.virtual_hosts[0].routes, [
    { match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } },
  ]);
  assert.deepEqual(direct.static_resources.clusters, []);
  const ipv6 = await generate("envoy", "--image", "filter.wasm", "--upstream", "[::1]:8080", "--address", "127.0.0.1");
  assert.equal(ipv6.static_resources.listeners[0].address.socket_address.address, "127.0.0.1");
  assert.equal(ipv6.static_resources.clusters[0].type, "STATIC");
  assert.deepEqual(ipv6.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: "::1", port_value: 8080 });
});

test("Envoy bootstrap: an http module adds its fetch cluster next to the upstream", async () => {
  const bootstrap = await generate("envoy", "--image", "http://127.0.0.1:9000/filter.wasm", "--wasm", "filter.wasm", "--upstream", "127.0.0.1:8080");
  assert.deepEqual(bootstrap.static_resources.clusters.map((c: { name: string }) => c.name), ["upstream", "wasm-fetch_127.0.0.1_9000"]);
  assert.equal(connectionManager(bootstrap).http_filters[0].typed_config.config.vm_config.code.remote.sha256, wasmSha256);
});

test("Envoy bootstrap: invalid ports and upstreams are refused", async () => {
  await refused("envoy", ["--image", "filter.wasm", "--port", "70000"], "static_resources.listeners[0].address.socket_address.port_value: must be <= 65535 (got 70000)");
  await refused("envoy", ["--image", "filter.wasm", "--admin-port", "x"], 'admin.address.socket_address.port_value: must be integer (got "x")');
  await refused("envoy", ["--image", "filter.wasm", "--upstream", "httpbin.org"], '--upstream: expected host:port (got "httpbin.org")');
  await refused("envoy", ["--image", "filter.wasm", "--upstream", "httpbin.org:99999"], "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be <= 65535 (got 99999)");
  await refused("envoy", ["--image", "oci://ghcr.io/acme/filter:v1"], "--image: Envoy cannot load oci:// images");
});

test("Envoy bootstrap for a module not built yet: the YAML, and a warning that Envoy would not start without it", async () => {
  const run = await manifest(["envoy", "--image", "build/plugin.wasm"], dir);
  assert.equal(run.code, 0);
  assert.match(run.stderr, /^warning: .*build\/plugin\.wasm does not exist yet: build it before running envoy -c/);
  assert.ok(run.document, "the bootstrap is still written");
});
