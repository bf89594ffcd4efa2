import type { HeaderList, HttpMessage, HttpScenario, HttpStreamResult, TcpResult } from "../../host/index.js";

/**
 * Headers Envoy adds after the filter has run, which the emulator does not model (host/README.md,
 * "Differences that stay"): the router's timeout hint on the upstream request, its upstream timing and the
 * connection manager's `server` and `date` on the response. They are left out of a comparison unless the
 * scenario itself sent them (`date` always: the loopback upstream dates its answers).
 */
export const envoyAddedRequestHeaders = ["x-envoy-expected-rq-timeout-ms"];
export const envoyAddedResponseHeaders = ["date", "server", "x-envoy-upstream-service-time"];

/** Envoy's request ids are random UUIDs, the emulator's count up: compared by presence, not value. */
const requestId = "x-request-id";

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
  const { differences, check } = collector();
  check("request", emulator.request === null ? null : "forwarded", envoy.request === null ? null : "forwarded");
  if (emulator.request && envoy.request) compareMessage("request", emulator.request, envoy.request, dropRequest, check);
  compareMessage("response", emulator.response, envoy.response, dropResponse, check);
  check("reset", emulator.reset, envoy.reset);
  check("localResponse", emulator.localResponse && "sent", envoy.localResponse && "sent");
  // The reply's headers are compared as the client got them (response.headers): seen from outside, Envoy's
  // local reply cannot be told apart from headers the filter's own response callbacks added to it.
  if (emulator.localResponse && envoy.localResponse) {
    for (const key of ["status", "details", "body"] as const) check(`localResponse.${key}`, emulator.localResponse[key], envoy.localResponse[key]);
  }
  compareLogs(emulator.logs, envoy.logs, check);
  return differences;
}

/** The same for a TCP connection: bytes each way, whether the filter closed it, and the logs. */
export function compareTcpResults(emulator: TcpResult, envoy: TcpResult): Difference[] {
  const { differences, check } = collector();
  for (const key of ["upstream", "downstream", "closed"] as const) check(key, emulator[key], envoy[key]);
  compareLogs(emulator.logs, envoy.logs, check);
  return differences;
}

type Check = (path: string, a: unknown, b: unknown) => void;

function collector(): { differences: Difference[]; check: Check } {
  const differences: Difference[] = [];
  const check: Check = (path, a, b) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push({ path, emulator: a, envoy: b });
  };
  return { differences, check };
}

function compareLogs(a: { level: string; message: string }[], b: { level: string; message: string }[], check: Check): void {
  for (let i = 0; i < Math.max(a.length, b.length); i++) check(`logs[${i}]`, a[i] ?? null, b[i] ?? null);
}

function compareMessage(path: string, a: HttpMessage, b: HttpMessage, drop: string[], check: Check): void {
  check(`${path}.headers`, comparable(a.headers, drop), comparable(b.headers, drop));
  check(`${path}.body`, a.body, b.body);
  check(`${path}.trailers`, a.trailers, b.trailers);
}

function comparable(headers: HeaderList, drop: string[]): HeaderList {
  return headers.filter(([n]) => !drop.includes(n)).map(([n, v]) => [n, n === requestId ? "<request id>" : v]);
}

function names(headers: HeaderList): Set<string> {
  return new Set(headers.map(([n]) => n.toLowerCase()));
}

/** One line per difference, for people. */
export function formatDifferences(differences: Difference[]): string {
  return differences.map((d) => `${d.path}:\n  emulator: ${JSON.stringify(d.emulator)}\n  envoy:    ${JSON.stringify(d.envoy)}`).join("\n");
}
