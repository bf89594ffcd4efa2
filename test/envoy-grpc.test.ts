/**
 * Unary gRPC calls (`proxy_grpc_call`) in the emulator and in a real Envoy, through the same probe filter
 * (test/fixtures/differential/grpc): Envoy's side calls a real gRPC server (@grpc/grpc-js on loopback, the
 * `grpc` cluster of `run --envoy`'s bootstrap, HTTP/2), the emulator's answers as the same server would. Both
 * must give the filter the same callbacks in the same order, with the same status and `proxy_get_status`
 * message: an OK answer alone, a failure's percent-encoded `grpc-message` plus `{via_upstream}`, and a call
 * past its timeout closed UNAVAILABLE. (`run --compare` scenarios answer HTTP callouts only, hence this suite.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { sendH2Request, startH2Server, type LoopbackServer } from "../cli/envoy/h2.js";
import { withEnvoy } from "../cli/envoy/run-http.js";
import { Host, type GrpcAnswer, type HeaderList } from "../host/index.js";
import { envoyForTests } from "./helpers/envoy.js";
import { filterModule } from "./helpers/filters.js";

const envoy = envoyForTests();

type Log = { level: string; message: string };

/**
 * One method of probe.Probe: what the real server does, and the same answer for the emulator. A case on the
 * `silent` cluster goes to a server that takes the call and never answers.
 */
interface Case {
  method: string;
  cluster?: "silent";
  timeoutMs?: number;
  serve?: () => { message: Buffer } | { error: { code: number; details: string } };
  emulated: GrpcAnswer | "pending";
}

const cases: Case[] = [
  { method: "Ok", serve: () => ({ message: Buffer.from("pong") }), emulated: { message: "pong" } },
  {
    method: "Fail",
    serve: () => ({ error: { code: grpc.status.UNAVAILABLE, details: "authz store down" } }),
    emulated: { status: grpc.status.UNAVAILABLE, statusMessage: "authz store down" },
  },
  {
    method: "Denied",
    serve: () => ({ error: { code: grpc.status.PERMISSION_DENIED, details: "" } }),
    emulated: { status: grpc.status.PERMISSION_DENIED },
  },
  // Not a grpc-js server that sleeps: it honours the call's grpc-timeout and races Envoy, answering
  // DEADLINE_EXCEEDED ("Deadline%20exceeded{via_upstream}") when it wins.
  { method: "Slow", cluster: "silent", timeoutMs: 200, emulated: "pending" },
];

const bytes = {
  path: "",
  requestStream: false,
  responseStream: false,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

/** A @grpc/grpc-js server on 127.0.0.1 serving probe.Probe/<method> for every case, messages as raw bytes. */
async function startProbeServer(): Promise<{ port: number; close(): void }> {
  const server = new grpc.Server();
  const served = cases.filter((c) => c.serve);
  const definition = Object.fromEntries(served.map((c) => [c.method, { ...bytes, path: `/probe.Probe/${c.method}` }]));
  const handlers = Object.fromEntries(
    served.map((c) => [
      c.method,
      (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const answer = c.serve!();
        if ("error" in answer) callback({ ...answer.error, name: "probe", message: answer.error.details, metadata: new grpc.Metadata() });
        else callback(null, answer.message);
      },
    ]),
  );
  server.addService(definition as grpc.ServiceDefinition, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return { port, close: () => server.forceShutdown() };
}

function requestHeaders(c: Case): HeaderList {
  const headers: HeaderList = [
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/probe"],
    [":authority", "example.com"],
    ["x-method", c.method],
  ];
  if (c.timeoutMs !== undefined) headers.push(["x-timeout", String(c.timeoutMs)]);
  if (c.cluster) headers.push(["x-cluster", c.cluster]);
  return headers;
}

/** Each case through the emulator: the filter's logs, and whether the request went on to the upstream. */
async function emulated(wasm: Uint8Array): Promise<{ logs: Log[]; forwarded: boolean }[]> {
  const answer = (call: { method: string }) => cases.find((c) => c.method === call.method)!.emulated;
  const host = new Host({ grpc: { grpc: answer, silent: answer } });
  const plugin = (await host.loadVm(wasm)).startPlugin();
  const results = [];
  for (const c of cases) {
    const result = await plugin.httpStream({ request: { headers: requestHeaders(c) }, response: { headers: [[":status", "200"]], body: "ok" } });
    results.push({ logs: result.logs.map(({ level, message }) => ({ level, message })), forwarded: result.request !== null });
  }
  return results;
}

describe("unary gRPC calls: the emulator gives the filter what Envoy 1.40 gives it", { skip: envoy.skip }, () => {
  let wasmPath = "";
  let server: { port: number; close(): void };
  let upstream: LoopbackServer;
  let silent: LoopbackServer;
  before(async () => {
    wasmPath = await filterModule("differential/grpc");
    server = await startProbeServer();
    upstream = await startH2Server(() => ({ headers: [[":status", "200"]], body: Buffer.from("ok") }));
    silent = await startH2Server(() => "hang");
  });
  after(async () => {
    server?.close();
    await Promise.all([upstream?.close(), silent?.close()]);
  });

  test("OK answer: receive only; failure: close with the encoded grpc-message{via_upstream}; no message: {via_upstream} alone; timeout: 14 upstream request timeout{response_timeout}", async () => {
    const inEnvoy = await withEnvoy(
      { binary: envoy.binary!, wasmPath },
      { type: "HTTP", upstreamPort: upstream.port, calloutClusters: { grpc: server.port, silent: silent.port } },
      async (proxy) => {
        const results = [];
        for (const c of cases) {
          const from = proxy.lines.length;
          const before = upstream.received.length;
          const client = await sendH2Request(proxy.listenerPort("listener_http"), { headers: requestHeaders(c) }, 10_000);
          await proxy.untilZero("^http\\.ingress_http\\.downstream_(cx|rq)_active$");
          assert.equal(client.response.headers.find(([n]) => n === ":status")?.[1], "200", `${c.method}: the request went on`);
          results.push({ logs: proxy.wasmLogs(from), forwarded: upstream.received.length > before });
        }
        return results;
      },
    );
    const inEmulator = await emulated(await readFile(wasmPath));

    // What Envoy does, spelled out (so a change on either side shows here first).
    assert.deepEqual(
      inEnvoy.map((r) => r.logs.map((l) => l.message)),
      [
        ["call token=ok", "receive size=4 body=pong"],
        ["call token=ok", "close status=14 get_status=14 message=authz%20store%20down{via_upstream}"],
        ["call token=ok", "close status=7 get_status=7 message=via_upstream"],
        ["call token=ok", "close status=14 get_status=14 message=upstream request timeout{response_timeout}"],
      ],
    );
    assert.deepEqual(inEmulator, inEnvoy);
  });
});
