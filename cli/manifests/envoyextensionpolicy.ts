import { envoyExtensionPolicySchema } from "./schemas/envoyextensionpolicy.js";
import { validateManifest } from "./validate.js";
import { compact, type TargetRef } from "./wasmplugin.js";

/** Where Envoy Gateway fetches the module: an OCI image (pinned by its manifest digest) or an http(s) url. */
export type EnvoyGatewayCode =
  | { type: "Image"; url: string; sha256?: string; pullSecret?: string; pullPolicy?: string }
  | { type: "HTTP"; url: string; sha256?: string; pullPolicy?: string };

export interface EnvoyExtensionPolicyInput {
  name: string;
  namespace?: string;
  targetRefs: TargetRef[];
  code: EnvoyGatewayCode;
  /** The Wasm extension's name in the policy (Envoy's plugin name). */
  wasmName?: string;
  rootId?: string;
  config?: unknown;
  failOpen?: boolean;
  /** Variables of the Envoy process passed into the VM (Envoy Gateway has no inline values). */
  hostKeys?: string[];
}

export interface EnvoyExtensionPolicy {
  apiVersion: "gateway.envoyproxy.io/v1alpha1";
  kind: "EnvoyExtensionPolicy";
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

/**
 * Builds an Envoy Gateway `EnvoyExtensionPolicy` with one `wasm` entry and validates it against Envoy
 * Gateway's CRD schema and CEL rules; throws a ManifestError naming the first field it would refuse.
 */
export function buildEnvoyExtensionPolicy(input: EnvoyExtensionPolicyInput): EnvoyExtensionPolicy {
  const { code } = input;
  const source =
    code.type === "Image"
      ? { image: compact({ url: code.url, sha256: code.sha256, pullSecretRef: code.pullSecret === undefined ? undefined : { name: code.pullSecret } }) }
      : { http: compact({ url: code.url, sha256: code.sha256 }) };
  const wasm = compact({
    name: input.wasmName,
    rootID: input.rootId,
    code: compact({ type: code.type, ...source, pullPolicy: code.pullPolicy }),
    config: input.config,
    failOpen: input.failOpen,
    env: input.hostKeys?.length ? { hostKeys: input.hostKeys } : undefined,
  });
  const manifest: EnvoyExtensionPolicy = {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "EnvoyExtensionPolicy",
    metadata: compact({ name: input.name, namespace: input.namespace }) as EnvoyExtensionPolicy["metadata"],
    spec: compact({ targetRefs: input.targetRefs, wasm: [wasm] }),
  };
  validateManifest(envoyExtensionPolicySchema, manifest);
  return manifest;
}
