// What runs inside Envoy: one configuration per row, all on the same bootstrap (buildEnvoyBootstrap's listener,
// HTTP connection manager and upstream cluster), differing only in the HTTP filter before the router.
import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildEnvoyBootstrap } from "../../cli/manifests/envoy-bootstrap.js";
import { buildSoloAddHeader } from "../../test/fixtures/cli/solo/build.js";
import { buildModules } from "../modules.js";
import { buildGoFilter, cacheDir, findGo } from "./go-build.js";

export type Group = "add-header" | "heavy";

/** What a response must show for the filter to have done its work (checked once before timing). */
export interface Expect {
  /** A response header the filter adds: name and value. */
  header?: [string, string];
  /** The response body the filter writes, and the request headers the upstream must have seen (echoed back). */
  body?: string;
  upstreamSaw?: Record<string, string>;
}

export interface EnvoyConfig {
  /** "none" is the baseline of every group; "Lua" the native reference of its group. */
  group: Group | "none";
  name: string;
  kind: "none" | "lua" | "wasm";
  /** The module's size in bytes (wasm), or the Lua source's. */
  bytes?: number;
  /** The HTTP filter before the router; none for the baseline. */
  filter?: Record<string, unknown>;
  expect: Expect;
  /** Why this row is not measured (a toolchain missing, a build that failed). */
  skipped?: string;
}

/** The text the upstream answers with, and what the heavy filters replace it by. */
export const UPSTREAM_BODY = "upstream body: ".padEnd(128, "0123456789abcdef");
const HEAVY_BODY = "rewritten by the filter";
const ADD_HEADER: Expect = { header: ["x-hello", "world"] };
const HEAVY: Expect = { body: HEAVY_BODY, upstreamSaw: { "x-filter": "bench", "x-agent-seen": "check/1.0" } };
/** The user-agent the check request sends (the heavy filters copy it to x-agent-seen). */
export const CHECK_AGENT = "check/1.0";

const LUA_ADD_HEADER = `function envoy_on_response(handle)
  handle:headers():add("x-hello", "world")
end
`;
const LUA_HEAVY = `function envoy_on_request(handle)
  local headers = handle:headers()
  headers:add("x-agent-seen", headers:get("user-agent") or "none")
  headers:add("x-filter", "bench")
end
function envoy_on_response(handle)
  handle:body(true):setBytes("${HEAVY_BODY}")
end
`;

const luaFilter = (code: string) => ({
  name: "envoy.filters.http.lua",
  typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua", default_source_code: { inline_string: code } },
});

const soloHeavySource = join(dirname(fileURLToPath(import.meta.url)), "solo", "heavy.ts");

/**
 * Builds every module (AssemblyScript ones through bench/modules.ts, proxy-runtime with assemblyscript 0.17, Go
 * with the machine's Go) and returns the configurations in the order they run. A module that cannot be built
 * makes a skipped row, not a failure.
 */
export async function buildConfigs(log: (line: string) => void): Promise<EnvoyConfig[]> {
  await mkdir(cacheDir, { recursive: true });
  const modules = await buildModules();
  const pick = (group: Group, prefix: string) => modules.find((m) => m.group === group && m.name.startsWith(prefix))!;
  const go = await findGo();
  if ("missing" in go) log(`Go SDK rows skipped: ${go.missing}`);

  type Source = () => Promise<{ wasm: Uint8Array } | { path: string }>;
  const wasmRow = async (
    group: Group,
    name: string,
    source: Source,
    expect: Expect,
    plugin: { rootId?: string; configuration?: unknown } = {},
  ): Promise<EnvoyConfig> => {
    try {
      const built = await source();
      let path: string;
      let bytes: number;
      if ("wasm" in built) {
        path = join(cacheDir, `${group}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.wasm`);
        await writeFile(path, built.wasm);
        bytes = built.wasm.length;
      } else {
        path = built.path;
        bytes = (await stat(path)).size;
      }
      const bootstrap = buildEnvoyBootstrap({
        filter: { type: "HTTP", name: "bench", rootId: plugin.rootId, configuration: plugin.configuration, code: { kind: "file", path } },
        port: 0,
        address: "127.0.0.1",
        adminPort: 0,
        upstream: { host: "127.0.0.1", port: 1 },
      });
      return { group, name, kind: "wasm", bytes, filter: httpFilters(bootstrap)[0], expect };
    } catch (error) {
      const why = error instanceof Error ? error.message.split("\n")[0]! : String(error);
      log(`${group} / ${name} skipped: ${why}`);
      return { group, name, kind: "wasm", expect, skipped: `build failed: ${why}` };
    }
  };
  const goRow = (group: Group, dir: string, expect: Expect): Promise<EnvoyConfig> =>
    "missing" in go
      ? Promise.resolve({ group, name: "Go SDK (proxy-wasm-go-sdk, Go)", kind: "wasm", expect, skipped: go.missing })
      : wasmRow(group, `Go SDK (proxy-wasm-go-sdk, ${go.version})`, async () => ({ path: await buildGoFilter(go, dir) }), expect);

  const solo = { rootId: "add_header", configuration: "world" };
  return [
    { group: "none", name: "no filter (router only)", kind: "none", expect: {} },
    {
      group: "add-header",
      name: "Envoy Lua filter (native reference)",
      kind: "lua",
      bytes: LUA_ADD_HEADER.length,
      filter: luaFilter(LUA_ADD_HEADER),
      expect: ADD_HEADER,
    },
    await wasmRow("add-header", "raw ABI, no GC (hand-written)", async () => pick("add-header", "raw ABI, no GC"), ADD_HEADER),
    await wasmRow("add-header", "as-proxy-wasm (add-header without config)", async () => pick("add-header", "as-proxy-wasm"), ADD_HEADER),
    await wasmRow(
      "add-header",
      "@solo-io/proxy-runtime 0.1.8",
      async () => pick("add-header", "@solo-io"),
      { header: ["hello", JSON.stringify("world")] },
      solo,
    ),
    await goRow("add-header", "add-header", ADD_HEADER),
    { group: "heavy", name: "Envoy Lua filter (native reference)", kind: "lua", bytes: LUA_HEAVY.length, filter: luaFilter(LUA_HEAVY), expect: HEAVY },
    await wasmRow("heavy", "raw ABI, no GC (hand-written)", async () => pick("heavy", "raw ABI"), HEAVY),
    await wasmRow("heavy", "as-proxy-wasm (bench/fixtures/heavy)", async () => pick("heavy", "as-proxy-wasm"), HEAVY),
    await wasmRow("heavy", "@solo-io/proxy-runtime 0.1.8", async () => ({ wasm: await buildSoloAddHeader(soloHeavySource) }), HEAVY, {
      rootId: "heavy",
      configuration: "x",
    }),
    await goRow("heavy", "heavy", HEAVY),
  ];
}

/**
 * The bootstrap of one configuration: buildEnvoyBootstrap's, with `copies` of its filter (or nothing) before
 * the router. A filter adds a few µs to Envoy's 100+ per request, less than the run-to-run noise of a
 * 2-core machine; a chain of identical filters multiplies what is measured, and the bench divides it back.
 */
export function bootstrapFor(config: EnvoyConfig, upstreamPort: number, copies: number): Record<string, unknown> {
  const bootstrap = buildEnvoyBootstrap({
    filter: { type: "HTTP", name: "bench", code: { kind: "file", path: "/dev/null" } },
    port: 0,
    address: "127.0.0.1",
    adminPort: 0,
    upstream: { host: "127.0.0.1", port: upstreamPort },
  });
  const filters = httpFilters(bootstrap);
  const router = filters.at(-1)!;
  filters.splice(0, filters.length, ...(config.filter ? Array.from({ length: copies }, () => config.filter!) : []), router);
  // The heavy filters replace the body without removing the upstream's content-length (a body-rewriting filter
  // must, in a real Envoy: the client otherwise waits for bytes that never come). The route drops it for every
  // row alike, before any filter sees the response headers, so responses go chunked.
  const hcm = hcmConfig(bootstrap) as { route_config: { virtual_hosts: { routes: Record<string, unknown>[] }[] } };
  hcm.route_config.virtual_hosts[0]!.routes[0]!.response_headers_to_remove = ["content-length"];
  return bootstrap;
}

/**
 * The upstream: a second Envoy answering every request itself (direct_response, no Node in the path), with a
 * fixed body and the request headers the heavy filters add echoed back as response headers, for the check.
 */
export function upstreamBootstrap(): Record<string, unknown> {
  const bootstrap = buildEnvoyBootstrap({
    filter: { type: "HTTP", name: "upstream", code: { kind: "file", path: "/dev/null" } },
    port: 0,
    address: "127.0.0.1",
    adminPort: 0,
  });
  const filters = httpFilters(bootstrap);
  filters.splice(0, filters.length - 1);
  const hcm = hcmConfig(bootstrap) as { route_config: { virtual_hosts: { routes: Record<string, unknown>[] }[] } };
  const route = hcm.route_config.virtual_hosts[0]!.routes[0]!;
  route.direct_response = { status: 200, body: { inline_string: UPSTREAM_BODY } };
  route.response_headers_to_add = ["x-filter", "x-agent-seen"].map((name) => ({
    header: { key: `x-upstream-saw-${name.slice(2)}`, value: `%REQ(${name})%` },
    append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
  }));
  return bootstrap;
}

function hcmConfig(bootstrap: Record<string, unknown>): Record<string, unknown> {
  const listeners = (bootstrap.static_resources as { listeners: { filter_chains: { filters: { typed_config: Record<string, unknown> }[] }[] }[] }).listeners;
  return listeners[0]!.filter_chains[0]!.filters[0]!.typed_config;
}

function httpFilters(bootstrap: Record<string, unknown>): Record<string, unknown>[] {
  return hcmConfig(bootstrap).http_filters as Record<string, unknown>[];
}
