// The static Envoy bootstrap, and the wasm filter Envoy runs (shared with Istio's EnvoyFilter).
import { UsageError } from "../../errors.js";
import type { Io } from "../../io.js";
import { parseCluster, parseEnv, parseFailure, parseHostPort, parseStatsTag } from "./flags.js";
import type { WasmCode, WasmFilterInput, WasmSource } from "../../manifests/index.js";
import { checkedConfig } from "./config.js";
import { classify, filterType, httpSha256, isFile, manifests } from "./module.js";
import type { CommonOptions, EnvoyOptions } from "./options.js";

export async function envoyYaml(options: EnvoyOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  const filter = await wasmFilterInput(options, source, io);
  // The bootstrap is for an Envoy on this machine: a module that is not there yet would stop it at start-up.
  if (source.kind === "file" && !isFile(source.path)) {
    io.stderr.write(`warning: ${source.path} does not exist yet: build it before running envoy -c with this bootstrap\n`);
  }
  if (options.modulePath !== undefined) {
    if (filter.code.kind !== "file") throw new UsageError("--module-path: applies to a local module only", "an http(s) module is fetched by its url");
    filter.code = { kind: "file", path: options.modulePath };
  }
  if (options.serviceConfig !== undefined && options.serviceVmId === undefined) {
    throw new UsageError(
      "--service-config: configures the wasm service, which needs --service-vm-id <id>",
      "add --service-vm-id (the vm_id filters reach the service by)",
    );
  }
  if (options.serviceVmId !== undefined && (options.serviceVmId.trim() === "" || options.serviceVmId === filter.name)) {
    // A VM of its own: sharing the filter's vm_id would put both plugins' root contexts in one VM.
    throw new UsageError(
      `--service-vm-id: "${options.serviceVmId}" ${options.serviceVmId.trim() === "" ? "is empty" : "is the filter's vm_id (--name)"}`,
      "give the wasm service a vm_id of its own",
    );
  }
  const service =
    options.serviceVmId === undefined
      ? undefined
      : {
          vmId: options.serviceVmId,
          configuration: await checkedConfig(options, source, io, { value: options.serviceConfig, flag: "--service-config", field: "serviceConfig" }),
        };
  return m.toYaml(
    m.buildEnvoyBootstrap({
      filter,
      port: options.port,
      address: options.address,
      adminPort: options.adminPort,
      upstream: options.upstream === undefined ? undefined : parseHostPort(options.upstream, "--upstream"),
      clusters: (options.cluster ?? []).map((value) => parseCluster(value)),
      grpcClusters: (options.grpcCluster ?? []).map((value) => parseCluster(value, "--grpc-cluster")),
      service,
      statsTags: (options.statsTag ?? []).map(parseStatsTag),
      bufferLimit: options.bufferLimit,
    }),
  );
}

/** What Envoy needs to run the module: for EnvoyFilter and the bootstrap alike. */
export async function wasmFilterInput(
  options: CommonOptions & { fetchTimeout: string; failurePolicy?: string },
  source: WasmSource,
  io: Io,
  fetchCluster?: string,
): Promise<WasmFilterInput> {
  const m = await manifests();
  if (source.kind === "oci") {
    throw new UsageError("--image: Envoy cannot load oci:// images", "use `manifest wasmplugin`, or give a .wasm file or an http(s) url");
  }
  const failure = parseFailure(options.failStrategy, options.failurePolicy);
  const type = await filterType(options, source, io);
  const configuration = await checkedConfig(options, source, io);
  let code: WasmCode;
  if (source.kind === "file") {
    code = { kind: "file", path: source.path };
  } else {
    const sha256 = await httpSha256(source, options, io);
    code = { kind: "http", url: source.url, sha256, cluster: fetchCluster ?? m.fetchClusterName(source.url), timeout: options.fetchTimeout };
  }
  return {
    type,
    name: options.name ?? m.defaultName(source),
    rootId: options.pluginName,
    code,
    configuration,
    ...failure,
    env: parseEnv(options.env ?? [], options.envFromHost ?? []),
  };
}
