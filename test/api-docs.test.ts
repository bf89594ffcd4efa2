// The API reference (`npm run docs`: TypeDoc over sdk/index.ts and host/index.ts, typedoc.json) builds
// without a warning and documents signatures: parameter types, optional parameters with their defaults,
// return types and the doc comments, for the SDK's contexts, configuration, routes and metrics and the host.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot } from "../cli/package-root.js";

let out = "";
before(async () => {
  out = join(await mkdtemp(join(tmpdir(), "api-docs-")), "api");
  process.on("exit", () => rmSync(out, { recursive: true, force: true }));
  // treatWarningsAsErrors (typedoc.json): a broken {@link} or unreadable entry point fails here.
  await promisify(execFile)("npm", ["run", "-s", "docs", "--", "--out", out], { cwd: packageRoot });
});

/** The text of a generated page, tags stripped and entities decoded, whitespace collapsed. */
async function page(name: string): Promise<string> {
  const html = await readFile(join(out, name), "utf8");
  const text = html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
  return text.replace(/\s+/g, " ");
}

test("the index links both modules: the SDK and the host emulator", async () => {
  const index = await readFile(join(out, "index.html"), "utf8");
  assert.match(index, /href="modules\/sdk\.html"/);
  assert.match(index, /href="modules\/host\.html"/);
});

test("SDK contexts: AssemblyScript parameter and return types, optional parameters with defaults, doc comments", async () => {
  const root = await page("classes/sdk.RootContext.html");
  assert.ok(root.includes("onConfigure(configurationSize: usize): bool"), root.slice(0, 2000));
  assert.ok(root.includes("parseConfig(): JsonObject | null"));
  assert.ok(root.includes("an empty configuration reads as {}"), "parseConfig's doc comment");
  const http = await page("classes/sdk.HttpContext.html");
  assert.ok(http.includes("sendLocalResponse( statusCode: u32, body?: string, headers?: Header[], details?: string, grpcStatus?: GrpcStatus,): void"), http);
  assert.ok(http.includes('body: string = ""'), "the default of an optional parameter");
  assert.ok(http.includes("Type Parameters R"), "HttpContext<R>");
  assert.ok(http.includes("onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus"));
});

test("SDK configuration, routes and tagged metrics", async () => {
  const json = await page("classes/sdk.JsonObject.html");
  assert.ok(json.includes("getString(key: string, fallback: string): string"));
  assert.ok(json.includes("getArray(key: string): JsonArray | null"));
  const routes = await page("classes/sdk.RouteMatcher.html");
  assert.ok(routes.includes("fromConfig(entries: JsonArray | null, what?: string): RouteMatcher | null"), routes);
  assert.ok(routes.includes("match(host: string, path: string): i32"));
  const family = await page("classes/sdk.MetricFamily.html");
  assert.ok(family.includes("get(values: string[]): Metric"));
  assert.ok((await page("functions/sdk.metricName.html")).includes("metricName(base: string, tags: string[]): string"));
});

test("host emulator: Host's methods with TypeScript types", async () => {
  const host = await page("classes/host.Host.html");
  assert.ok(host.includes("defineMetric(type: number, name: string): number | undefined"), host.slice(0, 2000));
  assert.ok(host.includes("metric(name: string): MetricValue | undefined"));
  assert.match(await page("classes/host.Plugin.html"), /httpStream\(/);
});
