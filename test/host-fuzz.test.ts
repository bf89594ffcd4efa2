// Randomized, aimed at the host itself: a raw module runs random host calls (random types, keys, CAS values,
// tokens, context ids, out-of-bounds pointers) from every callback, while the test drives contexts in random
// callback orders (out of Envoy's order too), answers callouts, moves time and enqueues. The host must
// answer every call with a status code: no host-side exception, no trap, and the module's memory stays
// flat. Seeded; the seed is in the test name and in every failure message. (SDK filters get their own
// randomized test in test/sdk-random.test.ts.)
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { Host, HostError, type CalloutAnswer, type GrpcAnswer, type HttpContext, type Plugin, type TcpContext } from "../host/index.js";
import { buildFixture } from "./fixtures/host/build.js";
import { prng } from "./helpers/prng.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("fuzz");
});

async function fuzz(seed: number, steps: number) {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  // The module asks for its operations: an action byte, then up to 6 operations of 4 bytes.
  const ops = () => Uint8Array.from({ length: 1 + 4 * int(7) }, () => int(256));
  const calloutAnswers: (CalloutAnswer | "pending")[] = [
    { status: 200, body: "ok", trailers: [["x-t", "1"]] },
    { status: 503 },
    { failure: "reset" },
    "pending",
  ];
  const grpcAnswers: (GrpcAnswer | "pending")[] = [
    { initialMetadata: [["k", "v"]], message: "m", trailingMetadata: [["t", "1"]] },
    { status: 14, statusMessage: "down" },
    "pending",
  ];
  const host = new Host({
    foreignFunctions: { ops },
    callouts: { fz: () => pick(calloutAnswers) },
    grpc: { fz: () => pick(grpcAnswers) },
    logLevel: "critical",
  });
  const vm = await host.loadVm(wasm);
  const plugins: Plugin[] = [vm.startPlugin({ configuration: "a" }), vm.startPlugin({ configuration: "b" })];
  const http: HttpContext[] = [];
  const tcp: TcpContext[] = [];
  const headers = (): [string, string][] => Array.from({ length: int(5) }, () => [pick([":path", "x-a", "X-B", ":status", "k"]), pick(["", "v", "é", "1"])]);
  const httpSteps: ((c: HttpContext) => unknown)[] = [
    (c) => c.onRequestHeaders(headers(), random() < 0.3),
    (c) => c.onRequestBody(pick(["", "body", "é😀"]), random() < 0.5),
    (c) => c.onRequestTrailers(headers()),
    (c) => c.onResponseHeaders([[":status", "200"], ...headers()], random() < 0.3),
    (c) => c.onResponseBody(pick(["", "resp"]), random() < 0.5),
    (c) => c.onResponseTrailers(headers()),
    (c) => c.onLog(),
    (c) => c.onDone(),
    (c) => c.onDelete(),
  ];
  const tcpSteps: ((c: TcpContext) => unknown)[] = [
    (c) => c.onNewConnection(),
    (c) => c.onDownstreamData(pick(["", "data"]), random() < 0.5),
    (c) => c.onUpstreamData(pick(["", "up"]), random() < 0.5),
    (c) => c.onDownstreamClose(),
    (c) => c.onUpstreamClose(),
    (c) => c.onDone(),
    (c) => c.onDelete(),
  ];
  const actions: (() => unknown)[] = [
    () => http.push(pick(plugins).newHttpContext()),
    () => http.length && pick(httpSteps)(pick(http)),
    () => http.length && pick(httpSteps)(pick(http)),
    () => http.length && pick(httpSteps)(pick(http)),
    () => tcp.push(pick(plugins).newTcpContext()),
    () => tcp.length && pick(tcpSteps)(pick(tcp)),
    () => pick(plugins).deliverCallouts(),
    () =>
      host.callouts
        .filter((c) => !c.answered)
        .slice(0, 1)
        .forEach((c) => c.respond(pick(calloutAnswers.slice(0, 3)) as CalloutAnswer)),
    () =>
      host.grpcCalls
        .filter((c) => !c.finished)
        .slice(0, 1)
        .forEach((c) => (random() < 0.5 ? c.receive("r") : c.close(int(17), "closed"))),
    () => host.advanceTime(int(40)),
    () => pick(plugins).onForeignFunction(int(4), "args"),
    () => host.queueItems("", "q0") !== undefined && host.enqueue("", "q0", "job"),
    () => pick(plugins).tick(),
    async () => {
      try {
        await pick(plugins).httpStream({
          request: { headers: [[":path", "/"], ...headers()], bodyChunks: ["a", "b"] },
          response: { headers: [[":status", "200"]], body: "r" },
        });
      } catch (e) {
        // A stream the module leaves paused with nothing pending is the one error the driver reports.
        if (!(e instanceof HostError && e.operation === "http_stream")) throw e;
      }
    },
  ];
  const memory = () => vm.memory.memory.buffer.byteLength;
  let halfway = 0;
  for (let i = 0; i < steps; i++) {
    if (i === steps / 2) halfway = memory();
    try {
      await pick(actions)();
    } catch (e) {
      assert.fail(`seed ${seed}, step ${i}: ${(e as Error).stack ?? e}`);
    }
  }
  assert.equal(vm.failed, false, `seed ${seed}: the VM failed`);
  // The random calls reached the host's features (not only its argument checks).
  assert.ok(host.callouts.length > 0 && host.grpcCalls.length > 0 && host.metrics().size > 0, `seed ${seed}: too little reached the host`);
  assert.ok(http.some((c) => c.localResponse) && http.some((c) => c.continued.length > 0), `seed ${seed}: no local response or continue`);
  // Everything the host hands the module is freed by it: no growth in the second half.
  assert.equal(memory(), halfway, `seed ${seed}: module memory grew from ${halfway} to ${memory()} bytes`);
}

for (const seed of [1, 42, 20261126]) {
  test(`host fuzz (seed ${seed}): random host calls and callback orders, only status codes come back, memory flat`, async () => {
    await fuzz(seed, 10_000);
  });
}
