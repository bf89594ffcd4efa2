// Tagged metrics (metricName, CounterFamily/GaugeFamily/HistogramFamily) through the host emulator: the
// names carry `.key=value` tags with unsafe characters replaced, and each tag tuple is defined once.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { buildFixture, startPlugin, get } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("metrics");
});

test("metricName appends .key=value, replaces . = : / and non-ASCII with _, an empty value is _, an odd key is dropped", async () => {
  const { host } = await startPlugin(wasm);
  assert.deepEqual(
    host.logs.map((l) => l.message).filter((m) => m.startsWith("name ")),
    ["name a.b.k=v_w_x_y_z__.empty=_"],
  );
});

test("families: one host metric per tuple of tag values, defined on first use only", async () => {
  const { host, plugin } = await startPlugin(wasm);
  const defined: string[] = [];
  const define = host.defineMetric.bind(host);
  host.defineMetric = (type, name) => (defined.push(name), define(type, name));

  const traffic: [string, string, string][] = [
    ["api", "200", "10"],
    ["api", "200", "30"],
    ["api.v1", "404", "5"],
    ["api", "503", "7"],
    ["api", "201", "0"],
  ];
  for (const [route, status, length] of traffic) {
    await plugin.httpStream({
      request: {
        headers: get("/", [
          ["x-route", route],
          ["content-length", length],
        ]),
      },
      response: { headers: [[":status", status]] },
    });
  }
  const metrics = Object.fromEntries([...host.metrics()].filter(([name]) => name.startsWith("tagged.")).map(([name, m]) => [name, `${m.type} ${m.value}`]));
  assert.deepEqual(metrics, {
    "tagged.in_flight.route=api": "gauge 0",
    "tagged.request_bytes.route=api": "histogram 0",
    "tagged.requests.route=api.code=2xx": "counter 3",
    "tagged.in_flight.route=api_v1": "gauge 0",
    "tagged.request_bytes.route=api_v1": "histogram 5",
    "tagged.requests.route=api_v1.code=4xx": "counter 1",
    "tagged.requests.route=api.code=5xx": "counter 1",
  });
  assert.deepEqual(defined, [
    "tagged.in_flight.route=api",
    "tagged.request_bytes.route=api",
    "tagged.requests.route=api.code=2xx",
    "tagged.in_flight.route=api_v1",
    "tagged.request_bytes.route=api_v1",
    "tagged.requests.route=api_v1.code=4xx",
    "tagged.requests.route=api.code=5xx",
  ]);
});
