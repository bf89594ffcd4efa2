import { buildEnvoyBootstrap, upstreamClusterName } from "../manifests/envoy-bootstrap.js";
import type { FilterType } from "../manifests/envoy-wasm.js";

/** The access log line `run --envoy` reads a stream's outcome from (status, who answered, why). */
export const accessLogTag = "as-proxy-wasm-access";

export interface RunBootstrapInput {
  type: FilterType;
  /** Plugin name and VM id, as `manifest envoy` names them (the module's file name). */
  name: string;
  wasmPath: string;
  rootId?: string;
  /** Given to the plugin as is (a StringValue), like the emulator's `--config`. */
  configuration?: string;
  vmConfig?: string;
  upstreamPort: number;
  /** Callout cluster name → loopback port of the server answering for it. */
  calloutClusters: Record<string, number>;
}

/**
 * The bootstrap `manifest envoy` writes for the module, with what a scenario run needs on top: ports chosen
 * by the kernel, HTTP/2 to the upstream and callout servers (trailers and header order kept both ways), the
 * raw configuration strings, and an access log line per stream saying who answered it.
 */
export function runBootstrap(input: RunBootstrapInput): Record<string, unknown> {
  const bootstrap = buildEnvoyBootstrap({
    filter: { type: input.type, name: input.name, rootId: input.rootId, code: { kind: "file", path: input.wasmPath } },
    port: 0,
    address: "127.0.0.1",
    adminPort: 0,
    upstream: { host: "127.0.0.1", port: input.upstreamPort },
    clusters: Object.entries(input.calloutClusters).map(([name, port]) => ({ name, host: "127.0.0.1", port })),
  }) as unknown as Bootstrap;
  const chain = bootstrap.static_resources.listeners[0]!.filter_chains[0]!.filters;
  const wasm = input.type === "HTTP" ? chain[0]!.typed_config.http_filters![0]! : chain[0]!;
  const config = wasm.typed_config.config as Record<string, unknown> & { vm_config: Record<string, unknown> };
  if (input.configuration !== undefined) config.configuration = stringValue(input.configuration);
  if (input.vmConfig !== undefined) config.vm_config.configuration = stringValue(input.vmConfig);

  for (const cluster of bootstrap.static_resources.clusters) {
    if (cluster.name === upstreamClusterName && input.type === "NETWORK") continue;
    cluster.typed_extension_protocol_options = {
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": {
        "@type": "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        explicit_http_config: { http2_protocol_options: {} },
      },
    };
  }
  if (input.type === "HTTP") chain[0]!.typed_config.access_log = [stderrAccessLog()];
  return bootstrap as unknown as Record<string, unknown>;
}

function stringValue(value: string): Record<string, string> {
  return { "@type": "type.googleapis.com/google.protobuf.StringValue", value };
}

function stderrAccessLog(): Record<string, unknown> {
  return {
    name: "envoy.access_loggers.stderr",
    typed_config: {
      "@type": "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog",
      log_format: { text_format_source: { inline_string: `${accessLogTag}|%RESPONSE_CODE%|%RESPONSE_CODE_DETAILS%|%RESPONSE_FLAGS%\n` } },
    },
  };
}

interface Filter {
  name: string;
  typed_config: Record<string, unknown> & { http_filters?: Filter[]; access_log?: unknown[] };
}

interface Bootstrap {
  static_resources: {
    listeners: { filter_chains: { filters: Filter[] }[] }[];
    clusters: Record<string, unknown>[];
  };
}
