import type { HeaderList, HttpMessage, HttpStreamResult } from "../../host/index.js";
import type { HttpScenario } from "../../host/index.js";

/**
 * Headers Envoy itself adds around every filter, which the emulator does not model (host/README.md,
 * "Differences from Envoy"): the connection manager's request id and forwarded proto, the router's timeout
 * hint and upstream timing, the `server` and `date` of every response. They are left out of a comparison
 * unless the scenario itself sent them.
 */
export const envoyAddedRequestHeaders = ["x-forwarded-proto", "x-request-id", "x-envoy-expected-rq-timeout-ms"];
export const envoyAddedResponseHeaders = ["date", "server", "x-envoy-upstream-service-time"];

export interface Difference {
  /** Where the two hosts differ, e.g. `response.headers` or `logs[2]`. */
  path: string;
  emulator: unknown;
  envoy: unknown;
}

/** What the emulator and Envoy did differently with the same scenario; empty when they agree. */
export function compareHttpResults(scenario: HttpScenario, emulator: HttpStreamResult, envoy: HttpStreamResult): Difference[] {
  const sentRequest = names(scenario.request?.headers ?? []);
  const sentResponse = names(scenario.response?.headers ?? []);
  const dropRequest = envoyAddedRequestHeaders.filter((n) => !sentRequest.has(n));
  const dropResponse = envoyAddedResponseHeaders.filter((n) => !sentResponse.has(n) || n === "date");
  const differences: Difference[] = [];
  const check = (path: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ path, emulator: a, envoy: b });
  };
  check("request", emulator.request === null ? null : "forwarded", envoy.request === null ? null : "forwarded");
  if (emulator.request && envoy.request) compareMessage("request", emulator.request, envoy.request, dropRequest, check);
  compareMessage("response", emulator.response, envoy.response, dropResponse, check);
  check("localResponse", emulator.localResponse && "sent", envoy.localResponse && "sent");
  // The reply's headers are compared as the client got them (response.headers): seen from outside, Envoy's
  // local reply cannot be told apart from headers the filter's own response callbacks added to it.
  if (emulator.localResponse && envoy.localResponse) {
    for (const key of ["status", "details", "body"] as const) check(`localResponse.${key}`, emulator.localResponse[key], envoy.localResponse[key]);
  }
  const longest = Math.max(emulator.logs.length, envoy.logs.length);
  for (let i = 0; i < longest; i++) check(`logs[${i}]`, emulator.logs[i] ?? null, envoy.logs[i] ?? null);
  return differences;
}

function compareMessage(path: string, a: HttpMessage, b: HttpMessage, drop: string[], check: (path: string, a: unknown, b: unknown) => void): void {
  check(`${path}.headers`, without(a.headers, drop), without(b.headers, drop));
  check(`${path}.body`, a.body, b.body);
  check(`${path}.trailers`, a.trailers, b.trailers);
}

function without(headers: HeaderList, drop: string[]): HeaderList {
  return headers.filter(([n]) => !drop.includes(n));
}

function names(headers: HeaderList): Set<string> {
  return new Set(headers.map(([n]) => n.toLowerCase()));
}

/** One line per difference, for people. */
export function formatDifferences(differences: Difference[]): string {
  return differences.map((d) => `${d.path}:\n  emulator: ${JSON.stringify(d.emulator)}\n  envoy:    ${JSON.stringify(d.envoy)}`).join("\n");
}
