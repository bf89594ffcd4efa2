import { isIP } from "node:net";
import type { VmEnv } from "./wasmplugin.js";

/** Where Envoy loads the module from: a file on the proxy's disk, or an http(s) url pinned by the module's sha256. */
export type WasmCode = { kind: "file"; path: string } | { kind: "http"; url: string; sha256: string; cluster: string; timeout: string };

/** HTTP: an HttpFilter of the HTTP connection manager; NETWORK: a listener (L4) filter before tcp_proxy. */
export type FilterType = "HTTP" | "NETWORK";
export const filterTypes: readonly FilterType[] = ["HTTP", "NETWORK"];

/**
 * Envoy ≥ 1.33's `failure_policy` of the PluginConfig: what the filter does once its VM failed (a trap, an
 * abort). Envoy 1.40 measured: FAIL_CLOSED answers 503 to every later request (also what it does when
 * neither this nor `fail_open` is set); FAIL_OPEN answers 503 to the request that failed, then bypasses the
 * filter; FAIL_RELOAD answers 503 and loads a new VM on a later request (after a backoff of about a second).
 */
export type FailurePolicy = "FAIL_CLOSED" | "FAIL_OPEN" | "FAIL_RELOAD";
export const failurePolicies: readonly FailurePolicy[] = ["FAIL_CLOSED", "FAIL_OPEN", "FAIL_RELOAD"];

export interface WasmFilterInput {
  /** HTTP (default) or NETWORK; decides the filter's name and proto type. */
  type?: FilterType;
  /** Plugin name (Envoy `config.name`) and VM id. */
  name: string;
  /** Envoy `root_id`, Istio's `pluginName`. */
  rootId?: string;
  code: WasmCode;
  /** The plugin configuration; handed to the filter as the JSON text of a `google.protobuf.StringValue`. */
  configuration?: unknown;
  /** The older `fail_open: true` (every Envoy): also bypasses the filter for the request whose VM failed. */
  failOpen?: boolean;
  /** Envoy refuses a PluginConfig that sets both this and `fail_open` ("only one of fail_open or failure_policy can be set"). */
  failurePolicy?: FailurePolicy;
  env?: VmEnv[];
}

/** The wasm filter's name and typed_config type, per filter type; both take the same PluginConfig. */
export const wasmFilterNames: Readonly<Record<FilterType, string>> = {
  HTTP: "envoy.filters.http.wasm",
  NETWORK: "envoy.filters.network.wasm",
};
export const wasmFilterTypeUrls: Readonly<Record<FilterType, string>> = {
  HTTP: "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
  NETWORK: "type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm",
};
export const routerFilterName = "envoy.filters.http.router";
export const httpConnectionManagerName = "envoy.filters.network.http_connection_manager";
export const tcpProxyName = "envoy.filters.network.tcp_proxy";

/**
 * The wasm filter on the V8 runtime: `envoy.filters.http.wasm` (an HttpFilter) or `envoy.filters.network.wasm`
 * (a listener filter), with `envoy.extensions.filters.{http,network}.wasm.v3.Wasm` typed config.
 */
export function wasmFilter(input: WasmFilterInput): Record<string, unknown> {
  const type = input.type ?? "HTTP";
  return { name: wasmFilterNames[type], typed_config: { "@type": wasmFilterTypeUrls[type], config: pluginConfig(input) } };
}

export const wasmServiceName = "envoy.bootstrap.wasm";
export const wasmServiceTypeUrl = "type.googleapis.com/envoy.extensions.wasm.v3.WasmService";

/** A wasm service: the same module in a VM of its own (`vmId`), with its own configuration. */
export interface WasmServiceInput {
  vmId: string;
  configuration?: unknown;
}

/**
 * The filter's module as a singleton `envoy.bootstrap.wasm` WasmService: one VM on Envoy's main thread,
 * started with the bootstrap (no request needed), in the VM `service.vmId` names, so filters reach it by
 * that vm_id (a shared queue resolved with `proxy_resolve_shared_queue(vm_id, name)`). Its plugin name is
 * its vm_id; failure settings stay the filter's own (they decide what requests see).
 */
export function wasmService(filter: WasmFilterInput, service: WasmServiceInput): Record<string, unknown> {
  const config = pluginConfig({ name: service.vmId, code: filter.code, configuration: service.configuration, env: filter.env });
  return { name: wasmServiceName, typed_config: { "@type": wasmServiceTypeUrl, singleton: true, config } };
}

/** The PluginConfig (envoy.extensions.wasm.v3) every wasm filter and service carries: its VM on the V8 runtime and its configuration. */
function pluginConfig(input: WasmFilterInput): Record<string, unknown> {
  const code =
    input.code.kind === "file"
      ? { local: { filename: input.code.path } }
      : {
          remote: {
            http_uri: { uri: input.code.url, cluster: input.code.cluster, timeout: input.code.timeout },
            sha256: input.code.sha256,
          },
        };
  const hostKeys = input.env?.filter((e) => e.valueFrom === "HOST").map((e) => e.name) ?? [];
  const inline = input.env?.filter((e) => e.valueFrom !== "HOST") ?? [];
  const environment =
    hostKeys.length || inline.length
      ? {
          environment_variables: {
            ...(hostKeys.length ? { host_env_keys: hostKeys } : {}),
            ...(inline.length ? { key_values: Object.fromEntries(inline.map((e) => [e.name, e.value ?? ""])) } : {}),
          },
        }
      : {};
  return {
    name: input.name,
    ...(input.rootId ? { root_id: input.rootId } : {}),
    vm_config: { vm_id: input.name, runtime: "envoy.wasm.runtime.v8", code, ...environment },
    ...(input.configuration !== undefined
      ? { configuration: { "@type": "type.googleapis.com/google.protobuf.StringValue", value: JSON.stringify(input.configuration) } }
      : {}),
    ...(input.failOpen ? { fail_open: true } : {}),
    ...(input.failurePolicy ? { failure_policy: input.failurePolicy } : {}),
  };
}

/** The router, always the last HTTP filter. */
export function routerHttpFilter(): Record<string, unknown> {
  return { name: routerFilterName, typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } };
}

/** The tcp_proxy network filter, always the last of a TCP filter chain: forwards the connection to `cluster`. */
export function tcpProxyFilter(cluster: string): Record<string, unknown> {
  return {
    name: tcpProxyName,
    typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy", stat_prefix: "ingress_tcp", cluster },
  };
}

/**
 * A cluster of one endpoint: STATIC for an IP address, STRICT_DNS for a name; TLS (with SNI for names)
 * when `tls` is set, as an https fetch needs.
 */
export function singleHostCluster(name: string, host: string, port: number | string, tls = false): Record<string, unknown> {
  return {
    name,
    type: isIP(host) ? "STATIC" : "STRICT_DNS",
    connect_timeout: "5s",
    lb_policy: "ROUND_ROBIN",
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: port } } } }] }],
    },
    ...(tls
      ? {
          transport_socket: {
            name: "envoy.transport_sockets.tls",
            typed_config: {
              "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
              ...(isIP(host) ? {} : { sni: host }),
            },
          },
        }
      : {}),
  };
}

/** The cluster Envoy fetches an http(s) module through, named after the url's host and port. */
export function fetchCluster(url: string, name = fetchClusterName(url)): Record<string, unknown> {
  const parsed = new URL(url);
  const tls = parsed.protocol === "https:";
  const port = parsed.port ? Number(parsed.port) : tls ? 443 : 80;
  return singleHostCluster(name, parsed.hostname.replace(/^\[|\]$/g, ""), port, tls);
}

export function fetchClusterName(url: string): string {
  const parsed = new URL(url);
  return `wasm-fetch_${parsed.hostname.replace(/^\[|\]$/g, "")}_${parsed.port || (parsed.protocol === "https:" ? 443 : 80)}`;
}
