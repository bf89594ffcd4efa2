import { UsageError } from "../../errors.js";
import { ManifestError, ManifestInputError } from "../../manifests/errors.js";

/** Which flag sets each manifest field, so an error on a field can tell the user what to change. */
const flags: [prefix: string, flag: string][] = [
  ["metadata.name", "--name"],
  ["metadata.namespace", "--namespace"],
  ["spec.url", "--image"],
  ["spec.sha256", "--digest (oci://) or --sha256 (http/file)"],
  ["spec.imagePullPolicy", "--image-pull-policy"],
  ["spec.imagePullSecret", "--image-pull-secret"],
  ["spec.selector", "--selector"],
  ["spec.workloadSelector", "--selector"],
  ["spec.targetRefs", "--target-ref"],
  ["spec.pluginName", "--plugin-name"],
  ["spec.phase", "--phase"],
  ["spec.priority", "--priority"],
  ["spec.failStrategy", "--fail-strategy"],
  ["spec.type", "--type"],
  ["spec.match", "--match"],
  ["spec.vmConfig.env", "--env / --env-from-host"],
  ["spec.pluginConfig", "--config"],
  ["spec.configPatches", "--context / --image"],
  ["spec", "--selector or --target-ref, not both"],
  ["static_resources.listeners[0].address", "--port / --address"],
  ["static_resources.listeners[0].per_connection_buffer_limit_bytes", "--buffer-limit"],
  ["static_resources.clusters", "--upstream / --cluster / --grpc-cluster"],
  ["bootstrap_extensions", "--service-vm-id / --service-config"],
  ["stats_config.stats_tags", "--stats-tag"],
  ["admin", "--admin-port"],
];

/** Fields of the wasm filter, wherever it sits (EnvoyFilter patch or bootstrap listener). */
const filterFields: [suffix: string, flag: string][] = [
  ["http_uri.timeout", "--fetch-timeout"],
  ["http_uri.cluster", "--fetch-cluster"],
  ["http_uri.uri", "--image"],
  ["remote.sha256", "--sha256"],
  ["configuration.value", "--config"],
  ["environment_variables", "--env / --env-from-host"],
  ["config.fail_open", "--fail-strategy"],
  ["config.failure_policy", "--failure-policy"],
];

export function flagHint(field: string): string | undefined {
  // The wasm service shares the filter's module and environment, not its configuration.
  if (field.startsWith("bootstrap_extensions") && field.includes("configuration")) return "set by --service-config";
  const filterEntry = filterFields.find(([suffix]) => field.includes(suffix));
  if (filterEntry) return `set by ${filterEntry[1]}`;
  return prefixHint(flags, field);
}

/** The flag of the first listed prefix of `field`: tables list a field before its parent. */
export function prefixHint(table: [prefix: string, flag: string][], field: string): string | undefined {
  const entry = table.find(([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`));
  return entry && `set by ${entry[1]}`;
}

/** Which flag of `manifest envoygateway` / `manifest higress` sets each field, for the hint under an error. */
const envoyGatewayFlags: [prefix: string, flag: string][] = [
  ["metadata.name", "--name"],
  ["metadata.namespace", "--namespace"],
  ["spec.targetRefs", "--target-ref"],
  ["spec.wasm[0].name", "--name"],
  ["spec.wasm[0].rootID", "--plugin-name"],
  ["spec.wasm[0].code.image.url", "--image"],
  ["spec.wasm[0].code.http.url", "--image"],
  ["spec.wasm[0].code.image.sha256", "--digest"],
  ["spec.wasm[0].code.http.sha256", "--sha256 or --wasm"],
  ["spec.wasm[0].code.image.pullSecretRef", "--image-pull-secret"],
  ["spec.wasm[0].code.pullPolicy", "--image-pull-policy"],
  ["spec.wasm[0].config", "--config"],
  ["spec.wasm[0].failOpen", "--fail-strategy"],
  ["spec.wasm[0].env", "--env-from-host"],
  ["spec", "--target-ref"],
];

/** Higress's own fields; the ones it shares with Istio's WasmPlugin take Istio's flags. */
const higressFlags: [prefix: string, flag: string][] = [
  ["spec.defaultConfig", "--config"],
  ["spec.matchRules", "--match-rule"],
  ["spec.failStrategy", "--fail-strategy"],
];

export function envoyGatewayHint(field: string): string | undefined {
  return prefixHint(envoyGatewayFlags, field);
}

export function higressHint(field: string): string | undefined {
  return prefixHint(higressFlags, field) ?? flagHint(field);
}

/** The flag that gives each builder input its value, and how to give it where the builder's advice would not name it. */
const inputFlags: Record<string, { flag: string; fix?: string }> = {
  image: { flag: "--image" },
  upstream: { flag: "--upstream", fix: "pass --upstream <host:port>" },
  clusters: { flag: "--cluster" },
  grpcClusters: { flag: "--grpc-cluster" },
};

/**
 * Runs a generator, turning what the manifest builders throw into the user's terms: the flag to change
 * (`hint` maps a manifest field to the flag that sets it; an input is named by its flag).
 */
export async function flagged<T>(hint: (field: string) => string | undefined, build: () => Promise<T>): Promise<T> {
  try {
    return await build();
  } catch (error) {
    if (error instanceof ManifestError) throw new UsageError(error.message, hint(error.field));
    if (error instanceof ManifestInputError) {
      const input = inputFlags[error.input];
      throw new UsageError(input ? `${input.flag}: ${error.reason}` : error.reason, input?.fix ?? error.fix);
    }
    throw error;
  }
}
