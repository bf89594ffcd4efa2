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
