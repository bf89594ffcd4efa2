// Envoy Gateway's EnvoyExtensionPolicy and Higress's WasmPlugin.
import { UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import { parseEnv, parseMatchRule, parseTargetRef } from "./flags.js";
import type { EnvoyExtensionPolicyInput, HigressWasmPluginInput } from "../../manifests/index.js";
import { checkedConfig, readConfig } from "./config.js";
import { classify, digestOnlyForImages, httpFilterOnly, httpSha256, manifests, ociDigest, pinnedSha256 } from "./module.js";
import type { EnvoyGatewayOptions, HigressOptions } from "./options.js";

export async function envoyGatewayYaml(options: EnvoyGatewayOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  if (source.kind === "file") {
    throw new UsageError(
      "--image: Envoy Gateway loads modules from a registry image or an http(s) url only",
      "push it (`as-proxy-wasm push`) or serve it over http(s)",
    );
  }
  await httpFilterOnly(options, source, io, "Envoy Gateway");
  digestOnlyForImages(source, options);
  if (options.env?.length) {
    throw new UsageError(
      "--env: Envoy Gateway passes no inline variables into the VM",
      "set them in the proxy's environment and name them with --env-from-host",
    );
  }
  const failOpen = options.failStrategy === undefined ? undefined : parseFailStrategy(options.failStrategy);
  const config = await checkedConfig(options, source, io);
  const name = options.name ?? m.defaultName(source);
  const input: EnvoyExtensionPolicyInput = {
    name,
    namespace: options.namespace,
    targetRefs: (options.targetRef ?? []).map(parseTargetRef),
    code:
      source.kind === "oci"
        ? { type: "Image", url: source.reference, pullSecret: options.imagePullSecret, pullPolicy: options.imagePullPolicy }
        : { type: "HTTP", url: source.url, pullPolicy: options.imagePullPolicy },
    wasmName: name,
    rootId: options.pluginName,
    config,
    failOpen,
    hostKeys: options.envFromHost,
  };
  if (source.kind === "http" && options.imagePullSecret !== undefined) {
    throw new UsageError("--image-pull-secret: applies to registry images only");
  }
  m.buildEnvoyExtensionPolicy(input);
  const sha256 = source.kind === "oci" ? await ociDigest(source, options, io) : await httpSha256(source, options, io);
  return m.toYaml(m.buildEnvoyExtensionPolicy({ ...input, code: { ...input.code, sha256 } }));
}

export async function higressYaml(options: HigressOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  await httpFilterOnly(options, source, io, "Higress");
  digestOnlyForImages(source, options);
  const matchRules = await Promise.all(
    (options.matchRule ?? []).map(async (value) => {
      const { rule, config } = parseMatchRule(value);
      return config === undefined ? rule : { ...rule, config: await readConfig(config, io, "--match-rule") };
    }),
  );
  const input: HigressWasmPluginInput = {
    name: options.name ?? m.defaultName(source),
    namespace: options.namespace,
    url: source.url,
    imagePullPolicy: options.imagePullPolicy,
    imagePullSecret: options.imagePullSecret,
    pluginName: options.pluginName,
    phase: options.phase,
    priority: options.priority,
    failStrategy: options.failStrategy,
    env: parseEnv(options.env ?? [], options.envFromHost ?? []),
    defaultConfig: await checkedConfig(options, source, io),
    defaultConfigDisable: options.defaultConfigDisable,
    matchRules,
  };
  m.buildHigressWasmPlugin(input);
  const sha256 = await pinnedSha256(source, options, io);
  return m.toYaml(m.buildHigressWasmPlugin({ ...input, sha256 }));
}

/** `--fail-strategy` → Envoy Gateway's `failOpen`. */
function parseFailStrategy(strategy: string): boolean {
  if (strategy !== "FAIL_OPEN" && strategy !== "FAIL_CLOSE") {
    throw new UsageError(`--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "${strategy}")`);
  }
  return strategy === "FAIL_OPEN";
}
