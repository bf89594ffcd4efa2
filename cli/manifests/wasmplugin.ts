import { wasmPluginSchema } from "./schemas/wasmplugin.js";
import { ManifestError } from "./errors.js";
import { validateManifest } from "./validate.js";

export interface TargetRef {
  group?: string;
  kind: string;
  name: string;
}

export interface TrafficMatch {
  mode?: string;
  ports?: { number: number | string }[];
}

/** A VM environment variable: inline `value`, or `valueFrom: HOST` (read from the proxy's environment). */
export interface VmEnv {
  name: string;
  value?: string;
  valueFrom?: string;
}

/** Everything a WasmPlugin can say; strings for enums so the schema, not the type system, names a bad value. */
export interface WasmPluginInput {
  name: string;
  namespace?: string;
  url: string;
  /** Hex, no `sha256:` prefix: the image manifest digest for `oci://`, the module's digest otherwise. */
  sha256?: string;
  pluginConfig?: unknown;
  pluginName?: string;
  phase?: string;
  priority?: number | string;
  selector?: Record<string, string>;
  targetRefs?: TargetRef[];
  failStrategy?: string;
  imagePullPolicy?: string;
  imagePullSecret?: string;
  match?: TrafficMatch[];
  type?: string;
  env?: VmEnv[];
}

export interface WasmPlugin {
  apiVersion: "extensions.istio.io/v1alpha1";
  kind: "WasmPlugin";
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

/**
 * Builds an `extensions.istio.io/v1alpha1` WasmPlugin and validates it against Istio's CRD schema and CEL
 * rules; throws a ManifestError naming the first field Istio would refuse. Unset inputs are left out (the
 * API server would store them as absent too).
 */
export function buildWasmPlugin(input: WasmPluginInput): WasmPlugin {
  const pinned = /@(sha256:[^/]*)$/.exec(input.url)?.[1];
  if (pinned && input.sha256 !== undefined && pinned !== `sha256:${input.sha256}`) {
    // Istio refuses the plugin at fetch time when the two disagree; say so now.
    throw new ManifestError("spec.sha256", `does not match the digest in spec.url (${pinned})`);
  }
  const spec = compact({
    url: input.url,
    sha256: input.sha256,
    imagePullPolicy: input.imagePullPolicy,
    imagePullSecret: input.imagePullSecret,
    selector: input.selector && { matchLabels: input.selector },
    targetRefs: input.targetRefs,
    pluginName: input.pluginName,
    phase: input.phase,
    priority: input.priority,
    failStrategy: input.failStrategy,
    type: input.type,
    match: input.match,
    vmConfig: input.env?.length ? { env: input.env } : undefined,
    pluginConfig: input.pluginConfig,
  });
  const manifest: WasmPlugin = {
    apiVersion: "extensions.istio.io/v1alpha1",
    kind: "WasmPlugin",
    metadata: compact({ name: input.name, namespace: input.namespace }) as WasmPlugin["metadata"],
    spec,
  };
  validateManifest(wasmPluginSchema, manifest);
  return manifest;
}

/** Drops undefined fields (and empty lists) so the manifest only shows what was asked for. */
export function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
}
