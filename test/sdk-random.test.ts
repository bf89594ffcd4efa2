// Randomized: random header maps, bodies, chunkings and interleavings of many streams thrown at an SDK
// filter in the host. No trap, no host-side exception, and no leak: replaying the same sequence a second
// time must not grow memory. Seeded, so a failure reproduces (the seed is in the test name).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import type { HeaderList, HttpContext } from "../host/index.js";
import { prng } from "./helpers/prng.js";
import { buildFixture, startPlugin } from "./sdk-helpers.js";

let wasm: Uint8Array;
before(async () => {
  wasm = await buildFixture("http");
});

const ALPHABET = [..."abcdefghijklmnopqrstuvwxyz0123456789-"];
const VALUE_CHARS = ["a", "Z", "0", " ", ",", ";", "=", "é", "ü", "日", "😀", "\t"];
const MODES = ["", "headers", "setall", "body", "props", "env"];

function scenarioSteps(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(list: readonly T[]) => list[int(list.length)];
  const word = (max: number) => Array.from({ length: 1 + int(max) }, () => pick(ALPHABET)).join("");
  const value = (max: number) => Array.from({ length: int(max) }, () => pick(VALUE_CHARS)).join("");
  const headers = (n: number): HeaderList => Array.from({ length: n }, () => [`x-${word(12)}`, value(40)] as [string, string]);
  const chunks = () => Array.from({ length: int(4) }, () => value(int(2) ? 20 : 3000));
  const request: HeaderList = [
    [":method", pick(["GET", "POST"])],
    [":path", `/${word(20)}`],
    [":authority", "h"],
    ["x-mode", pick(MODES)],
    ...headers(int(30)),
  ];
  if (int(2)) request.push(["x-replace", value(5)], ["x-remove", value(5)]);
  return {
    request,
    requestBody: chunks(),
    requestTrailers: int(3) === 0 ? headers(1 + int(3)) : null,
    response: [[":status", "200"], ...headers(int(20))] as HeaderList,
    responseBody: chunks(),
    responseTrailers: int(3) === 0 ? headers(1 + int(3)) : null,
  };
}

/** One stream as a list of host steps in Envoy's order (bodies and trailers optional, chunked). */
function streamSteps(ctx: HttpContext, s: ReturnType<typeof scenarioSteps>): (() => void)[] {
  const steps: (() => void)[] = [];
  const direction = (headers: HeaderList, body: string[], trailers: HeaderList | null, isRequest: boolean) => {
    const noMore = body.length === 0 && !trailers;
    steps.push(() => void (isRequest ? ctx.onRequestHeaders(headers, noMore) : ctx.onResponseHeaders(headers, noMore)));
    body.forEach((chunk, i) => {
      const eos = i === body.length - 1 && !trailers;
      steps.push(() => void (isRequest ? ctx.onRequestBody(chunk, eos) : ctx.onResponseBody(chunk, eos)));
    });
    if (trailers) steps.push(() => void (isRequest ? ctx.onRequestTrailers(trailers) : ctx.onResponseTrailers(trailers)));
  };
  direction(s.request, s.requestBody, s.requestTrailers, true);
  direction(s.response, s.responseBody, s.responseTrailers, false);
  steps.push(
    () => ctx.onLog(),
    () => void ctx.onDone(),
    () => ctx.onDelete(),
  );
  return steps;
}

async function replay(seed: number, plugin: Awaited<ReturnType<typeof startPlugin>>["plugin"], streams: number) {
  const random = prng(seed);
  const live: (() => void)[][] = [];
  let started = 0;
  while (started < streams || live.length > 0) {
    // Keep up to 8 streams in flight, and step a random one: callbacks of different streams interleave.
    if (started < streams && (live.length === 0 || (live.length < 8 && random() < 0.3))) {
      live.push(streamSteps(plugin.newHttpContext(), scenarioSteps(random)));
      started++;
      continue;
    }
    const i = Math.floor(random() * live.length);
    live[i].shift()!();
    if (live[i].length === 0) live.splice(i, 1);
  }
}

for (const seed of [1, 20261126]) {
  test(`random streams (seed ${seed}): no trap, no host error, memory flat when replayed`, async () => {
    const { vm, plugin } = await startPlugin(wasm);
    await replay(seed, plugin, 1500);
    const after = vm.memory.memory.buffer.byteLength;
    await replay(seed, plugin, 1500);
    assert.equal(vm.memory.memory.buffer.byteLength, after, "memory grew replaying the same streams");
    assert.equal(vm.failed, false);
  });
}
