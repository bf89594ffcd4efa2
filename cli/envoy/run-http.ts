import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { answerHeaders } from "../../host/callouts.js";
import { toBytes } from "../../host/codec.js";
import type { CalloutAnswer, HeaderList, HttpMessage, HttpScenario, HttpStreamResult } from "../../host/index.js";
import { startH2Server, sendH2Request, type Answer, type LoopbackServer, type RecordedMessage, type Responder } from "./h2.js";
import { startEnvoy, type EnvoyProcess } from "./process.js";
import { accessLogTag, runBootstrap, type RunBootstrapInput } from "./run-bootstrap.js";

export interface EnvoyRunOptions {
  binary: string;
  wasmPath: string;
  configuration?: string;
  vmConfig?: string;
  rootId?: string;
  /** How long the client waits for the response (default 30 s; Envoy's route timeout is 15 s). */
  timeoutMs?: number;
}

/** What `run --envoy` adds to the emulator's result: Envoy's own account of the stream. */
export interface EnvoyStreamResult extends HttpStreamResult {
  /** Envoy's access log: status, %RESPONSE_CODE_DETAILS% (`via_upstream` or the local reply's details) and flags. */
  envoy: { status: number; details: string; flags: string } | null;
}

/**
 * Drives one HTTP stream through the filter in a real Envoy: a loopback upstream answers as the scenario's
 * `response` says, each callout cluster of the scenario is a loopback server answering as it says, and the
 * client sends the scenario's request. The result has the emulator's shape (what reached the upstream, what
 * the client got, the local reply, the filter's log lines of this stream).
 */
export async function envoyHttpStream(options: EnvoyRunOptions, scenario: HttpScenario): Promise<EnvoyStreamResult> {
  const servers: LoopbackServer[] = [];
  try {
    const upstream = await startH2Server(answerWith(toAnswer(scenario.response, [[":status", "200"]])));
    servers.push(upstream);
    const calloutClusters: Record<string, number> = {};
    for (const [cluster, handler] of Object.entries(scenario.callouts ?? {})) {
      if (typeof handler === "function") throw new Error(`callouts.${cluster}: only fixed answers can be served to a real Envoy`);
      const server = await startH2Server(calloutResponder(handler));
      servers.push(server);
      calloutClusters[cluster] = server.port;
    }
    return await withEnvoy(options, { type: "HTTP", upstreamPort: upstream.port, calloutClusters }, async (envoy) => {
      const from = envoy.lines.length;
      const client = await sendH2Request(envoy.listenerPort("listener_http"), toAnswer(scenario.request, []), options.timeoutMs ?? 30_000);
      // The client's connection gone: every callback of its stream has run.
      await envoy.untilZero("^http\\.ingress_http\\.downstream_(cx|rq)_active$");
      const access = await accessLine(envoy);
      // A reset stream got no local reply, whatever details the filter gave its attempt.
      const local = access !== null && access.details !== "via_upstream" && !client.reset;
      return {
        // As in the emulator: the request the upstream received whole (a reset one is not reported).
        request: upstream.received[0]?.complete ? message(upstream.received[0]) : null,
        response: message(client.response),
        localResponse: local
          ? { status: access.status, headers: localReplyHeaders(client.response.headers), body: client.response.body.toString("utf8"), details: access.details }
          : null,
        logs: envoy.wasmLogs(from),
        reset: client.reset,
        envoy: access,
      };
    });
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

/** Starts Envoy on the run bootstrap for the module, runs `body` against it, and stops it whatever happens. */
export async function withEnvoy<T>(
  options: EnvoyRunOptions,
  peers: Pick<RunBootstrapInput, "type" | "upstreamPort" | "calloutClusters">,
  body: (envoy: EnvoyProcess) => Promise<T>,
): Promise<T> {
  const bootstrap = runBootstrap({
    ...peers,
    name: basename(options.wasmPath).replace(/\.wasm$/, ""),
    wasmPath: options.wasmPath,
    rootId: options.rootId,
    configuration: options.configuration,
    vmConfig: options.vmConfig,
  });
  // At trace, as in the emulator, the filter's every log line shows (and proxy_get_log_level says trace);
  // Envoy's own trace of host calls is how a TCP run tells that the filter closed the connection.
  const envoy = await startEnvoy({ binary: options.binary, bootstrap, wasmLogLevel: "trace" });
  try {
    return await body(envoy);
  } finally {
    await envoy.stop();
  }
}

function toAnswer(input: HttpScenario["request"], defaultHeaders: HeaderList): Answer {
  const body = input?.bodyChunks ? Buffer.concat(input.bodyChunks.map((c) => toBytes(c))) : Buffer.from(toBytes(input?.body));
  return { headers: input?.headers ?? defaultHeaders, body, trailers: input?.trailers ?? [] };
}

const answerWith =
  (answer: Answer): Responder =>
  () =>
    answer;

function calloutResponder(answer: CalloutAnswer): Responder {
  if ("failure" in answer) return () => (answer.failure === "reset" ? "reset" : "hang");
  return answerWith({ headers: answerHeaders(answer), body: Buffer.from(toBytes(answer.body)), trailers: answer.trailers ?? [] });
}

async function accessLine(envoy: EnvoyProcess): Promise<EnvoyStreamResult["envoy"]> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const line = envoy.otherOutput.find((l) => l.startsWith(`${accessLogTag}|`));
    if (line) {
      const [, status, details, flags] = line.split("|");
      return { status: Number(status), details: details!, flags: flags! };
    }
    if (Date.now() > deadline) return null;
    await sleep(10);
  }
}

function message(recorded: RecordedMessage): HttpMessage {
  const out = { headers: recorded.headers, body: recorded.body.toString("utf8"), trailers: recorded.trailers };
  Object.defineProperty(out, "bodyBytes", { value: new Uint8Array(recorded.body), enumerable: false });
  return out as HttpMessage;
}

/** The headers a local reply carried beyond what Envoy adds to every reply (status, length, date, server). */
function localReplyHeaders(headers: HeaderList): HeaderList {
  return headers.filter(([name]) => ![":status", "content-length", "date", "server"].includes(name));
}
