import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { writeAtomically } from "../atomic-write.js";
import { CliError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { flagHint } from "../manifests/hints.js";
import { envoyGatewayHint, higressHint } from "./manifest-hints.js";
import type {
  EnvoyExtensionPolicyInput,
  FilterType,
  HigressWasmPluginInput,
  WasmCode,
  WasmFilterInput,
  WasmPluginInput,
  WasmSource,
} from "../manifests/index.js";

/** Flags shared by the three generators. */
interface CommonOptions {
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

interface WasmPluginOptions extends CommonOptions {
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
type DigestOptions = Pick<WasmPluginOptions, "digest" | "ociLayout" | "plainHttp">;

interface EnvoyGatewayOptions extends CommonOptions {
  namespace?: string;
  digest?: string;
  ociLayout?: string;
  targetRef?: string[];
  imagePullPolicy?: string;
  imagePullSecret?: string;
}

interface HigressOptions extends CommonOptions {
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

interface EnvoyFilterOptions extends CommonOptions {
  namespace?: string;
  context?: string;
  priority?: string;
  selector?: string[];
  targetRef?: string[];
  fetchCluster?: string;
  fetchTimeout: string;
  failurePolicy?: string;
}

interface EnvoyOptions extends CommonOptions {
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

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The generators load on use (they bring ajv and yaml), keeping `--help` and other commands fast. */
const manifests = () => import("../manifests/index.js");

export function registerManifest(program: Command, io: Io): void {
  const manifest = program
    .command("manifest")
    .description("generate Istio, Envoy Gateway, Higress and Envoy manifests that deploy a filter (validated before output)");

  const wasmplugin = addCommonOptions(
    manifest.command("wasmplugin").description("an Istio WasmPlugin (extensions.istio.io/v1alpha1), sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN | FAIL_RELOAD",
  ).option("--namespace <ns>", "metadata.namespace");
  addImagePinOptions(wasmplugin)
    .option("--phase <phase>", "AUTHN | AUTHZ | STATS | UNSPECIFIED_PHASE")
    .option("--priority <n>", "ordering within the phase (higher first)")
    .option("--selector <key=value,...>", "workload selector matchLabels (repeatable)", collect)
    .option("--target-ref <[group/]Kind/name>", "attach to a Gateway, GatewayClass, Service or ServiceEntry (repeatable)", collect)
    .option("--image-pull-policy <policy>", "IfNotPresent | Always | UNSPECIFIED_POLICY")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the plugin's namespace")
    .option("--match <MODE[:PORT,...]>", "traffic selector: CLIENT | SERVER | CLIENT_AND_SERVER | UNDEFINED, with ports (repeatable)", collect);
  wasmplugin.addHelpText(
    "after",
    `
The url is oci://<image> for a registry image, pinned by the image MANIFEST digest (looked up in the
registry, in --oci-layout, or given with --digest); http(s)://… pinned by the module's sha256 (--sha256,
or computed from --wasm); file://… for a module on the proxy's disk.

Examples:
  $ as-proxy-wasm manifest wasmplugin --image ghcr.io/acme/add-header:v1 --selector app=web --config @config.yaml
  $ as-proxy-wasm manifest wasmplugin --image ghcr.io/acme/add-header:v1 --digest "$(as-proxy-wasm push build/plugin.wasm ghcr.io/acme/add-header:v1 --json | jq -r .digest)"
  $ as-proxy-wasm manifest wasmplugin --image ghcr.io/acme/auth:v1 --target-ref Gateway/ingress --phase AUTHN -o auth.yaml`,
  );
  wasmplugin.action(async (options: WasmPluginOptions) => emit(await wasmPluginYaml(options, io), options, io));

  const envoygateway = addCommonOptions(
    manifest
      .command("envoygateway")
      .description("an Envoy Gateway EnvoyExtensionPolicy (gateway.envoyproxy.io/v1alpha1) with one wasm extension, sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN (writes failOpen)",
  ).option("--namespace <ns>", "metadata.namespace (the Gateway's or route's namespace)");
  addImagePinOptions(envoygateway)
    .option("--target-ref <[group/]Kind/name>", "attach to a Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute or UDPRoute (repeatable, required)", collect)
    .option("--image-pull-policy <policy>", "IfNotPresent | Always")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the policy's namespace (see `manifest pull-secret`)");
  envoygateway.addHelpText(
    "after",
    `
A registry image becomes code.type Image (url without oci://, code.image.sha256 the image MANIFEST digest);
an http(s) url becomes code.type HTTP pinned by the module's sha256. Envoy Gateway runs HTTP filters only
and passes only the proxy's own variables into the VM (--env-from-host).

Examples:
  $ as-proxy-wasm manifest envoygateway --image ghcr.io/acme/add-header:v1 --target-ref Gateway/eg --config @config.yaml
  $ as-proxy-wasm manifest envoygateway --image ghcr.io/acme/auth:v1 --target-ref HTTPRoute/backend --image-pull-secret ghcr-pull`,
  );
  envoygateway.action(async (options: EnvoyGatewayOptions) => emit(await envoyGatewayYaml(options, io), options, io));

  const higress = addCommonOptions(
    manifest.command("higress").description("a Higress WasmPlugin (extensions.higress.io/v1alpha1), sha256 pinned"),
    "FAIL_CLOSE | FAIL_OPEN",
  ).option("--namespace <ns>", "metadata.namespace (Higress watches higress-system)");
  addImagePinOptions(higress)
    .option("--phase <phase>", "AUTHN | AUTHZ | STATS | UNSPECIFIED_PHASE")
    .option("--priority <n>", "ordering within the phase (higher first)")
    .option("--image-pull-policy <policy>", "IfNotPresent | Always | UNSPECIFIED_POLICY")
    .option("--image-pull-secret <secret>", "name of a docker pull secret in the plugin's namespace (see `manifest pull-secret`)")
    .option(
      "--match-rule <KIND=NAME,…[;CONFIG]>",
      "a rule for domains, ingresses or services: its own configuration (@file or JSON) or `disable` (repeatable)",
      collect,
    )
    .option("--default-config-disable", "run the plugin only where a --match-rule selects");
  higress.addHelpText(
    "after",
    `
--config is the plugin's defaultConfig (everywhere no rule matches); each --match-rule gives the domains
(api.example.com, *.example.com), ingresses (namespace/name) or services (name.namespace.svc.cluster.local)
it names their own configuration.

Examples:
  $ as-proxy-wasm manifest higress --image ghcr.io/acme/add-header:v1 --config '{"header":"x-hello"}' --namespace higress-system
  $ as-proxy-wasm manifest higress --image ghcr.io/acme/auth:v1 --phase AUTHN --priority 100 \
      --match-rule 'domain=api.example.com;@api.yaml' --match-rule 'ingress=default/public;disable'`,
  );
  higress.action(async (options: HigressOptions) => emit(await higressYaml(options, io), options, io));

  manifest
    .command("pull-secret")
    .description("a kubernetes.io/dockerconfigjson Secret from your stored login, for --image-pull-secret")
    .requiredOption("--registry <host>", "registry host whose stored login goes in the secret, e.g. ghcr.io")
    .option("--name <name>", "metadata.name (default: <registry>-pull, e.g. ghcr-io-pull)")
    .option("--namespace <ns>", "metadata.namespace: the WasmPlugin's or policy's namespace")
    .option("-o, --output <file>", "write the Secret to this file (created 0600) instead of stdout")
    .addHelpText(
      "after",
      `
The login comes from where push and pull find it: AS_PROXY_WASM_REGISTRY_USERNAME/PASSWORD, the docker
config.json, or its credsStore/credHelpers helper (\`as-proxy-wasm login\`, \`docker login\`). The Secret holds
the password: it goes to stdout or a file only you can read, never to the log.

Examples:
  $ as-proxy-wasm manifest pull-secret --registry ghcr.io --namespace istio-system | kubectl apply -f -
  $ as-proxy-wasm manifest pull-secret --registry ghcr.io --name ghcr-pull -o ghcr-pull.yaml`,
    )
    .action(async (options: { registry: string; name?: string; namespace?: string; output?: string }) => {
      const m = await manifests();
      const { configKey, storedCredential } = await import("../oci/index.js");
      const { registry, credential } = await storedCredential(options.registry, io.env);
      if (!credential) {
        throw new CliError(`no stored login for ${registry}`, 1, `log in first: as-proxy-wasm login ${registry} -u <user> --password-stdin`);
      }
      const name =
        options.name ??
        `${registry
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, "-")
          .replace(/^-+|-+$/g, "")}-pull`;
      const secret = m.buildPullSecret({ name, namespace: options.namespace, registryKey: configKey(registry), login: credential }, { hint: flagHint });
      await emit(m.toYaml(secret), options, io, { mode: 0o600 });
    });

  const envoyfilter = addCommonOptions(
    manifest
      .command("envoyfilter")
      .description("an Istio EnvoyFilter (networking.istio.io/v1alpha3) inserting the wasm filter before the router (HTTP) or tcp_proxy (NETWORK)"),
    envoyFailStrategies,
  )
    .option("--namespace <ns>", "metadata.namespace")
    .option("--context <context>", "SIDECAR_INBOUND | SIDECAR_OUTBOUND | GATEWAY", "SIDECAR_INBOUND")
    .option("--priority <n>", "order among EnvoyFilters")
    .option("--selector <key=value,...>", "workloadSelector labels (repeatable)", collect)
    .option("--target-ref <[group/]Kind/name>", "attach to a resource instead of a selector (repeatable)", collect)
    .option("--fetch-cluster <name>", "an existing cluster to fetch an http(s) module through (default: add one)")
    .option("--fetch-timeout <duration>", "timeout of the http(s) fetch", "10s")
    .option("--failure-policy <policy>", failurePolicyHelp);
  envoyfilter.addHelpText(
    "after",
    `
The module comes from a file on the proxy's disk (local.filename) or an http(s) url (remote.http_uri,
pinned by --sha256 or the sha256 of --wasm, with a CLUSTER patch adding the fetch cluster).
A NETWORK filter is a NETWORK_FILTER patch inserting envoy.filters.network.wasm before tcp_proxy.
${failureHelp}

Examples:
  $ as-proxy-wasm manifest envoyfilter --image /var/local/wasm/filter.wasm --selector app=web
  $ as-proxy-wasm manifest envoyfilter --image https://cdn.example.com/filter.wasm --wasm build/plugin.wasm --context GATEWAY
  $ as-proxy-wasm manifest envoyfilter --image /var/local/wasm/tcp.wasm --type NETWORK --selector app=db`,
  );
  envoyfilter.action(async (options: EnvoyFilterOptions) => emit(await envoyFilterYaml(options, io), options, io));

  const envoy = addCommonOptions(
    manifest.command("envoy").description("a static Envoy bootstrap that runs the filter locally: envoy -c envoy.yaml"),
    envoyFailStrategies,
  )
    .option("--port <port>", "listener port", "10000")
    .option("--address <ip>", "listener address", "0.0.0.0")
    .option("--admin-port <port>", "admin interface port (on 127.0.0.1)", "9901")
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
    )
    .option("--fetch-timeout <duration>", "timeout of an http(s) module fetch", "10s")
    .option("--failure-policy <policy>", failurePolicyHelp);
  envoy.addHelpText(
    "after",
    `
Metrics the filter defines (proxy_define_metric) are on the admin interface: /stats lists them as
wasmcustom.<name> (e.g. curl -s localhost:9901/stats?filter=wasmcustom), /stats/prometheus as <name>.
Counters and gauges show at once; histograms after Envoy's next stats flush (every 5 s).
${failureHelp}

Examples:
  $ as-proxy-wasm manifest envoy --image build/plugin.wasm --upstream 127.0.0.1:8080 -o envoy.yaml && envoy -c envoy.yaml
  $ as-proxy-wasm manifest envoy --image build/plugin.wasm --config '{"header":"x-hello"}' --port 8000
  $ as-proxy-wasm manifest envoy --image build/plugin.wasm --cluster auth-service=127.0.0.1:9000 --failure-policy FAIL_RELOAD
  $ as-proxy-wasm manifest envoy --image build/plugin.wasm --grpc-cluster authz=127.0.0.1:9000 --module-path build/plugin.wasm -o envoy.yaml
  $ as-proxy-wasm manifest envoy --image build/plugin.wasm --config @producer.json --service-vm-id consumer --service-config @consumer.json
  $ as-proxy-wasm manifest envoy --image build/tcp.wasm --type NETWORK --upstream 127.0.0.1:5432 --port 15432`,
  );
  envoy.action(async (options: EnvoyOptions) => emit(await envoyYaml(options, io), options, io));
}

const envoyFailStrategies = "FAIL_CLOSE | FAIL_OPEN (writes fail_open, which every Envoy reads)";
const failurePolicyHelp = "FAIL_CLOSED | FAIL_OPEN | FAIL_RELOAD: Envoy >= 1.33's failure_policy";
const failureHelp = `
When the filter's VM fails (a trap, an abort), Envoy 1.40 answers that request 503, then per
--failure-policy: FAIL_CLOSED (Envoy's default) 503 to every later request; FAIL_OPEN skips the filter;
FAIL_RELOAD starts a new VM on a later request (after a backoff of about a second). The older
--fail-strategy FAIL_OPEN (fail_open) skips the filter from the failed request on. Envoy refuses both
fields together, so with --failure-policy only failure_policy is written; --fail-strategy, if also
given, must agree on failing open or closed.`;

/** How a registry image's digest is found without asking the registry. */
function addImagePinOptions(command: Command): Command {
  return command
    .option("--digest <sha256:hex>", "image manifest digest (from `push --json`) instead of looking it up")
    .option("--oci-layout <dir[:tag]>", "look the digest up in this OCI image layout (written by `push --oci-layout`) instead of the registry");
}

function addCommonOptions(command: Command, failStrategies: string): Command {
  return (
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
      // Every generator takes it (the CLI contract), though only wasmplugin's digest lookup talks to a registry.
      .option("--plain-http", "use plain HTTP to reach the registry (loopback registries use it anyway)")
      .option("--type <type>", "HTTP | NETWORK (default: NETWORK for a local module with TCP callbacks only, else HTTP)")
      .option("-o, --output <file>", "write the YAML here instead of stdout")
  );
}

async function wasmPluginYaml(options: WasmPluginOptions, io: Io): Promise<string> {
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
    priority: options.priority === undefined ? undefined : m.parseInteger(options.priority),
    selector: options.selector ? m.parseLabels(options.selector, "--selector") : undefined,
    targetRefs: (options.targetRef ?? []).map(m.parseTargetRef),
    failStrategy: options.failStrategy,
    imagePullPolicy: options.imagePullPolicy,
    imagePullSecret: options.imagePullSecret,
    match: (options.match ?? []).map(m.parseMatch),
    // HTTP is Istio's default, so the type is only written when asked for or when the module is a network filter.
    type: options.type ?? ((await localModuleType(source, options, io)) === "NETWORK" ? "NETWORK" : undefined),
    env: m.parseEnv(options.env ?? [], options.envFromHost ?? []),
  };
  // Everything but the digest is checked before the registry is asked: a typo fails fast, offline.
  m.buildWasmPlugin(input);
  const sha256 =
    source.kind === "oci"
      ? await ociDigest(source, options, io)
      : source.kind === "http"
        ? await httpSha256(source, options, io)
        : await moduleSha256(source, options, io);
  return m.toYaml(m.buildWasmPlugin({ ...input, sha256 }));
}

async function envoyGatewayYaml(options: EnvoyGatewayOptions, io: Io): Promise<string> {
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
    targetRefs: (options.targetRef ?? []).map(m.parseTargetRef),
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
  m.buildEnvoyExtensionPolicy(input, { hint: envoyGatewayHint });
  const sha256 = source.kind === "oci" ? await ociDigest(source, options, io) : await httpSha256(source, options, io);
  return m.toYaml(m.buildEnvoyExtensionPolicy({ ...input, code: { ...input.code, sha256 } }, { hint: envoyGatewayHint }));
}

async function higressYaml(options: HigressOptions, io: Io): Promise<string> {
  const m = await manifests();
  const source = await classify(options, io);
  await httpFilterOnly(options, source, io, "Higress");
  digestOnlyForImages(source, options);
  const matchRules = await Promise.all(
    (options.matchRule ?? []).map(async (value) => {
      const { rule, config } = m.parseMatchRule(value);
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
    priority: options.priority === undefined ? undefined : m.parseInteger(options.priority),
    failStrategy: options.failStrategy,
    env: m.parseEnv(options.env ?? [], options.envFromHost ?? []),
    defaultConfig: await checkedConfig(options, source, io),
    defaultConfigDisable: options.defaultConfigDisable,
    matchRules,
  };
  m.buildHigressWasmPlugin(input, { hint: higressHint });
  const sha256 =
    source.kind === "oci"
      ? await ociDigest(source, options, io)
      : source.kind === "http"
        ? await httpSha256(source, options, io)
        : await moduleSha256(source, options, io);
  return m.toYaml(m.buildHigressWasmPlugin({ ...input, sha256 }, { hint: higressHint }));
}

/** Envoy Gateway and Higress insert HTTP filters only: a network filter (by --type or the module's exports) is refused. */
async function httpFilterOnly(options: CommonOptions, source: WasmSource, io: Io, proxy: string): Promise<void> {
  if ((await filterType(options, source, io)) === "NETWORK") {
    throw new UsageError(
      `--type: ${proxy} runs HTTP filters only (this is a NETWORK filter)`,
      "deploy a network filter with `manifest envoyfilter` or `manifest envoy`",
    );
  }
}

function digestOnlyForImages(source: WasmSource, options: DigestOptions): void {
  if (source.kind !== "oci" && (options.digest !== undefined || options.ociLayout !== undefined)) {
    throw new UsageError(
      `${options.digest !== undefined ? "--digest" : "--oci-layout"}: applies to registry images only`,
      "for an http(s) or file url, pin the module with --sha256 or --wasm",
    );
  }
}

/** `--fail-strategy` → Envoy Gateway's `failOpen`. */
function parseFailStrategy(strategy: string): boolean {
  if (strategy !== "FAIL_OPEN" && strategy !== "FAIL_CLOSE") {
    throw new UsageError(`--fail-strategy: must be one of FAIL_CLOSE, FAIL_OPEN (got "${strategy}")`);
  }
  return strategy === "FAIL_OPEN";
}

async function envoyFilterYaml(options: EnvoyFilterOptions, io: Io): Promise<string> {
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
      selector: options.selector ? m.parseLabels(options.selector, "--selector") : undefined,
      targetRefs: (options.targetRef ?? []).map(m.parseTargetRef),
      priority: options.priority === undefined ? undefined : m.parseInteger(options.priority),
    }),
  );
}

async function envoyYaml(options: EnvoyOptions, io: Io): Promise<string> {
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
      port: m.parseInteger(options.port),
      address: options.address,
      adminPort: m.parseInteger(options.adminPort),
      upstream: options.upstream === undefined ? undefined : m.parseHostPort(options.upstream, "--upstream"),
      clusters: (options.cluster ?? []).map((value) => m.parseCluster(value)),
      grpcClusters: (options.grpcCluster ?? []).map((value) => m.parseCluster(value, "--grpc-cluster")),
      service,
      statsTags: (options.statsTag ?? []).map(m.parseStatsTag),
      bufferLimit: options.bufferLimit === undefined ? undefined : m.parseInteger(options.bufferLimit),
    }),
  );
}

/** What Envoy needs to run the module: for EnvoyFilter and the bootstrap alike. */
async function wasmFilterInput(
  options: CommonOptions & { fetchTimeout: string; failurePolicy?: string },
  source: WasmSource,
  io: Io,
  fetchCluster?: string,
): Promise<WasmFilterInput> {
  const m = await manifests();
  if (source.kind === "oci") {
    throw new UsageError("--image: Envoy cannot load oci:// images", "use `manifest wasmplugin`, or give a .wasm file or an http(s) url");
  }
  const failure = m.parseFailure(options.failStrategy, options.failurePolicy);
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
    env: m.parseEnv(options.env ?? [], options.envFromHost ?? []),
  };
}

/** `--type`, or what the local module's exports say; HTTP without either. */
async function filterType(options: CommonOptions, source: WasmSource, io: Io): Promise<FilterType> {
  const { filterTypes } = await manifests();
  if (options.type === undefined) return (await localModuleType(source, options, io)) ?? "HTTP";
  if (!filterTypes.includes(options.type as FilterType)) {
    throw new UsageError(`--type: must be one of ${filterTypes.join(", ")} (got "${options.type}")`);
  }
  return options.type as FilterType;
}

/** The filter type the exports of the module on this machine show, when there is one (see `moduleFilterType`). */
async function localModuleType(source: WasmSource, options: CommonOptions, io: Io): Promise<FilterType | undefined> {
  const local = localModule(source, options, io);
  if (local === undefined || !isFile(local)) return undefined;
  return (await manifests()).moduleFilterType(await readInput(local, "--wasm"));
}

async function classify(options: CommonOptions, io: Io): Promise<WasmSource> {
  return (await manifests()).classifyImage(options.image, io.cwd, isFile);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The manifest digest for an `oci://` url, hex: pinned in the url, given by `--digest`, or looked up in the
 * OCI layout or the registry. An unreachable image is an error: an unpinned WasmPlugin is not what was asked.
 */
async function ociDigest(source: Extract<WasmSource, { kind: "oci" }>, options: DigestOptions, io: Io): Promise<string> {
  const { digestHex } = await manifests();
  if (options.digest !== undefined) return digestHex(options.digest);
  if (source.digest !== undefined) return digestHex(source.digest);
  const { resolveManifestDigest, parseReference } = await import("../oci/index.js");
  try {
    if (options.ociLayout !== undefined) {
      // A layout given without a tag is looked up by the image's tag: the one it will carry in the registry.
      const hasTag = /:[\w][\w.-]*$/.test(basename(options.ociLayout)) || options.ociLayout.includes("@");
      const layoutRef = hasTag ? options.ociLayout : `${options.ociLayout}:${parseReference(source.reference).reference}`;
      return digestHex(await resolveManifestDigest(resolve(io.cwd, layoutRef), { ociLayout: true, io }));
    }
    return digestHex(await resolveManifestDigest(source.reference, { plainHttp: options.plainHttp, io }));
  } catch (error) {
    if (!(error instanceof CliError) || error.hint) throw error;
    throw new CliError(error.message, error.exitCode, "pin it without a lookup: --digest sha256:… (from `push --json`)");
  }
}

/** sha256 of the module itself: `--sha256`, or computed from its local copy (which `--sha256`, when given too, must match). */
async function moduleSha256(source: WasmSource, options: CommonOptions, io: Io): Promise<string | undefined> {
  const local = localModule(source, options, io);
  const computed = local
    ? createHash("sha256")
        .update(await readInput(local, "--wasm"))
        .digest("hex")
    : undefined;
  if (options.sha256 !== undefined && computed !== undefined && options.sha256 !== computed) {
    throw new UsageError(`--sha256: does not match ${local} (its sha256 is ${computed})`);
  }
  return options.sha256 ?? computed;
}

/** An http(s) url must be pinned: Envoy requires the sha256 of a remote module, and the WasmPlugin is pinned by design. */
async function httpSha256(source: WasmSource, options: CommonOptions, io: Io): Promise<string> {
  const sha256 = await moduleSha256(source, options, io);
  if (sha256 === undefined) {
    throw new UsageError("--sha256: an http(s) url must be pinned by the module's sha256", "pass --sha256 <hex>, or --wasm <file> to compute it");
  }
  return sha256;
}

/** The module on this machine, if there is one: the `--image` file itself, or `--wasm`. */
function localModule(source: WasmSource, options: CommonOptions, io: Io): string | undefined {
  if (source.kind === "file" && isFile(source.path)) return source.path;
  return options.wasm === undefined ? undefined : resolve(io.cwd, options.wasm);
}

/** The `--config` value (or another flag's configuration for the same module), checked against the filter project's configuration schema when there is one. */
async function checkedConfig(
  options: CommonOptions,
  source: WasmSource,
  io: Io,
  { value, flag, field }: { value?: string; flag: string; field: string } = { value: options.config, flag: "--config", field: "pluginConfig" },
): Promise<unknown> {
  if (value === undefined) return undefined;
  const config = await readConfig(value, io, flag);
  const schemaPath = options.configSchema ? resolve(io.cwd, options.configSchema) : projectConfigSchema(source, options, io);
  if (schemaPath) {
    const schema = parseJson(await readInput(schemaPath, "--config-schema"), schemaPath);
    (await manifests()).validatePluginConfig(schema, config, field, basename(schemaPath));
  }
  return config;
}

/** Name of the configuration schema a filter project declares at its root (as `init` templates do). */
const configSchemaFile = "config.schema.json";

/** The project of the local module (or of the working directory): nearest folder with a package.json. */
function projectConfigSchema(source: WasmSource, options: CommonOptions, io: Io): string | undefined {
  const module = localModule(source, options, io);
  let dir = module ? dirname(module) : io.cwd;
  for (;;) {
    if (existsSync(join(dir, "package.json"))) {
      const schema = join(dir, configSchemaFile);
      return existsSync(schema) ? schema : undefined;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** `--config '{"a":1}'` (JSON) or `--config @file` (JSON or YAML). */
async function readConfig(value: string, io: Io, flag = "--config"): Promise<unknown> {
  if (!value.startsWith("@")) return parseJson(value, flag);
  const path = resolve(io.cwd, value.slice(1));
  const text = (await readInput(path, flag)).toString("utf8");
  if (path.endsWith(".json")) return parseJson(text, path);
  const { parse } = await import("yaml");
  try {
    return parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: ${path} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
}

function parseJson(text: string | Buffer, what: string): unknown {
  try {
    return JSON.parse(text.toString());
  } catch (error) {
    throw new UsageError(`${what}: not valid JSON: ${(error as Error).message}`);
  }
}

async function readInput(path: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new UsageError(`${flag}: cannot read ${path}`);
  }
}

/** Writes only once everything is built and valid, and atomically, so a failure leaves no partial output. */
async function emit(yaml: string, options: { output?: string }, io: Io, file: { mode?: number } = {}): Promise<void> {
  if (options.output === undefined) {
    io.stdout.write(yaml);
    return;
  }
  try {
    await writeAtomically(resolve(io.cwd, options.output), yaml, file);
  } catch (error) {
    throw new CliError(`cannot write ${options.output}: ${(error as Error).message}`);
  }
}
