import { test } from "node:test";
import assert from "node:assert/strict";
import { Host } from "as-proxy-wasm/host";
import { startPlugin } from "./plugin.mjs";

const get = (path) => ({
  headers: [
    [":method", "GET"],
    [":path", path],
    [":authority", "example.com"],
  ],
});
const answer = (status) => ({ headers: [[":status", String(status)]], body: "x" });

/** The host's metrics whose names start with route_metrics., as name → value (numbers). */
function routeMetrics(host) {
  return Object.fromEntries([...host.metrics()].filter(([name]) => name.startsWith("route_metrics.")).map(([name, m]) => [name, Number(m.value)]));
}

test("requests are counted by route (longest prefix) and response code class; in-flight goes back to 0", async () => {
  const { host, plugin } = await startPlugin();
  const traffic = [
    ["/api/users", 200],
    ["/api/users/7?expand=/static/", 404],
    ["/static/app.js", 200],
    ["/favicon.ico", 304],
    ["/", 200],
    ["/apiary", 200],
    ["/other?next=/api/", 503],
    ["/api/", 201],
  ];
  for (const [path, status] of traffic) await plugin.httpStream({ request: get(path), response: answer(status) });
  assert.deepEqual(routeMetrics(host), {
    "route_metrics.in_flight.route=api": 0,
    "route_metrics.in_flight.route=static": 0,
    "route_metrics.in_flight.route=other": 0,
    "route_metrics.requests.route=api.code=2xx": 2,
    "route_metrics.duration_ms.route=api.code=2xx": 0,
    "route_metrics.requests.route=api.code=4xx": 1,
    "route_metrics.duration_ms.route=api.code=4xx": 0,
    "route_metrics.requests.route=static.code=2xx": 1,
    "route_metrics.duration_ms.route=static.code=2xx": 0,
    "route_metrics.requests.route=static.code=3xx": 1,
    "route_metrics.duration_ms.route=static.code=3xx": 0,
    "route_metrics.requests.route=other.code=2xx": 2,
    "route_metrics.duration_ms.route=other.code=2xx": 0,
    "route_metrics.requests.route=other.code=5xx": 1,
    "route_metrics.duration_ms.route=other.code=5xx": 0,
  });
  for (const name of Object.keys(routeMetrics(host))) {
    const type = host.metric(name).type;
    assert.equal(type, name.startsWith("route_metrics.requests.") ? "counter" : name.startsWith("route_metrics.in_flight.") ? "gauge" : "histogram", name);
  }
});

test("in flight while the request is open; the duration is the host clock from request headers to the end of the stream", async () => {
  const { host, plugin } = await startPlugin();
  const first = plugin.newHttpContext();
  const second = plugin.newHttpContext();
  first.onRequestHeaders(get("/api/slow").headers, true);
  second.onRequestHeaders(get("/api/fast").headers, true);
  assert.equal(routeMetrics(host)["route_metrics.in_flight.route=api"], 2);
  host.advanceTime(40);
  second.onResponseHeaders([[":status", "200"]], true);
  second.onLog();
  assert.equal(routeMetrics(host)["route_metrics.duration_ms.route=api.code=2xx"], 40);
  host.advanceTime(210);
  first.onResponseHeaders([[":status", "500"]], true);
  assert.equal(routeMetrics(host)["route_metrics.in_flight.route=api"], 1, "still in flight until the stream ends");
  first.onLog();
  const metrics = routeMetrics(host);
  assert.equal(metrics["route_metrics.duration_ms.route=api.code=5xx"], 250);
  assert.equal(metrics["route_metrics.in_flight.route=api"], 0);
  assert.equal(metrics["route_metrics.requests.route=api.code=2xx"], 1);
  assert.equal(metrics["route_metrics.requests.route=api.code=5xx"], 1);
});

test("a stream reset before any response is counted with code none, and leaves in-flight once", async () => {
  const { host, plugin } = await startPlugin();
  const ctx = plugin.newHttpContext();
  ctx.onRequestHeaders(get("/api/upload").headers, false);
  ctx.onLog();
  ctx.onDone();
  const metrics = routeMetrics(host);
  assert.equal(metrics["route_metrics.requests.route=api.code=none"], 1);
  assert.equal(metrics["route_metrics.in_flight.route=api"], 0);
});

test("a stream that ends before its request headers (e.g. a connection reset) touches no metric", async () => {
  const { host, plugin } = await startPlugin();
  const ctx = plugin.newHttpContext();
  ctx.onLog();
  ctx.onDone();
  assert.deepEqual(
    Object.entries(routeMetrics(host)).filter(([, v]) => v !== 0),
    [],
  );
});

test("clients cannot create series: a thousand distinct paths are all 'other'", async () => {
  const { host, plugin } = await startPlugin();
  for (let i = 0; i < 1000; i++) await plugin.httpStream({ request: get(`/probe/${i}/${"x".repeat(i % 50)}`), response: answer(200 + (i % 2) * 200) });
  const names = Object.keys(routeMetrics(host)).filter((n) => n.includes(".route=other"));
  assert.deepEqual(names.sort(), [
    "route_metrics.duration_ms.route=other.code=2xx",
    "route_metrics.duration_ms.route=other.code=4xx",
    "route_metrics.in_flight.route=other",
    "route_metrics.requests.route=other.code=2xx",
    "route_metrics.requests.route=other.code=4xx",
  ]);
  assert.equal(routeMetrics(host)["route_metrics.requests.route=other.code=2xx"], 500);
});

test("two VMs of one proxy (worker threads) add to the same metrics", async () => {
  const host = new Host();
  const { plugin: a } = await startPlugin(undefined, { host });
  const { plugin: b } = await startPlugin(undefined, { host });
  const open = a.newHttpContext();
  open.onRequestHeaders(get("/api/a").headers, true);
  await b.httpStream({ request: get("/api/b"), response: answer(200) });
  assert.equal(routeMetrics(host)["route_metrics.in_flight.route=api"], 1);
  open.onResponseHeaders([[":status", "200"]], true);
  open.onLog();
  assert.equal(routeMetrics(host)["route_metrics.requests.route=api.code=2xx"], 2);
  assert.equal(routeMetrics(host)["route_metrics.in_flight.route=api"], 0);
});

test("a configured default route; no configuration at all counts everything as 'other'", async () => {
  const { host, plugin } = await startPlugin(JSON.stringify({ defaultRoute: "unrouted" }));
  await plugin.httpStream({ request: get("/api/x"), response: answer(200) });
  assert.equal(routeMetrics(host)["route_metrics.requests.route=unrouted.code=2xx"], 1);
  for (const empty of ["", "{}"]) {
    const { host: h, plugin: p } = await startPlugin(empty);
    await p.httpStream({ request: get("/api/x"), response: answer(200) });
    assert.equal(routeMetrics(h)["route_metrics.requests.route=other.code=2xx"], 1, JSON.stringify(empty));
  }
});

test("a configuration whose names would break the tag encoding, or is not JSON, is refused", async () => {
  const bad = {
    "not json": /not JSON|object/,
    "[]": /object/,
    [JSON.stringify({ routes: [{ prefix: "/api", name: "api.v1" }] })]: /"name"/,
    [JSON.stringify({ routes: [{ prefix: "/api", name: "" }] })]: /"name"/,
    [JSON.stringify({ routes: [{ prefix: "/api", name: "a=b" }] })]: /"name"/,
    [JSON.stringify({ routes: [{ prefix: "api", name: "api" }] })]: /"prefix"/,
    [JSON.stringify({ routes: [{ name: "api" }] })]: /"prefix"/,
    [JSON.stringify({ routes: { "/api": "api" } })]: /"routes"/,
    [JSON.stringify({ defaultRoute: "not.ok" })]: /"defaultRoute"/,
  };
  for (const [config, reason] of Object.entries(bad)) {
    const host = new Host();
    await assert.rejects(startPlugin(config, { host }), /refused its configuration/, config);
    const critical = host.logs.filter((l) => l.level === "critical").map((l) => l.message);
    assert.ok(
      critical.some((m) => m.startsWith("route-metrics: configuration refused: ") && reason.test(m)),
      `${config}: ${JSON.stringify(critical)}`,
    );
  }
});
