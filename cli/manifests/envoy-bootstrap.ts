import { ManifestInputError } from "./errors.js";
import { envoyBootstrapSchema, envoyTcpProxySchema, envoyWasmFilterSchema, envoyWasmNetworkFilterSchema, envoyWasmServiceSchema } from "./schemas/envoy.js";
import {
  fetchCluster,
  httpConnectionManagerName,
  routerHttpFilter,
  singleHostCluster,
  tcpProxyFilter,
  wasmFilter,
  wasmService,
  type WasmFilterInput,
  type WasmServiceInput,
} from "./envoy-wasm.js";
import { validateManifest } from "./validate.js";

/** A cluster the filter's callouts name: one host. */
export interface NamedHost {
  name: string;
  host: string;
  port: number | string;
}

export interface EnvoyBootstrapInput {
  filter: WasmFilterInput;
  /** Listener port (default 10000) and address (default 0.0.0.0). */
  port?: number | string;
  address?: string;
  /** Admin interface port on 127.0.0.1 (default 9901). */
  adminPort?: number | string;
  /** Where requests go after the filter; without it, a direct response answers every request (HTTP only). */
  upstream?: { host: string; port: number | string };
  /** Clusters the filter's HTTP callouts name (`--cluster`). */
  clusters?: NamedHost[];
  /** Clusters the filter's gRPC calls name (`--grpc-cluster`): they speak HTTP/2 upstream. */
  grpcClusters?: NamedHost[];
  /** The same module as a singleton wasm service in its own VM (`--service-vm-id`, `--service-config`). */
  service?: WasmServiceInput;
  /** Envoy stats tags (`--stats-tag`): a tag named `name` whose value `regex` extracts from a stat's name. */
  statsTags?: StatsTag[];
  /**
   * The listener's per_connection_buffer_limit_bytes (`--buffer-limit`, Envoy's default 1 MiB): a request's or
   * response's body a filter holds (StopIterationAndBuffer) may not pass it, counting the chunk that arrives
   * on top of what is held, or Envoy answers 413 / 500 or resets the stream.
   */
  bufferLimit?: number | string;
}

export interface StatsTag {
  name: string;
  regex: string;
}

export const upstreamClusterName = "upstream";

/**
 * A complete Envoy v3 static bootstrap: an admin interface, one listener and its clusters, so
 * `envoy -c envoy.yaml` runs the filter locally. For an HTTP filter the listener's HTTP connection manager
 * runs the wasm filter before the router, with a route to the upstream cluster (or a direct 200 answer);
 * for a network filter the listener's chain is the wasm filter then `tcp_proxy` to the upstream, which is
 * then required (a TCP connection has nowhere else to go). `--cluster` adds the clusters the filter's
 * callouts name, so `dispatch_http_call("auth-service", …)` finds one under `envoy -c`; `--grpc-cluster` one
 * that speaks HTTP/2, as `proxy_grpc_call` needs. A wasm service runs the same module once on Envoy's main
 * thread in a VM of its own, e.g. the consumer of a shared queue the filter's workers produce into.
 *
 * The filter's metrics need no stats configuration: Envoy 1.40 lists what `proxy_define_metric` defines on
 * admin `/stats` as `wasmcustom.<name>` (`<name>` on `/stats/prometheus`); counters and gauges at once,
 * histograms after the next stats flush (every 5 s by default).
 */
export function buildEnvoyBootstrap(input: EnvoyBootstrapInput): Record<string, unknown> {
  const network = input.filter.type === "NETWORK";
  if (network && !input.upstream) {
    throw new ManifestInputError("upstream", "a network filter needs an upstream to proxy connections to", "give the upstream's host:port");
  }
  const code = input.filter.code;
  const callouts = input.clusters ?? [];
  const grpc = input.grpcClusters ?? [];
  checkCalloutNames(
    [...callouts.map((c) => ({ name: c.name, input: "clusters" })), ...grpc.map((c) => ({ name: c.name, input: "grpcClusters" }))],
    code.kind === "http" ? code.cluster : undefined,
  );
  const clusters = [
    ...(input.upstream ? [singleHostCluster(upstreamClusterName, input.upstream.host, input.upstream.port)] : []),
    ...callouts.map((c) => singleHostCluster(c.name, c.host, c.port)),
    ...grpc.map((c) => http2Cluster(singleHostCluster(c.name, c.host, c.port))),
    ...(code.kind === "http" ? [fetchCluster(code.url, code.cluster)] : []),
  ];
  const filter = wasmFilter(input.filter);
  const bootstrap = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: input.adminPort ?? 9901 } } },
    static_resources: {
      listeners: [
        {
          name: network ? "listener_tcp" : "listener_http",
          address: { socket_address: { address: input.address ?? "0.0.0.0", port_value: input.port ?? 10000 } },
          ...(input.bufferLimit === undefined ? {} : { per_connection_buffer_limit_bytes: input.bufferLimit }),
          filter_chains: [{ filters: network ? [filter, tcpProxyFilter(upstreamClusterName)] : [httpConnectionManager(filter, input.upstream !== undefined)] }],
        },
      ],
      clusters,
    },
    ...(input.service ? { bootstrap_extensions: [wasmService(input.filter, input.service)] } : {}),
    ...(input.statsTags?.length ? { stats_config: { stats_tags: input.statsTags.map((t) => ({ tag_name: t.name, regex: t.regex })) } } : {}),
  };
  validateManifest(envoyBootstrapSchema, bootstrap);
  if (bootstrap.bootstrap_extensions) {
    validateManifest(envoyWasmServiceSchema, bootstrap.bootstrap_extensions[0], { root: "bootstrap_extensions[0]" });
  }
  const filters = "static_resources.listeners[0].filter_chains[0].filters";
  if (network) {
    validateManifest(envoyWasmNetworkFilterSchema, filter, { root: `${filters}[0]` });
    validateManifest(envoyTcpProxySchema, bootstrap.static_resources.listeners[0].filter_chains[0].filters[1], { root: `${filters}[1]` });
  } else {
    validateManifest(envoyWasmFilterSchema, filter, { root: `${filters}[0].typed_config.http_filters[0]` });
  }
  return bootstrap;
}

/** The cluster speaking HTTP/2 to its endpoint (gRPC needs it; Envoy's default upstream protocol is HTTP/1.1). */
function http2Cluster(cluster: Record<string, unknown>): Record<string, unknown> {
  return {
    ...cluster,
    typed_extension_protocol_options: {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    },
  };
}

/** Callout cluster names (HTTP and gRPC together) are unique and leave alone the names this bootstrap gives its own clusters. */
function checkCalloutNames(callouts: { name: string; input: string }[], fetchCluster: string | undefined): void {
  const seen = new Set<string>();
  for (const { name, input } of callouts) {
    if (name === upstreamClusterName) {
      throw new ManifestInputError(input, `"${name}" is reserved for the upstream cluster`, "give the callout cluster another name (and the filter the same)");
    }
    if (name === fetchCluster)
      throw new ManifestInputError(input, `"${name}" is the cluster the module is fetched through`, "give the callout cluster another name");
    if (seen.has(name)) throw new ManifestInputError(input, `"${name}" is given twice`, "each callout cluster needs its own name");
    seen.add(name);
  }
}

/** The HTTP connection manager running `filter` then the router, routing to the upstream cluster or answering 200. */
function httpConnectionManager(filter: Record<string, unknown>, toUpstream: boolean): Record<string, unknown> {
  const route = toUpstream
    ? { match: { prefix: "/" }, route: { cluster: upstreamClusterName } }
    : { match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } };
  return {
    name: httpConnectionManagerName,
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
      stat_prefix: "ingress_http",
      codec_type: "AUTO",
      route_config: { name: "local_route", virtual_hosts: [{ name: "local", domains: ["*"], routes: [route] }] },
      http_filters: [filter, routerHttpFilter()],
    },
  };
}
