/**
 * `status --admin` against the real Envoy of the tests: a healthy filter (a local module, its metrics after
 * a request), and a broken one (a remote module pinned by a wrong sha256 with fail_open: Envoy starts, the
 * fetch fails, and the filter silently lets every request through), and a configuration delivered by ECDS, as
 * Istio delivers a WasmPlugin, that the plugin refuses.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCached } from "../cli/asc.js";
import { sendH2Request, startH2Server } from "../cli/envoy/h2.js";
import { startEnvoy, type EnvoyProcess } from "../cli/envoy/process.js";
import { runBootstrap } from "../cli/envoy/run-bootstrap.js";
import { buildEnvoyBootstrap } from "../cli/manifests/envoy-bootstrap.js";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests } from "./helpers/envoy.js";
import { cli } from "./helpers/filters.js";

const envoy = envoyForTests();
const dir = await mkdtemp(join(tmpdir(), "status-"));
test.after(() => rm(dir, { recursive: true, force: true }));
const wasm = join(dir, "chunks.wasm");
await writeFile(wasm, await compileCached({ entry: join(packageRoot, "test", "fixtures", "debug", "chunks", "index.ts") }));
const sha256 = createHash("sha256")
  .update(await readFile(wasm))
  .digest("hex");
const wasmType = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

async function withProxy(bootstrap: Record<string, unknown>, run: (proxy: EnvoyProcess) => Promise<void>): Promise<void> {
  const proxy = await startEnvoy({ binary: envoy.binary!, bootstrap });
  try {
    await run(proxy);
  } finally {
    await proxy.stop();
  }
}

test("a healthy filter: plugin, vm_id, module file and sha256, VM running, its metrics; exit 0", { skip: envoy.skip }, async () => {
  const upstream = await startH2Server(() => ({ headers: [[":status", "200"]], body: Buffer.from("ok") }));
  try {
    await withProxy(
      runBootstrap({ type: "HTTP", name: "chunks", wasmPath: wasm, configuration: "", upstreamPort: upstream.port, calloutClusters: {} }),
      async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        await sendH2Request(
          port,
          {
            headers: [
              [":method", "POST"],
              [":path", "/"],
              [":authority", "s.test"],
              [":scheme", "http"],
            ],
            body: Buffer.from("12345"),
          },
          5000,
        );
        const { code, stdout, stderr } = await cli(["status", "--admin", proxy.adminUrl, "--wasm", wasm, "--json"], dir);
        assert.equal(code, 0, stderr);
        const report = JSON.parse(stdout);
        assert.equal(report.filters.length, 1, JSON.stringify(report.filters.map((f: { where: string }) => f.where)));
        assert.deepEqual(report.filters[0], {
          where: "listener listener_http",
          type: "HTTP",
          pluginName: "chunks",
          rootId: "",
          vmId: "chunks",
          source: { file: wasm },
          sha256,
          failOpen: false,
          failurePolicy: null,
          vm: "running",
          problems: [],
        });
        assert.deepEqual(report.metrics, { "wasmcustom.chunks_body_bytes": "5", "wasmcustom.chunks_requests": "1" });
        const text = await cli(["status", "--admin", proxy.adminUrl], dir);
        assert.match(text.stdout, /^chunks \(HTTP filter in listener listener_http\): running\n {2}vm_id {6}chunks\n/);
        assert.match(text.stdout, /\nmetrics \(2\)\n {2}wasmcustom.chunks_body_bytes: 5\n {2}wasmcustom.chunks_requests: 1\n$/);
      },
    );
  } finally {
    await upstream.close();
  }
});

test("a remote module pinned by a wrong sha256 with fail_open: not fetched, skipped silently, flagged; exit 1", { skip: envoy.skip }, async () => {
  const bytes = await readFile(wasm);
  const server = createServer((_request, response) => response.end(bytes)).listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/chunks.wasm`;
  const wrong = "0".repeat(64);
  try {
    const bootstrap = buildEnvoyBootstrap({
      filter: { type: "HTTP", name: "chunks", code: { kind: "http", url, sha256: wrong, cluster: "wasm_fetch", timeout: "5s" }, failOpen: true },
      port: 0,
      address: "127.0.0.1",
      adminPort: 0,
      upstream: { host: "127.0.0.1", port: 9 },
    });
    await withProxy(bootstrap, async (proxy) => {
      assert.ok(await proxy.waitForLine((l) => l.message === "Plugin chunks failed to load", 10_000), "Envoy did not give up on the module");
      const { code, stdout } = await cli(["status", "--admin", proxy.adminUrl, "--wasm", wasm, "--json"], dir);
      assert.equal(code, 1);
      const [filter] = JSON.parse(stdout).filters;
      assert.deepEqual(filter.source, { url, sha256: wrong });
      assert.equal(filter.vm, "failed");
      assert.deepEqual(filter.problems, [
        `the module was not fetched from ${url} (wasm.remote_load_fetch_failures 1): a wrong sha256, or the url unreachable from the proxy`,
        "fail-open: the filter is skipped, requests pass through it unfiltered",
        `sha256 mismatch: the proxy's module is ${wrong}, ${wasm} is ${sha256}`,
      ]);
      const text = await cli(["status", "--admin", proxy.adminUrl], dir);
      assert.match(text.stdout, /^chunks \(HTTP filter in listener listener_http\): failed\n/);
      assert.match(text.stdout, /\n {2}✗ fail-open: the filter is skipped, requests pass through it unfiltered\n/);
    });
  } finally {
    server.close();
  }
});

test("a plugin configuration delivered by ECDS (as Istio does) that the plugin refuses: rejected, no VM; exit 1", { skip: envoy.skip }, async () => {
  const bootstrap = runBootstrap({ type: "HTTP", name: "chunks", wasmPath: wasm, configuration: "refuse", upstreamPort: 9, calloutClusters: {} }) as Record<
    string,
    any
  >;
  const manager = bootstrap.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const ecds = join(dir, "ecds.json");
  const extension = {
    "@type": "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig",
    name: "chunks",
    typed_config: manager.http_filters[0].typed_config,
  };
  await writeFile(ecds, JSON.stringify({ resources: [extension] }));
  manager.http_filters[0] = {
    name: "chunks",
    config_discovery: { config_source: { path_config_source: { path: ecds }, resource_api_version: "V3" }, type_urls: [wasmType] },
  };
  bootstrap.node = { id: "status-test", cluster: "status-test" }; // ECDS subscriptions need a node
  await withProxy(bootstrap, async (proxy) => {
    assert.ok(await proxy.waitForLine((l) => l.message === "Plugin chunks failed to load", 10_000), "Envoy did not refuse the configuration");
    const { code, stdout } = await cli(["status", "--admin", proxy.adminUrl, "--json"], dir);
    assert.equal(code, 1);
    const [filter] = JSON.parse(stdout).filters;
    assert.equal(filter.where, "extension config chunks");
    assert.equal(filter.vm, "failed");
    assert.deepEqual(filter.problems, [
      'Envoy rejected this configuration (extension_config_discovery.http_filter.chunks.update_rejected 1): the plugin refused it in onConfigure or the module did not load; the proxy\'s log says which ("Plugin chunks failed to load")',
      "no Wasm VM is running (wasm.envoy.wasm.runtime.v8.active 0): the module failed to load or start",
    ]);
  });
});

test("status: an admin endpoint nobody answers, or not a URL: one line, non-zero", async () => {
  const closed = createServer().listen(0, "127.0.0.1");
  await once(closed, "listening");
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const down = await cli(["status", "--admin", `http://127.0.0.1:${port}`], dir);
  assert.equal(down.code, 1);
  assert.match(down.stderr, new RegExp(`^error: cannot reach the admin endpoint http://127.0.0.1:${port} \\(ECONNREFUSED\\): is Envoy running\\?`));
  const bad = await cli(["status", "--admin", "localhost:15000"], dir);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^error: --admin localhost:15000: expected an http:\/\/ URL\n/);
});
