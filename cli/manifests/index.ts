/** Istio, Envoy Gateway, Higress and Envoy manifest generators: pure builders (data in, validated data out) and their YAML form. */
import { stringify } from "yaml";

export { buildWasmPlugin, type WasmPlugin, type WasmPluginInput, type TargetRef, type TrafficMatch, type VmEnv } from "./wasmplugin.js";
export { buildEnvoyFilter, type EnvoyFilterInput } from "./envoyfilter.js";
export { buildEnvoyExtensionPolicy, type EnvoyExtensionPolicyInput, type EnvoyGatewayCode } from "./envoyextensionpolicy.js";
export { buildHigressWasmPlugin, type HigressMatchRule, type HigressWasmPluginInput } from "./higress.js";
export { buildEnvoyBootstrap, type EnvoyBootstrapInput, type NamedHost, type StatsTag } from "./envoy-bootstrap.js";
export {
  failurePolicies,
  fetchClusterName,
  filterTypes,
  type FailurePolicy,
  type FilterType,
  type WasmCode,
  type WasmFilterInput,
  type WasmServiceInput,
} from "./envoy-wasm.js";
export { buildPullSecret, type PullSecret, type PullSecretInput, type RegistryLogin } from "./pull-secret.js";
export { moduleFilterType } from "./filter-type.js";
export { classifyImage, defaultName, digestHex, type WasmSource } from "./source.js";
export { ManifestError, ManifestInputError } from "./errors.js";
export { validateManifest, validatePluginConfig } from "./validate.js";

/** YAML as kubectl and Envoy read it; long strings (the JSON configuration) stay on one line. */
export function toYaml(document: unknown): string {
  return stringify(document, { lineWidth: 0 });
}
