// Route scoping (RouteMatcher): which configured route each request gets, by host and path, and how a bad
// entry refuses the plugin with one log line. Driven through the host emulator with the routes fixture.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { Host, HostError } from "../host/index.js";
import { buildFixture, startPlugin, header } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("routes");
});

const routes = [
  { host: "api.example.com", prefix: "/admin", name: "api-admin" },
  { host: "API.Example.com", prefix: "/", name: "api" },
  { host: "*.example.com", prefix: "/admin/users", name: "any-sub-users" },
  { host: "*.eu.example.com", name: "eu" },
  { path: "/healthz", name: "health" },
  { prefix: "/static", name: "static" },
  { prefix: "/static/img", name: "img" },
];

/** The x-route header the fixture forwarded for a request to host + path. */
async function routed(configured: unknown, host: string, path: string): Promise<string | undefined> {
  const { plugin } = await startPlugin(wasm, {}, JSON.stringify({ routes: configured }));
  const r = await plugin.httpStream({
    request: {
      headers: [
        [":method", "GET"],
        [":path", path],
        [":authority", host],
      ],
    },
  });
  assert.ok(r.request, "request not forwarded");
  return header(r.request.headers, "x-route");
}

test("host: exact (case-insensitive, port ignored) outranks a *.suffix, which outranks any host", async () => {
  assert.equal(await routed(routes, "api.example.com", "/admin/users"), "0:api-admin");
  assert.equal(await routed(routes, "Api.EXAMPLE.com:8443", "/admin?x=1"), "0:api-admin");
  assert.equal(await routed(routes, "api.example.com", "/healthz"), "1:api");
  assert.equal(await routed(routes, "www.example.com", "/admin/users/7"), "2:any-sub-users");
  assert.equal(await routed(routes, "a.eu.example.com", "/admin/users/7"), "3:eu");
  assert.equal(await routed(routes, "example.com", "/admin/users"), "-1:");
  assert.equal(await routed(routes, "[::1]:8080", "/healthz"), "4:health");
});

test("path: exact path, then the longest prefix; the query string is ignored", async () => {
  assert.equal(await routed(routes, "other.test", "/healthz?verbose=1"), "4:health");
  assert.equal(await routed(routes, "other.test", "/healthz/deep"), "-1:");
  assert.equal(await routed(routes, "other.test", "/static/img/a.png"), "6:img");
  assert.equal(await routed(routes, "other.test", "/static/css?img/"), "5:static");
  assert.equal(await routed(routes, "other.test", "/stat"), "-1:");
  assert.equal(await routed([{ name: "all" }, { prefix: "/", name: "slash" }], "x", "/a"), "1:slash");
  assert.equal(await routed([], "x", "/a"), "-1:");
});

test("a bad entry refuses the plugin with one line naming the entry and what to fix", async () => {
  const cases: [unknown, string][] = [
    [["/admin"], "invalid configuration: routes[0]: must be an object"],
    [[{ name: "ok" }, { prefix: "admin" }], 'invalid configuration: routes[1]: "prefix" must start with /'],
    [[{ path: "x" }], 'invalid configuration: routes[0]: "path" must start with /'],
    [[{ path: "/a", prefix: "/b" }], 'invalid configuration: routes[0]: give "path" or "prefix", not both'],
    [[{ host: "api.*.com" }], 'invalid configuration: routes[0]: "host" must be a name, *.suffix or *'],
    [[{ host: "*example.com" }], 'invalid configuration: routes[0]: "host" must be a name, *.suffix or *'],
    [[{ host: 7 }], 'invalid configuration: routes[0]: "host" must be a string'],
    ["not-an-array", 'invalid configuration: "routes" must be an array'],
  ];
  for (const [configured, line] of cases) {
    const host = new Host();
    const vm = await host.loadVm(wasm, { vmId: "sdk-vm" });
    assert.throws(() => vm.startPlugin({ configuration: JSON.stringify({ routes: configured }) }), HostError, JSON.stringify(configured));
    const errors = host.logs.filter((l) => l.message.startsWith("invalid configuration")).map((l) => l.message);
    assert.deepEqual(errors, [line], JSON.stringify(configured));
  }
});
