// Istio's WasmPlugin and EnvoyFilter.
import type { Io } from "../../io.js";
import { parseEnv, parseLabels, parseMatch, parseTargetRef } from "./flags.js";
import type { WasmPluginInput } from "../../manifests/index.js";
import { checkedConfig } from "./config.js";
import { wasmFilterInput } from "./envoy.js";
import { classify, digestOnlyForImages, localModuleType, manifests, pinnedSha256 } from "./module.js";
import type { EnvoyFilterOptions, WasmPluginOptions } from "./options.js";

export async function wasmPluginYaml(options: WasmPluginOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  digestOnlyForImages(source, options);
  const input: WasmPluginInput = {
    name: options.name ?? m.defaultName(source),
    namespace: options.namespace,
    url: source.url,
    pluginConfig: await checkedConfig(options, source, io),
    pluginName: options.pluginName,
    phase: options.phase,
    priority: options.priority,
    selector: options.selector ? parseLabels(options.selector, "--selector") : undefined,
    targetRefs: (options.targetRef ?? []).map(parseTargetRef),
    failStrategy: options.failStrategy,
    imagePullPolicy: options.imagePullPolicy,
    imagePullSecret: options.imagePullSecret,
    match: (options.match ?? []).map(parseMatch),
    // HTTP is Istio's default, so the type is only written when asked for or when the module is a network filter.
    type: options.type ?? ((await localModuleType(source, options, io)) === "NETWORK" ? "NETWORK" : undefined),
    env: parseEnv(options.env ?? [], options.envFromHost ?? []),
  };
  // Everything but the digest is checked before the registry is asked: a typo fails fast, offline.
  m.buildWasmPlugin(input);
  const sha256 = await pinnedSha256(source, options, io);
  return m.toYaml(m.buildWasmPlugin({ ...input, sha256 }));
}

export async function envoyFilterYaml(options: EnvoyFilterOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  const filter = await wasmFilterInput(options, source, io, options.fetchCluster);
  return m.toYaml(
    m.buildEnvoyFilter({
      name: filter.name,
      namespace: options.namespace,
      context: options.context,
      filter,
      existingFetchCluster: options.fetchCluster !== undefined,
      selector: options.selector ? parseLabels(options.selector, "--selector") : undefined,
      targetRefs: (options.targetRef ?? []).map(parseTargetRef),
      priority: options.priority,
    }),
  );
}
