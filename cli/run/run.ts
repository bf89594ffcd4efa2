import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createColors } from "picocolors";
import { Host, HostError, type HeaderList, type HttpStreamResult } from "../../host/index.js";
import { CliError, UsageError } from "../errors.js";
import type { Io, Output } from "../io.js";
import { loadWasmFile } from "../wasm/load.js";
import { defaultScenario, readScenario } from "./scenario.js";

export interface RunOptions {
  request?: string;
  config?: string;
  rootId?: string;
  json?: boolean;
}

/** `run`: one HTTP stream through the host emulator, printed as DESIGN.md's JSON or for people. */
export async function run(file: string, options: RunOptions, io: Io): Promise<void> {
  const { bytes } = await loadWasmFile(file, io.cwd);
  const scenario = options.request ? await readScenario(options.request, io.cwd) : defaultScenario();
  const configuration = options.config === undefined ? undefined : await readConfig(options.config, io.cwd);
  let result: HttpStreamResult;
  try {
    const host = new Host();
    const vm = await host.loadVm(bytes, { vmConfig: scenario.vmConfig });
    const plugin = vm.startPlugin({ configuration, rootId: options.rootId });
    result = await plugin.httpStream(scenario);
  } catch (error) {
    if (error instanceof HostError) throw new CliError(`run failed: ${error.message}`);
    throw error;
  }
  io.stdout.write(options.json ? `${formatJson(result)}\n` : formatResult(result, io.stdout));
}

/** `--config` is the plugin configuration itself, or `@file` to read it from a file. */
async function readConfig(value: string, cwd: string): Promise<string> {
  if (!value.startsWith("@")) return value;
  const file = value.slice(1);
  try {
    return await readFile(resolve(cwd, file), "utf8");
  } catch {
    throw new UsageError(`--config ${value}: no such file`);
  }
}

/** Indented JSON with each [name, value] header pair kept on one line. */
function formatJson(result: HttpStreamResult): string {
  const string = String.raw`"(?:[^"\\]|\\.)*"`;
  const pair = new RegExp(String.raw`\[\s*(${string}),\s*(${string})\s*\]`, "g");
  return JSON.stringify(result, null, 2).replace(pair, "[$1, $2]");
}

function formatResult(result: HttpStreamResult, out: Output): string {
  const c = createColors(!!out.isTTY);
  const lines: string[] = [];
  const message = (title: string, m: { headers: HeaderList; body: string; trailers: HeaderList }) => {
    lines.push(c.bold(title));
    for (const [name, value] of m.headers) lines.push(`  ${c.dim(`${name}:`)} ${value}`);
    if (m.body) lines.push("", ...m.body.replace(/\n$/, "").split("\n").map((l) => `  ${l}`));
    for (const [name, value] of m.trailers) lines.push(`  ${c.dim(`${name}:`)} ${value} ${c.dim("(trailer)")}`);
    lines.push("");
  };
  if (result.request) message("→ forwarded upstream", result.request);
  else lines.push(c.bold("→ not forwarded upstream: the filter answered itself"), "");
  if (result.localResponse) {
    const { status, details } = result.localResponse;
    lines.push(c.bold(`local response ${status}${details ? ` (${details})` : ""}`), "");
  }
  message("← client received", result.response);
  lines.push(c.bold(`logs (${result.logs.length})`));
  for (const { level, message: text } of result.logs) lines.push(`  ${c.dim(`[${level}]`)} ${text}`);
  return `${lines.join("\n")}\n`;
}
