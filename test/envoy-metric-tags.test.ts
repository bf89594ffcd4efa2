/**
 * Tagged metrics in a real Envoy: the metrics fixture (CounterFamily/GaugeFamily/HistogramFamily) behind the
 * bootstrap `manifest envoy` writes, plus the `stats_tags` snippet of sdk/README.md ("Tagged metrics"): the
 * `.key=value` segments come out as labels on /stats/prometheus, the raw names stay on /stats.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { send, startHttpUpstream } from "./helpers/envoy-upstream.js";
import { exampleBootstrap } from "./helpers/example-envoy.js";
import { buildFixture } from "./sdk-helpers.js";

const envoy = envoyForTests();
let statsConfig: unknown;

before(async () => {
  const readme = await readFile(join(packageRoot, "sdk", "README.md"), "utf8");
  const snippet = /```yaml\n(stats_config:[\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Tagged metrics")));
  assert.ok(snippet, "sdk/README.md: a yaml stats_config block under Tagged metrics");
  statsConfig = (parseYaml(snippet[1]!) as { stats_config: unknown }).stats_config;
});

/** The tagged_* series of /stats/prometheus without histogram buckets: `name{label="v",…}` (labels sorted) → value. */
async function prometheus(proxy: EnvoyProcess): Promise<Map<string, number>> {
  const series = new Map<string, number>();
  for (const line of (await proxy.admin("/stats/prometheus")).split("\n")) {
    const match = /^(tagged_\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match || match[1]!.endsWith("_bucket")) continue;
    series.set(`${match[1]}{${match[2]!.split(",").sort().join(",")}}`, Number(match[3]));
  }
  return series;
}

describe("tagged metrics in Envoy with the stats_tags of sdk/README.md", { skip: envoy.skip }, () => {
  test("route and code become Prometheus labels; /stats keeps the tags in the name", async () => {
    const project = await mkdtemp(join(tmpdir(), "metric-tags-"));
    process.on("exit", () => rmSync(project, { recursive: true, force: true }));
    await mkdir(join(project, "build"));
    await writeFile(join(project, "build", "plugin.wasm"), await buildFixture("metrics"));
    const upstream = await startHttpUpstream((request) => (request.path === "/missing" ? { status: 404 } : {}));
    try {
      const bootstrap = await exampleBootstrap(project, upstream.port, "{}");
      // Histograms reach /stats/prometheus at a stats flush: every second here instead of 5.
      Object.assign(bootstrap, { stats_config: statsConfig, stats_flush_interval: "1s" });
      await withValidatedEnvoy(envoy.binary!, bootstrap, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        for (const [path, route] of [
          ["/a", "api"],
          ["/b", "api"],
          ["/missing", "api.v1"],
          ["/c", "api.v1"],
        ]) {
          await send(port, { path: path!, headers: [["x-route", route!]] });
        }
        const deadline = Date.now() + 10_000;
        let series = await prometheus(proxy);
        while (series.get('tagged_request_bytes_count{route="api_v1"}') !== 2 && Date.now() < deadline) {
          await sleep(100);
          series = await prometheus(proxy);
        }
        assert.deepEqual(Object.fromEntries(series), {
          'tagged_requests{code="2xx",route="api"}': 2,
          'tagged_requests{code="4xx",route="api_v1"}': 1,
          'tagged_requests{code="2xx",route="api_v1"}': 1,
          'tagged_in_flight{route="api"}': 0,
          'tagged_in_flight{route="api_v1"}': 0,
          'tagged_request_bytes_count{route="api"}': 2,
          'tagged_request_bytes_sum{route="api"}': 0,
          'tagged_request_bytes_count{route="api_v1"}': 2,
          'tagged_request_bytes_sum{route="api_v1"}': 0,
        });
        const stats = await proxy.stats("tagged");
        assert.equal(stats.get("wasmcustom.tagged.requests.route=api.code=2xx"), "2", JSON.stringify([...stats]));
      });
    } finally {
      await upstream.close();
    }
  });
});
