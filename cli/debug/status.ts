import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createColors } from "picocolors";
import { wasmFilterTypeUrls } from "../manifests/envoy-wasm.js";
import { CliError, ExitError, UsageError } from "../errors.js";
import type { Io } from "../io.js";

export interface StatusOptions {
  admin: string;
  /** The module that should be running: its sha256 is compared with what the config pins or loads. */
  wasm?: string;
  json?: boolean;
}

/** One Wasm filter as the proxy's config dump and stats show it. */
export interface WasmFilterStatus {
  /** Where in the config: the listener (and for Istio's ECDS, the extension config name). */
  where: string;
  type: "HTTP" | "NETWORK";
  pluginName: string;
  rootId: string;
  vmId: string;
  source: { file: string } | { url: string; sha256: string };
  /** sha256 of the module: pinned by a remote source, or of the local file when this machine can read it. */
  sha256: string | null;
  failOpen: boolean;
  failurePolicy: string | null;
  /** running: VMs are up and nothing failed to load; failed: the module did not load. */
  vm: "running" | "failed" | "unknown";
  problems: string[];
}

export interface ProxyStatus {
  admin: string;
  filters: WasmFilterStatus[];
  /** The filters' own metrics (`wasmcustom.*`; Envoy does not say which filter defined which). */
  metrics: Record<string, string>;
  /** Envoy's wasm counters: VMs active, remote fetches… */
  wasm: Record<string, string>;
}

const WASM_TYPES = new Map(Object.entries(wasmFilterTypeUrls).map(([type, url]) => [url, type as "HTTP" | "NETWORK"]));

/** `status --admin URL`: what each Wasm filter of a running Envoy (or istio-proxy) is, and whether it loaded. */
export async function status(options: StatusOptions, io: Io): Promise<void> {
  const admin = adminUrl(options.admin);
  const [dump, statsText] = await Promise.all([adminGet(admin, "/config_dump"), adminGet(admin, "/stats")]);
  let configDump: unknown;
  try {
    configDump = JSON.parse(dump);
  } catch {
    throw new CliError(`${admin}/config_dump did not answer JSON: is ${admin} an Envoy admin endpoint?`);
  }
  const stats = parseStats(statsText);
  const expected = options.wasm === undefined ? undefined : sha256(await readModule(options.wasm, io.cwd));
  const report: ProxyStatus = {
    admin,
    filters: await Promise.all(findWasmFilters(configDump).map((found) => filterStatus(found, stats, expected, options.wasm))),
    metrics: pick(stats, "wasmcustom."),
    wasm: pick(stats, "wasm."),
  };
  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report, io));
  if (report.filters.some((f) => f.problems.length > 0)) throw new ExitError(1);
}

function adminUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--admin ${value}: not a URL (e.g. http://127.0.0.1:15000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--admin ${value}: expected an http:// URL`);
  return url.href.replace(/\/$/, "");
}

async function adminGet(admin: string, path: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(`${admin}${path}`, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new CliError(`cannot reach the admin endpoint ${admin} (${cause}): is Envoy running? (kubectl port-forward <pod> 15000 for istio-proxy)`);
  }
  if (!response.ok) throw new CliError(`${admin}${path} answered ${response.status}: is ${admin} an Envoy admin endpoint?`);
  return response.text();
}

/** `/stats` text (`name: value` a line) as a map. */
function parseStats(text: string): Map<string, string> {
  const stats = new Map<string, string>();
  for (const line of text.split("\n")) {
    const at = line.indexOf(": ");
    if (at > 0) stats.set(line.slice(0, at), line.slice(at + 2));
  }
  return stats;
}

function pick(stats: Map<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries([...stats].filter(([name]) => name.startsWith(prefix)));
}

interface FoundFilter {
  where: string;
  /** Set for a filter delivered by ECDS (Istio's WasmPlugin): its extension config name. */
  ecdsName?: string;
  type: "HTTP" | "NETWORK";
  config: PluginConfigDump;
}

/** The fields of an Envoy Wasm PluginConfig this status reads (a dump may leave any of them out). */
interface PluginConfigDump {
  name?: string;
  root_id?: string;
  fail_open?: boolean;
  failure_policy?: string;
  vm_config?: { vm_id?: string; code?: { local?: { filename?: string }; remote?: { http_uri?: { uri?: string }; sha256?: string } } };
}

/** Every Wasm filter config in a config dump: listeners' chains, and ECDS (Istio's WasmPlugin) extension configs. */
function findWasmFilters(dump: unknown): FoundFilter[] {
  const found: FoundFilter[] = [];
  const walk = (value: unknown, where: string, ecdsName?: string): void => {
    if (Array.isArray(value)) return value.forEach((item) => walk(item, where, ecdsName));
    if (typeof value !== "object" || value === null) return;
    const object = value as Record<string, unknown>;
    // The bootstrap repeats its static listeners, which the listeners dump shows as loaded.
    if (String(object["@type"]).endsWith(".BootstrapConfigDump")) return;
    const here = Array.isArray(object.filter_chains) && typeof object.name === "string" ? `listener ${object.name}` : where;
    const type = WASM_TYPES.get(String(object["@type"]));
    if (type && object.config) found.push({ where, type, config: object.config as PluginConfigDump, ...(ecdsName !== undefined && { ecdsName }) });
    for (const [key, child] of Object.entries(object)) {
      if (key === "ecds_filter") walk(child, `extension config ${(child as { name?: string }).name ?? ""}`, (child as { name?: string }).name ?? "");
      else walk(child, here, ecdsName);
    }
  };
  walk(dump, "");
  return found;
}

async function filterStatus(
  found: FoundFilter,
  stats: Map<string, string>,
  expected: string | undefined,
  wasmFile: string | undefined,
): Promise<WasmFilterStatus> {
  const { config } = found;
  const code = config.vm_config?.code ?? {};
  const remote = code.remote;
  const source = remote
    ? { url: String(remote.http_uri?.uri ?? ""), sha256: String(remote.sha256 ?? "") }
    : { file: String(code.local?.filename ?? "(inline)") };
  const sha = "sha256" in source ? source.sha256 || null : await fileSha256(source.file);
  const failOpen = config.fail_open === true || config.failure_policy === "FAIL_OPEN";
  const number = (name: string) => Number(stats.get(name) ?? 0);
  const active = number("wasm.envoy.wasm.runtime.v8.active");
  const fetchFailed = remote !== undefined && number("wasm.remote_load_fetch_failures") > 0 && number("wasm.remote_load_fetch_successes") === 0;
  // ECDS (Istio's WasmPlugin) counts the configurations of the filter it refused: a module that did not
  // load, or a plugin whose onConfigure refused its configuration.
  const ecdsStat =
    found.ecdsName === undefined
      ? undefined
      : `extension_config_discovery.${found.type === "HTTP" ? "http_filter" : "network_filter"}.${found.ecdsName}.update_rejected`;
  const rejected = ecdsStat === undefined ? 0 : number(ecdsStat);
  const vm = fetchFailed || active === 0 ? "failed" : "running";
  const problems: string[] = [];
  if (rejected > 0) {
    problems.push(
      `Envoy rejected this configuration (${ecdsStat} ${rejected}): the plugin refused it in onConfigure or the module did not load; the proxy's log says which ("Plugin ${config.name ?? ""} failed to load")`,
    );
  }
  if (fetchFailed) {
    problems.push(
      `the module was not fetched from ${"url" in source ? source.url : ""} (wasm.remote_load_fetch_failures ${stats.get("wasm.remote_load_fetch_failures")}): a wrong sha256, or the url unreachable from the proxy`,
    );
  } else if (active === 0) {
    problems.push("no Wasm VM is running (wasm.envoy.wasm.runtime.v8.active 0): the module failed to load or start");
  }
  if (vm === "failed" && failOpen) problems.push("fail-open: the filter is skipped, requests pass through it unfiltered");
  if (expected !== undefined && sha !== null && sha !== expected) problems.push(`sha256 mismatch: the proxy's module is ${sha}, ${wasmFile} is ${expected}`);
  return {
    where: found.where,
    type: found.type,
    pluginName: String(config.name ?? ""),
    rootId: String(config.root_id ?? ""),
    vmId: String(config.vm_config?.vm_id ?? ""),
    source,
    sha256: sha,
    failOpen,
    failurePolicy: config.failure_policy ?? null,
    vm,
    problems,
  };
}

/** The sha256 of a local module when this machine sees the proxy's file (a local Envoy); null otherwise. */
async function fileSha256(file: string): Promise<string | null> {
  try {
    return sha256(await readFile(file));
  } catch {
    return null;
  }
}

async function readModule(file: string, cwd: string): Promise<Uint8Array> {
  try {
    return await readFile(resolve(cwd, file));
  } catch {
    throw new UsageError(`--wasm ${file}: no such file`);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function formatStatus(report: ProxyStatus, io: Io): string {
  const c = createColors(!!io.stdout.isTTY);
  const lines: string[] = [];
  if (report.filters.length === 0) lines.push(`no Wasm filter in ${report.admin}/config_dump`);
  for (const f of report.filters) {
    const state = f.vm === "running" ? c.green("running") : c.red(f.vm);
    lines.push(
      c.bold(`${f.pluginName || "(unnamed)"} (${f.type} filter${f.where ? ` in ${f.where}` : ""}): ${state}`),
      `  vm_id      ${f.vmId || '""'}${f.rootId ? `, root_id ${f.rootId}` : ""}`,
      `  module     ${"url" in f.source ? f.source.url : f.source.file}`,
      `  sha256     ${f.sha256 ?? "(the proxy's file is not readable here)"}`,
      `  on failure ${f.failurePolicy ?? (f.failOpen ? "fail_open" : "FAIL_CLOSED (default)")}`,
      ...f.problems.map((p) => `  ${c.red("✗")} ${p}`),
      "",
    );
  }
  const metrics = Object.entries(report.metrics);
  lines.push(c.bold(`metrics (${metrics.length})`), ...metrics.map(([name, value]) => `  ${name}: ${value}`));
  return `${lines.join("\n")}\n`;
}
