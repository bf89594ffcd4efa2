import { higressWasmPluginSchema } from "./schemas/higress-wasmplugin.js";
import { validateManifest } from "./validate.js";
import { compact, type WasmPluginInput } from "./wasmplugin.js";

/** Which requests a Higress match rule selects, and the configuration it gives them instead of the default. */
export interface HigressMatchRule {
  domain?: string[];
  ingress?: string[];
  service?: string[];
  config?: unknown;
  configDisable?: boolean;
}

/** The fields Higress's WasmPlugin shares with Istio's (it is a fork of it), plus its own. */
export interface HigressWasmPluginInput extends Pick<
  WasmPluginInput,
  "name" | "namespace" | "url" | "sha256" | "imagePullPolicy" | "imagePullSecret" | "pluginName" | "phase" | "priority" | "failStrategy" | "env"
> {
  /** Applies everywhere no match rule selects (Higress's stand-in for Istio's pluginConfig). */
  defaultConfig?: unknown;
  defaultConfigDisable?: boolean;
  matchRules?: HigressMatchRule[];
}

export interface HigressWasmPlugin {
  apiVersion: "extensions.higress.io/v1alpha1";
  kind: "WasmPlugin";
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

/**
 * Builds Higress's `extensions.higress.io/v1alpha1` WasmPlugin and validates it against Higress's CRD
 * schema; throws a ManifestError naming the first field Higress would refuse.
 */
export function buildHigressWasmPlugin(input: HigressWasmPluginInput): HigressWasmPlugin {
  const spec = compact({
    url: input.url,
    sha256: input.sha256,
    imagePullPolicy: input.imagePullPolicy,
    imagePullSecret: input.imagePullSecret,
    pluginName: input.pluginName,
    phase: input.phase,
    priority: input.priority,
    failStrategy: input.failStrategy,
    vmConfig: input.env?.length ? { env: input.env } : undefined,
    defaultConfig: input.defaultConfig,
    defaultConfigDisable: input.defaultConfigDisable,
    matchRules: input.matchRules?.map((rule) => compact({ ...rule })),
  });
  const manifest: HigressWasmPlugin = {
    apiVersion: "extensions.higress.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: compact({ name: input.name, namespace: input.namespace }) as HigressWasmPlugin["metadata"],
    spec,
  };
  validateManifest(higressWasmPluginSchema, manifest);
  return manifest;
}
