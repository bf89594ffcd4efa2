/**
 * examples/route-metrics in a real Envoy with the `stats_config.stats_tags` of its envoy.yaml: the route
 * and code class encoded in each metric name come out as labels on admin /stats/prometheus, with the
 * counts, the in-flight gauge and the duration histogram the traffic sent here implies.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests, validateEnvoyConfig, withValidatedEnvoy, type EnvoyProcess } from "./helpers/envoy.js";
import { send, startHttpUpstream } from "./helpers/envoy-upstream.js";
import { atProject, checkedInBootstrap, exampleBootstrap, exampleProject, readmeBootstrap } from "./helpers/example-envoy.js";

const envoy = envoyForTests();
const skip = envoy.skip;
const example = join(packageRoot, "examples", "route-metrics");
let project = "";
let statsConfig: unknown;
let config = "";

before(async () => {
  if (skip) return;
  project = await exampleProject("route-metrics");
  statsConfig = (parseYaml(await readFile(join(example, "envoy.yaml"), "utf8")) as { stats_config?: unknown }).stats_config;
  config = await readFile(join(example, "config.example.json"), "utf8");
});

/** The route_metrics series of /stats/prometheus: `name{label="v",…}` (labels sorted) → value. */
async function prometheus(proxy: EnvoyProcess): Promise<Map<string, number>> {
  const series = new Map<string, number>();
  for (const line of (await proxy.admin("/stats/prometheus")).split("\n")) {
    const match = /^(route_metrics_\w+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = match[2]!
      .split(",")
      .filter((l) => !l.startsWith("le="))
      .sort();
    const le = match[2]!.split(",").find((l) => l.startsWith("le="));
    series.set(`${match[1]}{${[...labels, ...(le ? [le] : [])].join(",")}}`, Number(match[3]));
  }
  return series;
}

/** Polls /stats/prometheus until `ready` holds (histograms appear at a stats flush), at most 10 s. */
async function prometheusWhen(proxy: EnvoyProcess, ready: (series: Map<string, number>) => boolean): Promise<Map<string, number>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const series = await prometheus(proxy);
    if (ready(series) || Date.now() > deadline) return series;
    await sleep(100);
  }
}

/** The stats tags the README and envoy.yaml give Envoy for the SDK's `.route=`/`.code=` name segments. */
const statsTags = ["route=^wasmcustom\\.route_metrics\\.\\w+(\\.route=([^.]+))", "code=^wasmcustom\\.route_metrics\\.\\w+(?:\\.route=[^.]+)?(\\.code=([^.]+))"];

test("examples/route-metrics/envoy.yaml is what manifest envoy writes, as the README runs it, stats tags included", async () => {
  const tags = statsTags.flatMap((tag) => ["--stats-tag", tag]);
  assert.deepEqual(await checkedInBootstrap("route-metrics"), await readmeBootstrap("route-metrics", "@config.example.json", tags));
});

describe("examples/route-metrics in Envoy", { skip }, () => {
  test("its envoy.yaml passes envoy --mode validate (the module path pointed at the build)", async () => {
    const validation = await validateEnvoyConfig(envoy.binary!, await checkedInBootstrap("route-metrics", atProject(project)));
    assert.ok(validation.ok, validation.problems.join("\n"));
  });

  test("counters, gauge and histogram by route and code class, as Prometheus labels", async () => {
    const upstream = await startHttpUpstream((request) => {
      if (request.path === "/api/missing") return { status: 404 };
      if (request.path === "/api/slow") return { chunks: Array.from({ length: 10 }, () => "x") }; // ~200 ms
      if (request.path.startsWith("/hold")) return { hang: true };
      return {};
    });
    try {
      const bootstrap = await exampleBootstrap(project, upstream.port, config);
      assert.ok(statsConfig, "examples/route-metrics/envoy.yaml carries stats_config");
      // Histograms reach /stats/prometheus at a stats flush: every second here instead of 5.
      Object.assign(bootstrap, { stats_config: statsConfig, stats_flush_interval: "1s" });
      await withValidatedEnvoy(envoy.binary!, bootstrap, async (proxy) => {
        const port = proxy.listenerPort("listener_http");
        for (const path of ["/api/users", "/api/users?x=1", "/api/missing", "/api/slow", "/static/app.js", "/favicon.ico", "/", "/nope?next=/api/"]) {
          await send(port, { path });
        }

        // A request the upstream holds: in flight until the client gives up, then counted with code none.
        const held = httpRequest({ host: "127.0.0.1", port, path: "/hold", headers: { host: "example.com" }, agent: false });
        held.on("error", () => undefined);
        held.end();
        const inFlight = await prometheusWhen(proxy, (s) => s.get('route_metrics_in_flight{route="other"}') === 1);
        assert.equal(inFlight.get('route_metrics_in_flight{route="other"}'), 1, JSON.stringify([...inFlight]));
        held.destroy();

        const series = await prometheusWhen(
          proxy,
          (s) => s.get('route_metrics_requests{code="none",route="other"}') === 1 && s.get('route_metrics_duration_ms_count{code="2xx",route="api"}') === 3,
        );
        const requests = [...series].filter(([name]) => name.startsWith("route_metrics_requests{"));
        assert.deepEqual(Object.fromEntries(requests), {
          'route_metrics_requests{code="2xx",route="api"}': 3,
          'route_metrics_requests{code="4xx",route="api"}': 1,
          'route_metrics_requests{code="2xx",route="static"}': 2,
          'route_metrics_requests{code="2xx",route="other"}': 2,
          'route_metrics_requests{code="none",route="other"}': 1,
        });
        for (const route of ["api", "static", "other"]) assert.equal(series.get(`route_metrics_in_flight{route="${route}"}`), 0, route);
        assert.equal(series.get('route_metrics_duration_ms_count{code="2xx",route="api"}'), 3);
        const slowest = series.get('route_metrics_duration_ms_sum{code="2xx",route="api"}')!;
        assert.ok(slowest >= 150, `the slow request took ~200 ms: sum ${slowest}`);
        assert.equal(series.get('route_metrics_duration_ms_bucket{code="2xx",route="api",le="100"}'), 2, "two fast ones");

        // On /stats the names keep their tags inline (what the regexes parse).
        const stats = await proxy.stats("route_metrics");
        assert.equal(stats.get("wasmcustom.route_metrics.requests.route=api.code=2xx"), "3", JSON.stringify([...stats]));
      });
    } finally {
      await upstream.close();
    }
  });
});
