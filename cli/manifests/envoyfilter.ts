import { envoyFilterSchema } from "./schemas/envoyfilter.js";
import { envoyClusterSchema, envoyWasmFilterSchema, envoyWasmNetworkFilterSchema } from "./schemas/envoy.js";
import { fetchCluster, httpConnectionManagerName, routerFilterName, tcpProxyName, wasmFilter, type WasmFilterInput } from "./envoy-wasm.js";
import { validateManifest } from "./validate.js";
import { compact, type TargetRef } from "./wasmplugin.js";

export interface EnvoyFilterInput {
  name: string;
  namespace?: string;
  /** SIDECAR_INBOUND (default), SIDECAR_OUTBOUND or GATEWAY. */
  context?: string;
  filter: WasmFilterInput;
  /** Use this existing cluster for an http(s) fetch instead of adding one. */
  existingFetchCluster?: boolean;
  selector?: Record<string, string>;
  targetRefs?: TargetRef[];
  priority?: number | string;
}

/**
 * Builds a `networking.istio.io/v1alpha3` EnvoyFilter that inserts the wasm filter right before the router
 * of every HTTP connection manager in the chosen context (HTTP), or, for a network filter, right before
 * every `tcp_proxy` network filter (the TCP chains Istio builds end in it); plus, for a module fetched over http(s), a CLUSTER
 * patch adding the cluster the fetch goes through. Validated against Istio's CRD schema and the Envoy
 * constraints of the patched values.
 */
export function buildEnvoyFilter(input: EnvoyFilterInput): Record<string, unknown> {
  const context = input.context ?? "SIDECAR_INBOUND";
  const network = input.filter.type === "NETWORK";
  const filter = wasmFilter(input.filter);
  const patches: Record<string, unknown>[] = [
    {
      applyTo: network ? "NETWORK_FILTER" : "HTTP_FILTER",
      match: {
        context,
        listener: {
          filterChain: {
            filter: network ? { name: tcpProxyName } : { name: httpConnectionManagerName, subFilter: { name: routerFilterName } },
          },
        },
      },
      patch: { operation: "INSERT_BEFORE", value: filter },
    },
  ];
  const code = input.filter.code;
  if (code.kind === "http" && !input.existingFetchCluster) {
    const cluster = fetchCluster(code.url, code.cluster);
    validateManifest(envoyClusterSchema, cluster, { root: "spec.configPatches[1].patch.value" });
    // Clusters are proxy-wide; Istio adds patched clusters while building the outbound (sidecar) or
    // gateway cluster set, so the inbound context still inserts its fetch cluster there.
    patches.push({
      applyTo: "CLUSTER",
      match: { context: context === "GATEWAY" ? "GATEWAY" : "SIDECAR_OUTBOUND" },
      patch: { operation: "ADD", value: cluster },
    });
  }
  const manifest = {
    apiVersion: "networking.istio.io/v1alpha3",
    kind: "EnvoyFilter",
    metadata: compact({ name: input.name, namespace: input.namespace }),
    spec: compact({
      workloadSelector: input.selector && { labels: input.selector },
      targetRefs: input.targetRefs,
      priority: input.priority,
      configPatches: patches,
    }),
  };
  validateManifest(envoyFilterSchema, manifest);
  validateManifest(network ? envoyWasmNetworkFilterSchema : envoyWasmFilterSchema, filter, { root: "spec.configPatches[0].patch.value" });
  return manifest;
}
