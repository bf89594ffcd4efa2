// The flags of the manifest generators, typed: what commander parses (declared once here for every
// generator that shares them) is what the generators read.
import type { Command } from "commander";
import { addPlainHttpOption } from "../../oci/cli-options.js";

/** Flags shared by the three generators. */
export interface CommonOptions {
  image: string;
  config?: string;
  configSchema?: string;
  wasm?: string;
  sha256?: string;
  name?: string;
  pluginName?: string;
  failStrategy?: string;
  env?: string[];
  envFromHost?: string[];
  plainHttp?: boolean;
  output?: string;
  type?: string;
}

export interface WasmPluginOptions extends CommonOptions {
  namespace?: string;
  digest?: string;
  ociLayout?: string;
  phase?: string;
  priority?: string;
  selector?: string[];
  targetRef?: string[];
  imagePullPolicy?: string;
  imagePullSecret?: string;
  match?: string[];
}

/** How a registry image is pinned: shared by every generator that writes an `oci://` image. */
export type DigestOptions = Pick<WasmPluginOptions, "digest" | "ociLayout" | "plainHttp">;

export interface EnvoyGatewayOptions extends CommonOptions {
  namespace?: string;
  digest?: string;
  ociLayout?: string;
  targetRef?: string[];
  imagePullPolicy?: string;
  imagePullSecret?: string;
}

export interface HigressOptions extends CommonOptions {
  namespace?: string;
  digest?: string;
  ociLayout?: string;
  phase?: string;
  priority?: string;
  imagePullPolicy?: string;
  imagePullSecret?: string;
  matchRule?: string[];
  defaultConfigDisable?: boolean;
}

export interface EnvoyFilterOptions extends CommonOptions {
  namespace?: string;
  context?: string;
  priority?: string;
  selector?: string[];
  targetRef?: string[];
  fetchCluster?: string;
  fetchTimeout: string;
  failurePolicy?: string;
}

export interface EnvoyOptions extends CommonOptions {
  port: string;
  address: string;
  adminPort: string;
  upstream?: string;
  cluster?: string[];
  grpcCluster?: string[];
  serviceVmId?: string;
  serviceConfig?: string;
  modulePath?: string;
  statsTag?: string[];
  bufferLimit?: string;
  fetchTimeout: string;
  failurePolicy?: string;
}

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
export function addImagePinOptions(command: Command): Command {
  return command
    .option("--digest <sha256:hex>", "image manifest digest (from `push --json`) instead of looking it up")
    .option("--oci-layout <dir[:tag]>", "look the digest up in this OCI image layout (written by `push --oci-layout`) instead of the registry");
}

export function addCommonOptions(command: Command, failStrategies: string): Command {
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
