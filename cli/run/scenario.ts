import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import type { CalloutAnswer, HeaderList, HttpScenario, PropertyValue } from "../../host/index.js";
import { UsageError } from "../errors.js";

/**
 * The `run` scenario file (JSON or YAML), every field optional (DESIGN.md "CLI"):
 * `request`/`response` `{ headers, body | bodyChunks, trailers }` (`response` is what the upstream answers;
 * request headers left out are the defaults'),
 * `properties` (path → value), `callouts` (cluster → answer), `vm_config`.
 * Headers are `[[name, value], …]` (order and duplicates kept) or, for convenience, `{ name: value }`.
 */
export interface Scenario extends HttpScenario {
  vmConfig?: string;
}

/** With `run --tcp`: `downstream` (what the client sends) and `upstream` (what the server answers), in chunks. */
export interface TcpRunScenario {
  downstream: string[];
  upstream: string[];
  vmConfig?: string;
}

const TOP_LEVEL = ["request", "response", "properties", "callouts", "vm_config"];
const MESSAGE_FIELDS = ["headers", "body", "bodyChunks", "trailers"];
/** A callout's answer arrives whole (Envoy buffers it before on_http_call_response). */
const CALLOUT_FIELDS = ["headers", "body", "trailers"];

/** What `run` sends when no scenario is given: a typical browser-less GET and a small 200 answer. */
export const DEFAULT_REQUEST: HeaderList = [
  [":method", "GET"],
  [":path", "/"],
  [":authority", "example.com"],
  [":scheme", "http"],
  ["user-agent", "as-proxy-wasm-run"],
  ["accept", "*/*"],
];
export const DEFAULT_RESPONSE: HeaderList = [
  [":status", "200"],
  ["content-type", "text/plain"],
];
const DEFAULT_RESPONSE_BODY = "hello from the upstream\n";

export function defaultScenario(): Scenario {
  return toScenario({});
}

export function defaultTcpScenario(): TcpRunScenario {
  return toTcpScenario({});
}

/**
 * Reads a scenario file and checks it with `convert` (`toScenario` or `toTcpScenario`); any problem is a
 * usage error naming the file and the field.
 */
export async function readScenario<T>(file: string, cwd: string, convert: (data: unknown) => T): Promise<T> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, expected a .json or .yaml scenario file" : (error as Error).message;
    throw new UsageError(`${file}: ${why}`);
  }
  let data: unknown;
  const yaml = /^\.ya?ml$/i.test(extname(file));
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    // The YAML parser's first line ends with ":" before a code excerpt that is not shown.
    const first = (error as Error).message.split("\n")[0]!.replace(/:$/, "");
    throw new UsageError(`${file}: invalid ${yaml ? "YAML" : "JSON"}: ${first}`);
  }
  try {
    return convert(data ?? {});
  } catch (error) {
    if (error instanceof ScenarioError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}

class ScenarioError extends Error {}

function fail(path: string, expected: string): never {
  throw new ScenarioError(`${path} must be ${expected}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeys(value: Record<string, unknown>, allowed: string[], path: string): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    throw new ScenarioError(`unknown field ${path ? `${path}.` : ""}${unknown} (expected ${allowed.join(", ")})`);
  }
}

export function toScenario(data: unknown): Scenario {
  if (!isObject(data)) fail("the scenario", "an object");
  checkKeys(data, TOP_LEVEL, "");
  const scenario: Scenario = {
    request: withDefaultHeaders(toMessage(data.request, "request")),
    response: { headers: DEFAULT_RESPONSE, body: DEFAULT_RESPONSE_BODY, ...toMessage(data.response, "response") },
  };
  if (data.properties !== undefined) scenario.properties = toProperties(data.properties);
  if (data.callouts !== undefined) scenario.callouts = toCallouts(data.callouts);
  if (data.vm_config !== undefined) scenario.vmConfig = toVmConfig(data.vm_config);
  return scenario;
}

export function toTcpScenario(data: unknown): TcpRunScenario {
  if (!isObject(data)) fail("the scenario", "an object");
  checkKeys(data, ["downstream", "upstream", "vm_config"], "");
  return {
    downstream: data.downstream === undefined ? ["hello\n"] : toChunks(data.downstream, "downstream"),
    upstream: data.upstream === undefined ? ["hello from the upstream\n"] : toChunks(data.upstream, "upstream"),
    ...(data.vm_config !== undefined && { vmConfig: toVmConfig(data.vm_config) }),
  };
}

function toChunks(value: unknown, path: string): string[] {
  const chunks = typeof value === "string" ? [value] : value;
  if (!Array.isArray(chunks) || !chunks.every((c) => typeof c === "string")) fail(path, "a string or a list of strings");
  return chunks;
}

function toVmConfig(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * The scenario's request with the default headers it leaves out (a request needs `:method`, `:path`,
 * `:authority`, `:scheme`; a client sends `user-agent`, `accept`): given ones first in each group, pseudo-headers
 * before the others, as HTTP/2 orders them.
 */
function withDefaultHeaders(message: ReturnType<typeof toMessage>): ReturnType<typeof toMessage> {
  const given = message.headers ?? [];
  const names = new Set(given.map(([name]) => name.toLowerCase()));
  const all = [...given, ...DEFAULT_REQUEST.filter(([name]) => !names.has(name))];
  const pseudo = (name: string) => name.startsWith(":");
  return { ...message, headers: [...all.filter(([n]) => pseudo(n)), ...all.filter(([n]) => !pseudo(n))] };
}

function toMessage(value: unknown, path: string, fields = MESSAGE_FIELDS) {
  if (value === undefined) return {};
  if (!isObject(value)) fail(path, `an object with ${fields.join(", ")}`);
  checkKeys(value, fields, path);
  const message: { headers?: HeaderList; body?: string; bodyChunks?: string[]; trailers?: HeaderList } = {};
  if (value.headers !== undefined) message.headers = toHeaders(value.headers, `${path}.headers`);
  if (value.body !== undefined) {
    if (typeof value.body !== "string") fail(`${path}.body`, "a string");
    message.body = value.body;
  }
  // The body as it arrives, one on_*_body call per chunk (the last with end_of_stream).
  if (value.bodyChunks !== undefined) {
    if (value.body !== undefined) fail(`${path}.bodyChunks`, "given without body (one or the other)");
    message.bodyChunks = toChunks(value.bodyChunks, `${path}.bodyChunks`);
  }
  if (value.trailers !== undefined) message.trailers = toHeaders(value.trailers, `${path}.trailers`);
  return message;
}

function toHeaders(value: unknown, path: string): HeaderList {
  if (isObject(value)) {
    return Object.entries(value).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((item): [string, string] => [name, scalar(item, `${path}.${name}`)]));
  }
  if (!Array.isArray(value)) fail(path, "a list of [name, value] pairs");
  return value.map((pair, i): [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string") fail(`${path}[${i}]`, "a [name, value] pair");
    return [pair[0], scalar(pair[1], `${path}[${i}][1]`)];
  });
}

/** Header values written as YAML numbers or booleans (`:status: 200`) are taken as their text. */
function scalar(value: unknown, path: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return fail(path, "a string");
}

function toProperties(value: unknown): Record<string, PropertyValue> {
  if (!isObject(value)) fail("properties", "an object of path → value");
  for (const [path, v] of Object.entries(value)) {
    if (!["string", "number", "boolean"].includes(typeof v)) fail(`properties.${path}`, "a string, number or boolean");
  }
  return value as Record<string, PropertyValue>;
}

function toCallouts(value: unknown): Record<string, CalloutAnswer> {
  if (!isObject(value)) fail("callouts", "an object of cluster → answer");
  const callouts: Record<string, CalloutAnswer> = {};
  for (const [cluster, answer] of Object.entries(value)) {
    const path = `callouts.${cluster}`;
    if (!isObject(answer)) fail(path, "an object { status, headers, body, trailers } or { failure }");
    if (answer.failure !== undefined) {
      if (answer.failure !== "reset" && answer.failure !== "timeout") fail(`${path}.failure`, '"reset" or "timeout"');
      callouts[cluster] = { failure: answer.failure };
      continue;
    }
    const { status, ...message } = answer;
    if (status !== undefined && !Number.isInteger(status)) fail(`${path}.status`, "an integer");
    callouts[cluster] = { ...toMessage(message, path, CALLOUT_FIELDS), ...(status !== undefined && { status: status as number }) };
  }
  return callouts;
}
