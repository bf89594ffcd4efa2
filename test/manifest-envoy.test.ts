import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { buildEnvoyBootstrap } from "../cli/manifests/envoy-bootstrap.js";
import { envoyFilterSchema } from "../cli/manifests/schemas/envoyfilter.js";
import { generated, manifest, refusedWith, tinyWasm } from "./fixtures/manifests/cli.js";

const wasmSha256 = createHash("sha256").update(tinyWasm).digest("hex");
let dir: string;
let wasmPath: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-envoy-"));
  wasmPath = join(dir, "filter.wasm");
  await writeFile(wasmPath, tinyWasm);
});

after(() => rm(dir, { recursive: true, force: true }));

const generate = (kind: "envoyfilter" | "envoy", ...args: string[]) => generated([kind, ...args], dir, kind === "envoyfilter" ? envoyFilterSchema : undefined);
const refused = (kind: "envoyfilter" | "envoy", args: string[], error: string) => refusedWith([kind, ...args], dir, error);

const wasmFilterType = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const stringValueType = "type.googleapis.com/google.protobuf.StringValue";

test("EnvoyFilter: a local module inserted before the router of the inbound HTTP connection manager", async () => {
  const document = await generate(
    "envoyfilter",
    "--image",
    "filter.wasm",
    "--name",
    "add-header",
    "--namespace",
    "bookinfo",
    "--selector",
    "app=reviews",
    "--config",
    '{"header":"x-hello"}',
    "--plugin-name",
    "add_header",
    "--priority",
    "-10",
    "--env",
    "MODE=strict",
    "--env-from-host",
    "HOSTNAME",
    "--fail-strategy",
    "FAIL_OPEN",
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
  const document = await generate(
    "envoyfilter",
    "--image",
    "https://cdn.example.com/wasm/filter.wasm",
    "--wasm",
    "filter.wasm",
    "--fetch-timeout",
    "30s",
    "--context",
    "GATEWAY",
  );
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
  const document = await generate(
    "envoyfilter",
    "--image",
    "https://cdn.example.com/f.wasm",
    "--sha256",
    wasmSha256,
    "--fetch-cluster",
    "outbound|443||cdn.example.com",
  );
  assert.equal(document.spec.configPatches.length, 1);
  assert.equal(document.spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.http_uri.cluster, "outbound|443||cdn.example.com");
});

test("EnvoyFilter: invalid input is refused with the field", async () => {
  await refused(
    "envoyfilter",
    ["--image", "filter.wasm", "--context", "INBOUND"],
    'spec.configPatches[0].match.context: must be one of ANY, SIDECAR_INBOUND, SIDECAR_OUTBOUND, GATEWAY (got "INBOUND")',
  );
  await refused(
    "envoyfilter",
    ["--image", "filter.wasm", "--selector", "app=a", "--target-ref", "Gateway/g"],
    "spec: only one of targetRefs or workloadSelector can be set",
  );
  await refused(
    "envoyfilter",
    ["--image", "filter.wasm", "--selector", "app=a*"],
    'spec.workloadSelector.labels.app: wildcard is not supported in selector (got "a*")',
  );
  await refused("envoyfilter", ["--image", "ghcr.io/acme/filter:v1"], "--image: Envoy cannot load oci:// images");
  await refused("envoyfilter", ["--image", "https://cdn.example.com/f.wasm"], "--sha256: an http(s) url must be pinned by the module's sha256");
  await refused(
    "envoyfilter",
    ["--image", "https://cdn.example.com/f.wasm", "--sha256", wasmSha256, "--fetch-timeout", "10"],
    'spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.http_uri.timeout: must match ^[0-9]+(\\.[0-9]{1,9})?s$ (got "10")',
  );
  await refused(
    "envoyfilter",
    ["--image", "https://cdn.example.com/f.wasm", "--sha256", "xyz"],
    'spec.configPatches[0].patch.value.typed_config.config.vm_config.code.remote.sha256: must match ^[a-f0-9]{64}$ (got "xyz")',
  );
  await refused(
    "envoyfilter",
    ["--image", "filter.wasm", "--fail-strategy", "FAIL_RELOAD"],
    '--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")',
  );
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
  const bootstrap = await generate(
    "envoy",
    "--image",
    "filter.wasm",
    "--upstream",
    "httpbin.org:80",
    "--port",
    "8000",
    "--admin-port",
    "19000",
    "--config",
    '{"header":"x-hello"}',
  );
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
  assert.deepEqual(
    hcm.http_filters.map((f: { name: string }) => f.name),
    ["envoy.filters.http.wasm", "envoy.filters.http.router"],
  );
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
  assert.deepEqual(ipv6.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, {
    address: "::1",
    port_value: 8080,
  });
});

test("Envoy bootstrap: an http module adds its fetch cluster next to the upstream", async () => {
  const bootstrap = await generate("envoy", "--image", "http://127.0.0.1:9000/filter.wasm", "--wasm", "filter.wasm", "--upstream", "127.0.0.1:8080");
  assert.deepEqual(
    bootstrap.static_resources.clusters.map((c: { name: string }) => c.name),
    ["upstream", "wasm-fetch_127.0.0.1_9000"],
  );
  assert.equal(connectionManager(bootstrap).http_filters[0].typed_config.config.vm_config.code.remote.sha256, wasmSha256);
});

test("Envoy bootstrap: invalid ports and upstreams are refused", async () => {
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--port", "70000"],
    "static_resources.listeners[0].address.socket_address.port_value: must be <= 65535 (got 70000)",
  );
  await refused("envoy", ["--image", "filter.wasm", "--admin-port", "x"], 'admin.address.socket_address.port_value: must be integer (got "x")');
  await refused("envoy", ["--image", "filter.wasm", "--upstream", "httpbin.org"], '--upstream: expected host:port (got "httpbin.org")');
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--upstream", "httpbin.org:99999"],
    "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be <= 65535 (got 99999)",
  );
  await refused("envoy", ["--image", "oci://ghcr.io/acme/filter:v1"], "--image: Envoy cannot load oci:// images");
});

test("Envoy bootstrap for a module not built yet: the YAML, and a warning that Envoy would not start without it", async () => {
  const run = await manifest(["envoy", "--image", "build/plugin.wasm"], dir);
  assert.equal(run.code, 0);
  assert.match(run.stderr, /^warning: .*build\/plugin\.wasm does not exist yet: build it before running envoy -c/);
  assert.ok(run.document, "the bootstrap is still written");
});

test("Envoy bootstrap: --cluster adds the clusters callouts name, after the upstream and before the fetch cluster", async () => {
  const bootstrap = await generate(
    "envoy",
    "--image",
    "http://127.0.0.1:9000/filter.wasm",
    "--wasm",
    "filter.wasm",
    "--upstream",
    "127.0.0.1:8080",
    "--cluster",
    "auth-service=127.0.0.1:9001",
    "--cluster",
    "ratelimit=ratelimit.local:8081",
  );
  const clusters = bootstrap.static_resources.clusters;
  assert.deepEqual(
    clusters.map((c: { name: string }) => c.name),
    ["upstream", "auth-service", "ratelimit", "wasm-fetch_127.0.0.1_9000"],
  );
  assert.equal(clusters[1].type, "STATIC");
  assert.equal(clusters[2].type, "STRICT_DNS");
  assert.deepEqual(clusters[2].load_assignment, {
    cluster_name: "ratelimit",
    endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: "ratelimit.local", port_value: 8081 } } } }] }],
  });
});

test("Envoy bootstrap: --cluster mistakes are one line naming the flag", async () => {
  await refused("envoy", ["--image", "filter.wasm", "--cluster", "127.0.0.1:9001"], '--cluster: expected name=host:port (got "127.0.0.1:9001")');
  await refused("envoy", ["--image", "filter.wasm", "--cluster", "=127.0.0.1:9001"], '--cluster: expected name=host:port (got "=127.0.0.1:9001")');
  await refused("envoy", ["--image", "filter.wasm", "--cluster", "auth=127.0.0.1"], '--cluster: expected host:port (got "127.0.0.1")');
  await refused("envoy", ["--image", "filter.wasm", "--cluster", "a=127.0.0.1:1", "--cluster", "a=127.0.0.1:2"], '--cluster: "a" is given twice');
  await refused("envoy", ["--image", "filter.wasm", "--cluster", "upstream=127.0.0.1:1"], '--cluster: "upstream" is reserved for the upstream cluster');
  await refused(
    "envoy",
    ["--image", "http://127.0.0.1:9000/f.wasm", "--sha256", wasmSha256, "--cluster", "wasm-fetch_127.0.0.1_9000=127.0.0.1:1"],
    '--cluster: "wasm-fetch_127.0.0.1_9000" is the cluster the module is fetched through',
  );
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--cluster", "auth=127.0.0.1:70000"],
    "static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: must be <= 65535 (got 70000)",
  );
});

test("Envoy bootstrap: --grpc-cluster adds a cluster speaking HTTP/2 (gRPC), after the --cluster ones", async () => {
  const bootstrap = await generate(
    "envoy",
    "--image",
    "filter.wasm",
    "--upstream",
    "127.0.0.1:8080",
    "--cluster",
    "auth=127.0.0.1:9001",
    "--grpc-cluster",
    "authz=127.0.0.1:9000",
  );
  const [upstream, auth, authz] = bootstrap.static_resources.clusters;
  assert.deepEqual([upstream.name, auth.name, authz.name], ["upstream", "auth", "authz"]);
  assert.equal(auth.typed_extension_protocol_options, undefined, "an HTTP callout cluster stays HTTP/1.1");
  assert.deepEqual(authz.typed_extension_protocol_options, {
    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
      "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
      explicit_http_config: { http2_protocol_options: {} },
    },
  });
  assert.deepEqual(authz.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address, { address: "127.0.0.1", port_value: 9000 });
});

test("Envoy bootstrap: --grpc-cluster mistakes name the flag; its names and --cluster's are one namespace", async () => {
  await refused("envoy", ["--image", "filter.wasm", "--grpc-cluster", "127.0.0.1:9000"], '--grpc-cluster: expected name=host:port (got "127.0.0.1:9000")');
  await refused("envoy", ["--image", "filter.wasm", "--grpc-cluster", "authz=127.0.0.1"], '--grpc-cluster: expected host:port (got "127.0.0.1")');
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--cluster", "authz=127.0.0.1:1", "--grpc-cluster", "authz=127.0.0.1:2"],
    '--grpc-cluster: "authz" is given twice',
  );
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--grpc-cluster", "upstream=127.0.0.1:1"],
    '--grpc-cluster: "upstream" is reserved for the upstream cluster',
  );
});

test("Envoy bootstrap: --service-vm-id runs the same module as a singleton wasm service in its own VM, configured by --service-config", async () => {
  const bootstrap = await generate(
    "envoy",
    "--image",
    "filter.wasm",
    "--name",
    "producer",
    "--config",
    '{"role":"producer"}',
    "--env",
    "MODE=strict",
    "--failure-policy",
    "FAIL_OPEN",
    "--service-vm-id",
    "consumer",
    "--service-config",
    '{"role":"consumer"}',
  );
  assert.deepEqual(bootstrap.bootstrap_extensions, [
    {
      name: "envoy.bootstrap.wasm",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.wasm.v3.WasmService",
        singleton: true,
        config: {
          name: "consumer",
          vm_config: {
            vm_id: "consumer",
            runtime: "envoy.wasm.runtime.v8",
            code: { local: { filename: wasmPath } },
            environment_variables: { key_values: { MODE: "strict" } },
          },
          configuration: { "@type": stringValueType, value: '{"role":"consumer"}' },
        },
      },
    },
  ]);
  // The filter keeps its own VM, configuration and failure policy.
  const filter = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config;
  assert.deepEqual([filter.vm_config.vm_id, filter.configuration.value, filter.failure_policy], ["producer", '{"role":"producer"}', "FAIL_OPEN"]);

  const bare = await generate("envoy", "--image", "filter.wasm", "--service-vm-id", "consumer");
  assert.equal(bare.bootstrap_extensions[0].typed_config.config.configuration, undefined, "no --service-config: no configuration");
  assert.equal((await generate("envoy", "--image", "filter.wasm")).bootstrap_extensions, undefined, "no service unless asked for");
});

test("Envoy bootstrap: --service-vm-id empty or the filter's own, --service-config without a vm id, unreadable, or against the project's schema is refused naming the flag", async () => {
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--service-config", "{}"],
    "--service-config: configures the wasm service, which needs --service-vm-id <id>",
  );
  await refused("envoy", ["--image", "filter.wasm", "--service-vm-id", ""], '--service-vm-id: "" is empty');
  await refused("envoy", ["--image", "filter.wasm", "--name", "queue", "--service-vm-id", "queue"], '--service-vm-id: "queue" is the filter\'s vm_id (--name)');
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--service-vm-id", "c", "--service-config", "{nope"],
    "--service-config: not valid JSON: " + jsonError("{nope"),
  );
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--service-vm-id", "c", "--service-config", "@missing.json"],
    "--service-config @missing.json: no such file",
  );
  const schema = join(dir, "service.schema.json");
  await writeFile(schema, JSON.stringify({ type: "object", required: ["role"], properties: { role: { enum: ["producer", "consumer"] } } }));
  await refused(
    "envoy",
    ["--image", "filter.wasm", "--config-schema", "service.schema.json", "--service-vm-id", "c", "--service-config", '{"role":"sink"}'],
    'serviceConfig.role: must be one of producer, consumer (got "sink") (per service.schema.json)',
  );
});

test("Envoy bootstrap: --module-path is the module's path as written (relative to envoy's working directory); local modules only", async () => {
  const bootstrap = await generate("envoy", "--image", "filter.wasm", "--module-path", "build/plugin.wasm", "--service-vm-id", "svc");
  const filter = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config;
  assert.deepEqual(filter.vm_config.code, { local: { filename: "build/plugin.wasm" } });
  assert.deepEqual(bootstrap.bootstrap_extensions[0].typed_config.config.vm_config.code, { local: { filename: "build/plugin.wasm" } });
  await refused(
    "envoy",
    ["--image", "http://127.0.0.1:9000/f.wasm", "--sha256", wasmSha256, "--module-path", "build/plugin.wasm"],
    "--module-path: applies to a local module only",
  );
});

test("Envoy bootstrap: --stats-tag writes stats_config.stats_tags in order; a tag without a name or regex is refused", async () => {
  const route = String.raw`^wasmcustom\.m\.(route=([^.]+)\.)`;
  const bootstrap = await generate("envoy", "--image", "filter.wasm", "--stats-tag", `route=${route}`, "--stats-tag", "code=^x=(c=(\\d))");
  assert.deepEqual(bootstrap.stats_config, {
    stats_tags: [
      { tag_name: "route", regex: route },
      { tag_name: "code", regex: "^x=(c=(\\d))" },
    ],
  });
  assert.equal((await generate("envoy", "--image", "filter.wasm")).stats_config, undefined);
  await refused("envoy", ["--image", "filter.wasm", "--stats-tag", "route"], '--stats-tag: expected name=regex (got "route")');
  await refused("envoy", ["--image", "filter.wasm", "--stats-tag", "=^a(b)"], '--stats-tag: expected name=regex (got "=^a(b)")');
  const tooLong = await manifest(["envoy", "--image", "filter.wasm", "--stats-tag", `r=${"a".repeat(1025)}`], dir);
  assert.equal(tooLong.code, 2);
  assert.match(tooLong.stderr, /^error: stats_config\.stats_tags\[0\]\.regex: must NOT have more than 1024 characters .*\nhint: set by --stats-tag/);
});

test("Envoy bootstrap: --buffer-limit sets the listener's per_connection_buffer_limit_bytes; zero or a unit suffix is refused", async () => {
  const bootstrap = await generate("envoy", "--image", "filter.wasm", "--buffer-limit", "2097152");
  assert.equal(bootstrap.static_resources.listeners[0].per_connection_buffer_limit_bytes, 2097152);
  assert.equal((await generate("envoy", "--image", "filter.wasm")).static_resources.listeners[0].per_connection_buffer_limit_bytes, undefined);
  for (const [value, problem] of [
    ["0", "must be >= 1 (got 0)"],
    ["2MiB", 'must be integer (got "2MiB")'],
  ]) {
    const refused = await manifest(["envoy", "--image", "filter.wasm", "--buffer-limit", value], dir);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr, `error: static_resources.listeners[0].per_connection_buffer_limit_bytes: ${problem}\nhint: set by --buffer-limit\n`);
  }
});

const jsonError = (text: string) => {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("valid JSON");
};

test("--failure-policy writes failure_policy alone, on the bootstrap and the EnvoyFilter alike", async () => {
  for (const kind of ["envoy", "envoyfilter"] as const) {
    for (const policy of ["FAIL_CLOSED", "FAIL_OPEN", "FAIL_RELOAD"]) {
      const document = await generate(kind, "--image", "filter.wasm", "--failure-policy", policy);
      const filter = kind === "envoy" ? connectionManager(document).http_filters[0] : document.spec.configPatches[0].patch.value;
      assert.equal(filter.typed_config.config.failure_policy, policy);
      assert.equal(filter.typed_config.config.fail_open, undefined);
    }
    // Agreeing flags: only failure_policy is written, as Envoy refuses both fields.
    const agreeing = await generate(kind, "--image", "filter.wasm", "--failure-policy", "FAIL_OPEN", "--fail-strategy", "FAIL_OPEN");
    const config = (kind === "envoy" ? connectionManager(agreeing).http_filters[0] : agreeing.spec.configPatches[0].patch.value).typed_config.config;
    assert.deepEqual([config.fail_open, config.failure_policy], [undefined, "FAIL_OPEN"]);
  }
});

test("--failure-policy: unknown values and contradictions with --fail-strategy are refused", async () => {
  for (const kind of ["envoy", "envoyfilter"] as const) {
    await refused(
      kind,
      ["--image", "filter.wasm", "--failure-policy", "FAIL_CLOSE"],
      '--failure-policy: must be one of FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD (got "FAIL_CLOSE")',
    );
    await refused(
      kind,
      ["--image", "filter.wasm", "--failure-policy", "FAIL_RELOAD", "--fail-strategy", "FAIL_OPEN"],
      "--fail-strategy FAIL_OPEN contradicts --failure-policy FAIL_RELOAD",
    );
    await refused(
      kind,
      ["--image", "filter.wasm", "--failure-policy", "FAIL_OPEN", "--fail-strategy", "FAIL_CLOSE"],
      "--fail-strategy FAIL_CLOSE contradicts --failure-policy FAIL_OPEN",
    );
  }
  const reload = await manifest(["envoy", "--image", "filter.wasm", "--fail-strategy", "FAIL_RELOAD"], dir);
  assert.equal(
    reload.stderr,
    'error: --fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "FAIL_RELOAD")\nhint: Envoy ≥ 1.33 reloads a failed VM with --failure-policy FAIL_RELOAD\n',
  );
});

test("help: where the filter's metrics are, and how the failure flags combine", async () => {
  const { io, stdout } = memoryIo({ cwd: dir });
  await runCli(["manifest", "envoy", "--help"], io);
  assert.match(stdout(), /--cluster <name=host:port>/);
  assert.match(stdout(), /--failure-policy <policy>/);
  for (const flag of [
    "--grpc-cluster <name=host:port>",
    "--service-vm-id <id>",
    "--service-config <json|@file>",
    "--module-path <path>",
    "--stats-tag <name=regex>",
    "--buffer-limit <bytes>",
  ]) {
    assert.ok(stdout().includes(flag), flag);
  }
  assert.match(stdout(), /wasmcustom\.<name>/);
  assert.match(stdout(), /Envoy refuses both\s+fields together/);
});

test("the wasm filter schema refuses fail_open next to a failure_policy, as Envoy does (the builder names the field; the CLI, the flag)", () => {
  const filter = { name: "f", code: { kind: "file", path: "/f.wasm" }, failOpen: true, failurePolicy: "FAIL_RELOAD" } as const;
  assert.throws(() => buildEnvoyBootstrap({ filter }), {
    message:
      "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config.fail_open: must be equal to constant (got true)",
    field: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0].typed_config.config.fail_open",
  });
});
