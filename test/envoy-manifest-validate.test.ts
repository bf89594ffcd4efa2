import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { join } from "node:path";
import { buildFixture } from "./fixtures/host/build.js";
import { manifest } from "./fixtures/manifests/cli.js";
import { envoyForTests, startEnvoy, validateEnvoyConfig, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { send, startHttpUpstream } from "./helpers/envoy-upstream.js";
import { filterModule, templateProject } from "./helpers/filters.js";

// What `manifest envoy` and `manifest envoyfilter` print, proven on real Envoy: `envoy --mode validate` loads
// and configures each real module, and a bootstrap run answers requests and shows the filter's metrics.

const envoy = envoyForTests();
const skip = envoy.skip;
let dir: string;
/** The examples' add-header filter, the `metrics` fixture, and the `tcp` and `http-callout` template projects. */
const modules = { addHeader: "", metrics: "", tcp: "", callout: "" };

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-envoy-validate-"));
  if (skip) return;
  modules.addHeader = await filterModule("example/add-header");
  modules.metrics = join(dir, "metrics.wasm");
  await writeFile(modules.metrics, await buildFixture("metrics"));
  modules.tcp = await templateProject("tcp");
  modules.callout = await templateProject("http-callout");
});

after(() => rm(dir, { recursive: true, force: true }));

/** `manifest <kind> …` in `cwd`, which must succeed; Envoy listens on free loopback ports. */
async function generate(kind: "envoy" | "envoyfilter", args: string[], cwd = dir): Promise<any> {
  const ports = kind === "envoy" ? ["--port", "0", "--admin-port", "0", "--address", "127.0.0.1"] : [];
  const run = await manifest([kind, ...args, ...ports], cwd);
  assert.equal(run.code, 0, run.stderr);
  return run.document;
}

async function assertAccepted(bootstrap: Record<string, unknown>): Promise<void> {
  const result = await validateEnvoyConfig(envoy.binary!, bootstrap);
  assert.ok(result.ok, `envoy --mode validate refused it:\n${result.problems.join("\n")}`);
}

const chain = (bootstrap: any) => bootstrap.static_resources.listeners[0].filter_chains[0];
const httpFilters = (bootstrap: any) => chain(bootstrap).filters[0].typed_config.http_filters;
const pluginConfig = (bootstrap: any) => httpFilters(bootstrap)[0].typed_config.config;

test("manifest envoy → envoy --mode validate: an HTTP filter answering directly, and routed to --upstream", { skip }, async () => {
  await assertAccepted(await generate("envoy", ["--image", modules.addHeader]));
  await assertAccepted(
    await generate("envoy", ["--image", modules.addHeader, "--upstream", "127.0.0.1:8080", "--env", "MODE=strict", "--plugin-name", "add_header"]),
  );
});

test(
  "--grpc-cluster (HTTP/2 protocol options), --service-vm-id/--service-config (a singleton WasmService) --stats-tag and --buffer-limit → envoy --mode validate",
  { skip },
  async () => {
    const bootstrap = await generate("envoy", [
      "--image",
      modules.addHeader,
      "--upstream",
      "127.0.0.1:8080",
      "--grpc-cluster",
      "authz=127.0.0.1:9000",
      "--service-vm-id",
      "add-header-service",
      "--service-config",
      '{"header":"x-service"}',
      "--stats-tag",
      String.raw`route=^wasmcustom\.add_header\.(route=([^.]+)\.)`,
      "--buffer-limit",
      "2097152",
    ]);
    assert.equal(bootstrap.bootstrap_extensions[0].typed_config.config.vm_config.vm_id, "add-header-service");
    await assertAccepted(bootstrap);
  },
);

test(
  "--service-vm-id/--service-config under envoy -c: the singleton service runs in its own VM and receives what the filter's workers send it",
  { skip },
  async () => {
    // examples/shared-queue: the HTTP filter (producer) enqueues a record per request into the queue the service (consumer) registered.
    const module = await filterModule("example/shared-queue");
    const upstream = await startHttpUpstream();
    try {
      const bootstrap = await generate("envoy", [
        "--image",
        module,
        "--upstream",
        `127.0.0.1:${upstream.port}`,
        "--config",
        JSON.stringify({ role: "producer", queue: "records", consumerVmId: "queue-consumer" }),
        "--service-vm-id",
        "queue-consumer",
        "--service-config",
        JSON.stringify({ role: "consumer", queue: "records" }),
      ]);
      await withValidatedEnvoy(
        envoy.binary!,
        bootstrap,
        async (proxy) => {
          const port = proxy.listenerPort("listener_http");
          for (const path of ["/a", "/b", "/c"]) assert.equal((await send(port, { path })).status, 200);
          let received = 0;
          for (const deadline = Date.now() + 10_000; received < 3 && Date.now() < deadline; await sleep(50)) {
            received = Number((await proxy.stats("shared_queue")).get("wasmcustom.shared_queue.received") ?? 0);
          }
          assert.equal(received, 3, "the consumer counted every record");
        },
        2,
      );
    } finally {
      await upstream.close();
    }
  },
);

test("each --failure-policy and --fail-strategy is accepted; both fields at once Envoy refuses, as the CLI does", { skip }, async () => {
  for (const policy of ["FAIL_CLOSED", "FAIL_OPEN", "FAIL_RELOAD"]) {
    const bootstrap = await generate("envoy", ["--image", modules.addHeader, "--failure-policy", policy]);
    assert.equal(pluginConfig(bootstrap).failure_policy, policy);
    await assertAccepted(bootstrap);
  }
  const older = await generate("envoy", ["--image", modules.addHeader, "--fail-strategy", "FAIL_OPEN"]);
  assert.equal(pluginConfig(older).fail_open, true);
  await assertAccepted(older);
  // Why `--fail-strategy FAIL_OPEN --failure-policy …` never writes both: even agreeing values are refused.
  pluginConfig(older).failure_policy = "FAIL_OPEN";
  const both = await validateEnvoyConfig(envoy.binary!, older);
  assert.equal(both.ok, false);
  assert.ok(
    both.problems.some((p) => p.includes("only one of fail_open or failure_policy can be set")),
    both.problems.join("\n"),
  );
});

test("a NETWORK filter (tcp template) proxying to --upstream", { skip }, async () => {
  const bootstrap = await generate("envoy", ["--image", "build/plugin.wasm", "--upstream", "127.0.0.1:5432", "--config", "@config.example.json"], modules.tcp);
  assert.equal(chain(bootstrap).filters[0].name, "envoy.filters.network.wasm");
  await assertAccepted(bootstrap);
});

test("a configuration the plugin refuses: Envoy's reason is reported", { skip }, async () => {
  const bootstrap = await generate("envoy", ["--image", modules.metrics, "--config", '{"refuse":true}']);
  const result = await validateEnvoyConfig(envoy.binary!, bootstrap);
  assert.equal(result.ok, false);
  assert.ok(
    result.problems.some((p) => /Unable to create Wasm plugin metrics/.test(p)),
    result.problems.join("\n"),
  );
  assert.ok(
    result.problems.some((p) => /failed to configure/i.test(p)),
    result.problems.join("\n"),
  );
});

test("manifest envoyfilter: the patched wasm filter (HTTP and NETWORK) in a bootstrap passes envoy --mode validate", { skip }, async () => {
  const http = await generate("envoyfilter", [
    "--image",
    modules.addHeader,
    "--failure-policy",
    "FAIL_RELOAD",
    "--config",
    '{"header":"x-hello"}',
    "--env-from-host",
    "HOSTNAME",
  ]);
  const httpBootstrap = await generate("envoy", ["--image", modules.addHeader]);
  httpFilters(httpBootstrap)[0] = http.spec.configPatches[0].patch.value;
  await assertAccepted(httpBootstrap);

  const tcp = await generate("envoyfilter", ["--image", "build/plugin.wasm", "--fail-strategy", "FAIL_OPEN"], modules.tcp);
  assert.equal(tcp.spec.configPatches[0].applyTo, "NETWORK_FILTER");
  const tcpBootstrap = await generate("envoy", ["--image", "build/plugin.wasm", "--upstream", "127.0.0.1:5432"], modules.tcp);
  chain(tcpBootstrap).filters[0] = tcp.spec.configPatches[0].patch.value;
  await assertAccepted(tcpBootstrap);
});

/** A loopback HTTP server: the callout's auth service (/check) and the upstream, answering with what it got. */
async function authAndUpstream(): Promise<{ server: Server; address: string }> {
  const server = createServer((request, response) => {
    if (request.url === "/check") {
      response.writeHead(request.headers.authorization === "Bearer good" ? 200 : 403).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ checked: request.headers["x-auth-checked"] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function withEnvoy(bootstrap: Record<string, unknown>, use: (proxy: EnvoyProcess, url: string) => Promise<void>): Promise<void> {
  await assertAccepted(bootstrap);
  const proxy = await startEnvoy({ binary: envoy.binary!, bootstrap });
  try {
    await use(proxy, `http://127.0.0.1:${proxy.listenerPort("listener_http")}`);
  } finally {
    await proxy.stop();
  }
}

test("--cluster: the http-callout template's callout (its example config names auth-service) reaches the cluster under envoy -c", { skip }, async () => {
  const { server, address } = await authAndUpstream();
  try {
    const args = ["--image", "build/plugin.wasm", "--config", "@config.example.json", "--upstream", address];
    const withCluster = await generate("envoy", [...args, "--cluster", `auth-service=${address}`], modules.callout);
    assert.deepEqual(
      withCluster.static_resources.clusters.map((c: { name: string }) => c.name),
      ["upstream", "auth-service"],
    );
    await withEnvoy(withCluster, async (_, url) => {
      const allowed = await fetch(`${url}/`, { headers: { authorization: "Bearer good" } });
      assert.equal(allowed.status, 200);
      assert.deepEqual(await allowed.json(), { checked: "true" });
      assert.equal((await fetch(`${url}/`, { headers: { authorization: "Bearer bad" } })).status, 403);
    });
    // Without the cluster, Envoy refuses the callout and the filter answers 503 itself.
    await withEnvoy(await generate("envoy", args, modules.callout), async (_, url) => {
      const refused = await fetch(`${url}/`, { headers: { authorization: "Bearer good" } });
      assert.equal(refused.status, 503);
      assert.equal(await refused.text(), "authorization service unavailable\n");
    });
  } finally {
    server.close();
  }
});

test("metrics the filter defines are on admin /stats as wasmcustom.<name>, on /stats/prometheus as <name>", { skip }, async () => {
  await withEnvoy(await generate("envoy", ["--image", modules.metrics]), async (proxy, url) => {
    for (const path of ["/a", "/bb", "/ccc"]) assert.equal((await fetch(`${url}${path}`)).status, 200);
    const stats = await proxy.stats("wasmcustom");
    assert.equal(stats.get("wasmcustom.fixture_requests_total"), "3");
    assert.equal(stats.get("wasmcustom.fixture_inflight"), "0");
    assert.ok(stats.has("wasmcustom.fixture_path_bytes"), [...stats.keys()].join(", "));
    assert.match(await proxy.admin("/stats/prometheus"), /^fixture_requests_total\{\} 3$/m);
  });
});

test("after a trap: 503 then, with --failure-policy FAIL_OPEN, the filter is skipped; Envoy's default fails closed", { skip }, async () => {
  const statuses = async (url: string) => {
    const codes: number[] = [];
    for (const path of ["/a", "/trap", "/b"]) codes.push((await fetch(`${url}${path}`)).status);
    return codes;
  };
  await withEnvoy(await generate("envoy", ["--image", modules.metrics, "--failure-policy", "FAIL_OPEN"]), async (_, url) => {
    assert.deepEqual(await statuses(url), [200, 503, 200]);
  });
  await withEnvoy(await generate("envoy", ["--image", modules.metrics]), async (_, url) => {
    assert.deepEqual(await statuses(url), [200, 503, 503]);
  });
  await withEnvoy(await generate("envoy", ["--image", modules.metrics, "--fail-strategy", "FAIL_OPEN"]), async (_, url) => {
    assert.deepEqual(await statuses(url), [200, 200, 200]);
  });
});
