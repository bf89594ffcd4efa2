// `manifest <kind>`: each generator's flags and help; the generators live beside this file.
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { CliError } from "../../errors.js";
import type { Io } from "../../io.js";
import { envoyGatewayHint, flagHint, flagged, higressHint } from "./hints.js";
import { emit } from "./config.js";
import { envoyYaml } from "./envoy.js";
import { envoyGatewayYaml, higressYaml } from "./gateways.js";
import { envoyFilterYaml, wasmPluginYaml } from "./istio.js";
import { manifests } from "./module.js";
import { declareEnvoy, declareEnvoyFilter, declareEnvoyGateway, declareHigress, declareWasmPlugin, failureHelp } from "./options.js";

export function registerManifest(program: CommandUnknownOpts, io: Io): void {
  const manifest = program
    .command("manifest")
    .description("generate Istio, Envoy Gateway, Higress and Envoy manifests that deploy a filter (validated before output)");

  const wasmplugin = declareWasmPlugin(manifest);
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
  wasmplugin.action(async (options) => emit(await flagged(flagHint, () => wasmPluginYaml(options, io)), options, io));

  const envoygateway = declareEnvoyGateway(manifest);
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
  envoygateway.action(async (options) => emit(await flagged(envoyGatewayHint, () => envoyGatewayYaml(options, io)), options, io));

  const higress = declareHigress(manifest);
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
  higress.action(async (options) => emit(await flagged(higressHint, () => higressYaml(options, io)), options, io));

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
    .action(async (options) => {
      const m = await manifests();
      const { configKey, storedCredential } = await import("../../oci/index.js");
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
      const secret = await flagged(flagHint, async () =>
        m.buildPullSecret({ name, namespace: options.namespace, registryKey: configKey(registry), login: credential }),
      );
      await emit(m.toYaml(secret), options, io, { mode: 0o600 });
    });

  const envoyfilter = declareEnvoyFilter(manifest);
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
  envoyfilter.action(async (options) => emit(await flagged(flagHint, () => envoyFilterYaml(options, io)), options, io));

  const envoy = declareEnvoy(manifest);
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
  envoy.action(async (options) => emit(await flagged(flagHint, () => envoyYaml(options, io)), options, io));
}
