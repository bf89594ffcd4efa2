// The flags of the manifest generators, typed: what commander parses (declared once here for every
// generator that shares them) is what the generators read; each generator's options type is its declaration's.
import type { Command, CommandUnknownOpts, OptionValues } from "@commander-js/extra-typings";
import { addPlainHttpOption } from "../../oci/cli-options.js";
import { parseInteger } from "./flags.js";

export const collect = (value: string, previous: string[] = []) => [...previous, value];

export const envoyFailStrategies = "FAIL_CLOSE | FAIL_OPEN (writes fail_open, which every Envoy reads)";
export const failurePolicyHelp = "FAIL_CLOSED | FAIL_OPEN | FAIL_RELOAD: Envoy >= 1.33's failure_policy";
export const failureHelp = `
When the filter's VM fails (a trap, an abort), Envoy 1.40 answers that request 503, then per
--failure-policy: FAIL_CLOSED (Envoy's default) 503 to every later request; FAIL_OPEN skips the filter;
FAIL_RELOAD starts a new VM on a later request (after a backoff of about a second). The older
--fail-strategy FAIL_OPEN (fail_open) skips the filter from the failed request on. Envoy refuses both
fields together, so with --failure-policy only failure_policy is written; --fail-strategy, if also
given, must agree on failing open or closed.`;

/** How a registry image's digest is found without asking the registry. */
export function addImagePinOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option("--digest <sha256:hex>", "image manifest digest (from `push --json`) instead of looking it up")
    .option("--oci-layout <dir[:tag]>", "look the digest up in this OCI image layout (written by `push --oci-layout`) instead of the registry");
}

/** A generator's command before its flags (concrete: inferring a dozen flags on a generic command takes the compiler minutes). */
type Generator = Command<[], Record<never, never>, OptionValues>;

export function addCommonOptions(command: Generator, failStrategies: string) {
  // Every generator takes --plain-http (the CLI contract), though only the image digest lookup talks to a registry.
  return addPlainHttpOption(
    command
      .requiredOption("--image <ref|url|file>", "registry image, oci:// http(s):// or file:// url, or a local .wasm")
      .option("--config <json|@file>", "plugin configuration: inline JSON, or @file (JSON or YAML)")
      .option("--config-schema <file>", "JSON Schema the configuration must satisfy (default: the project's config.schema.json)")
      .option("--wasm <file>", "local copy of the module: computes sha256 for an http(s) url, locates the project")
      .option("--sha256 <hex>", "sha256 of the .wasm for an http(s) url")
      .option("--name <name>", "resource / plugin name (default: from the image)")
      .option("--plugin-name <name>", "plugin name (root_id) the module selects its root context by")
      .option("--fail-strategy <strategy>", failStrategies)
      .option("--env <NAME=value>", "VM environment variable (repeatable)", collect)
      .option("--env-from-host <NAME>", "VM environment variable read from the proxy's environment (repeatable)", collect)
      .option("--type <type>", "HTTP | NETWORK (default: NETWORK for a local module with TCP callbacks only, else HTTP)")
      .option("-o, --output <file>", "write the YAML here instead of stdout"),
  );
}

/** `--phase` and `--priority`: where a WasmPlugin (Istio's or Higress's) runs among the proxy's filters. */
function addPhaseOptions<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option("--phase <phase>", "AUTHN | AUTHZ | STATS | UNSPECIFIED_PHASE")
    .option("--priority <n>", "ordering within the phase (higher first)", parseInteger);
}

/** What every generator reads of the flags `addCommonOptions` declares. */
export type CommonOptions = ReturnType<ReturnType<typeof addCommonOptions>["opts"]>;

export function declareWasmPlugin(manifest: CommandUnknownOpts) {
  const command = addCommonOptions(
    manifest.command("wasmplugin").description("an Istio WasmPlugin (extensions.istio.io/v1alpha1), sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN | FAIL_RELOAD",
  ).option("--namespace <ns>", "metadata.namespace");
  return addPhaseOptions(addImagePinOptions(command))
    .option("--selector <key=value,...>", "workload selector matchLabels (repeatable)", collect)
    .option("--target-ref <[group/]Kind/name>", "attach to a Gateway, GatewayClass, Service or ServiceEntry (repeatable)", collect)
    .option("--image-pull-policy <policy>", "IfNotPresent | Always | UNSPECIFIED_POLICY")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the plugin's namespace")
    .option("--match <MODE[:PORT,...]>", "traffic selector: CLIENT | SERVER | CLIENT_AND_SERVER | UNDEFINED, with ports (repeatable)", collect);
}

export type WasmPluginOptions = ReturnType<ReturnType<typeof declareWasmPlugin>["opts"]>;

/** How a registry image is pinned: shared by every generator that writes an `oci://` image. */
export type DigestOptions = Pick<WasmPluginOptions, "digest" | "ociLayout" | "plainHttp">;

export function declareEnvoyGateway(manifest: CommandUnknownOpts) {
  const command = addCommonOptions(
    manifest
      .command("envoygateway")
      .description("an Envoy Gateway EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1) with one wasm extension, sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN (writes failOpen)",
  ).option("--namespace <ns>", "metadata.namespace (the Gateway's or route's namespace)");
  return addImagePinOptions(command)
    .option("--target-ref <[group/]Kind/name>", "attach to a Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute or UDPRoute (repeatable, required)", collect)
    .option("--image-pull-policy <policy>", "IfNotPresent | Always")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the policy's namespace (see `manifest pull-secret`)");
}

export type EnvoyGatewayOptions = ReturnType<ReturnType<typeof declareEnvoyGateway>["opts"]>;

export function declareHigress(manifest: CommandUnknownOpts) {
  const command = addCommonOptions(
    manifest.command("higress").description("a Higress WasmPlugin (extensions.higress.io/v1alpha1), sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN",
  ).option("--namespace <ns>", "metadata.namespace (Higress watches higress-system)");
  return addPhaseOptions(addImagePinOptions(command))
    .option("--image-pull-policy <policy>", "IfNotPresent | Always | UNSPECIFIED_POLICY")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the plugin's namespace (see `manifest pull-secret`)")
    .option(
      "--match-rule <KIND=NAME,…[;CONFIG]>",
      "a rule for domains, ingresses or services: its own configuration (@file or JSON) or `disable` (repeatable)",
      collect,
    )
    .option("--default-config-disable", "run the plugin only where a --match-rule selects");
}

export type HigressOptions = ReturnType<ReturnType<typeof declareHigress>["opts"]>;

export function declareEnvoyFilter(manifest: CommandUnknownOpts) {
  return addCommonOptions(
    manifest
      .command("envoyfilter")
      .description("an Istio EnvoyFilter (networking.istio.io/v1alpha3) inserting the wasm filter before the router (HTTP) or tcp_proxy (NETWORK)"),
    envoyFailStrategies,
  )
    .option("--namespace <ns>", "metadata.namespace")
    .option("--context <context>", "SIDECAR_INBOUND | SIDECAR_OUTBOUND | GATEWAY", "SIDECAR_INBOUND")
    .option("--priority <n>", "order among EnvoyFilters", parseInteger)
    .option("--selector <key=value,...>", "workloadSelector labels (repeatable)", collect)
    .option("--target-ref <[group/]Kind/name>", "attach to a resource instead of a selector (repeatable)", collect)
    .option("--fetch-cluster <name>", "an existing cluster to fetch an http(s) module through (default: add one)")
    .option("--fetch-timeout <duration>", "timeout of the http(s) fetch", "10s")
    .option("--failure-policy <policy>", failurePolicyHelp);
}

export type EnvoyFilterOptions = ReturnType<ReturnType<typeof declareEnvoyFilter>["opts"]>;

export function declareEnvoy(manifest: CommandUnknownOpts) {
  return addCommonOptions(
    manifest.command("envoy").description("a static Envoy bootstrap that runs the filter locally: envoy -c envoy.yaml"),
    envoyFailStrategies,
  )
    .option("--port <port>", "listener port", parseInteger, 10000)
    .option("--address <ip>", "listener address", "0.0.0.0")
    .option("--admin-port <port>", "admin interface port (on 127.0.0.1)", parseInteger, 9901)
    .option("--upstream <host:port>", "route requests here (default: answer 200 directly); required for a NETWORK filter")
    .option("--cluster <name=host:port>", "a cluster the filter's HTTP callouts name (repeatable)", collect)
    .option("--grpc-cluster <name=host:port>", "a cluster the filter's gRPC calls name, speaking HTTP/2 (repeatable)", collect)
    .option("--service-vm-id <id>", "also run the module as a singleton wasm service on the main thread, in its own VM with this vm_id")
    .option("--service-config <json|@file>", "the wasm service's configuration: inline JSON, or @file (JSON or YAML); needs --service-vm-id")
    .option(
      "--module-path <path>",
      "the module's path as written into the bootstrap (default: --image made absolute); relative paths are read from envoy's working directory",
    )
    .option(
      "--stats-tag <name=regex>",
      "an Envoy stats tag: the regex's first group is cut from the stat name, its second is the tag value (repeatable)",
      collect,
    )
    .option(
      "--buffer-limit <bytes>",
      "the listener's per-connection buffer limit (Envoy's default 1048576): the most of a body a filter can hold, with the chunk arriving on top",
      parseInteger,
    )
    .option("--fetch-timeout <duration>", "timeout of an http(s) module fetch", "10s")
    .option("--failure-policy <policy>", failurePolicyHelp);
}

export type EnvoyOptions = ReturnType<ReturnType<typeof declareEnvoy>["opts"]>;
