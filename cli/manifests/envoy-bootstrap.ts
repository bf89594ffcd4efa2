import { envoyBootstrapSchema, envoyWasmFilterSchema } from "./schemas/envoy.js";
import { fetchCluster, httpConnectionManagerName, routerHttpFilter, singleHostCluster, wasmHttpFilter, type WasmFilterInput } from "./envoy-wasm.js";
import { flagHint } from "./hints.js";
import { validateManifest } from "./validate.js";

export interface EnvoyBootstrapInput {
  filter: WasmFilterInput;
  /** Listener port (default 10000) and address (default 0.0.0.0). */
  port?: number | string;
  address?: string;
  /** Admin interface port on 127.0.0.1 (default 9901). */
  adminPort?: number | string;
  /** Where requests go after the filter; without it, a direct response answers every request. */
  upstream?: { host: string; port: number | string };
}

export const upstreamClusterName = "upstream";

/**
 * A complete Envoy v3 static bootstrap: an admin interface, one listener whose HTTP connection manager runs
 * the wasm filter before the router, and a route to the upstream cluster (or a direct 200 answer), so
 * `envoy -c envoy.yaml` runs the filter locally.
 */
export function buildEnvoyBootstrap(input: EnvoyBootstrapInput): Record<string, unknown> {
  const route = input.upstream
    ? { match: { prefix: "/" }, route: { cluster: upstreamClusterName } }
    : { match: { prefix: "/" }, direct_response: { status: 200, body: { inline_string: "ok\n" } } };
  const clusters = [
    ...(input.upstream ? [singleHostCluster(upstreamClusterName, input.upstream.host, input.upstream.port)] : []),
    ...(input.filter.code.kind === "http" ? [fetchCluster(input.filter.code.url, input.filter.code.cluster)] : []),
  ];
  const filter = wasmHttpFilter(input.filter);
  const bootstrap = {
    admin: { address: { socket_address: { address: "127.0.0.1", port_value: input.adminPort ?? 9901 } } },
    static_resources: {
      listeners: [
        {
          name: "listener_http",
          address: { socket_address: { address: input.address ?? "0.0.0.0", port_value: input.port ?? 10000 } },
          filter_chains: [
            {
              filters: [
                {
                  name: httpConnectionManagerName,
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "ingress_http",
                    codec_type: "AUTO",
                    route_config: { name: "local_route", virtual_hosts: [{ name: "local", domains: ["*"], routes: [route] }] },
                    http_filters: [filter, routerHttpFilter()],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters,
    },
  };
  validateManifest(envoyBootstrapSchema, bootstrap, { hint: flagHint });
  validateManifest(envoyWasmFilterSchema, filter, { root: "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0]", hint: flagHint });
  return bootstrap;
}
