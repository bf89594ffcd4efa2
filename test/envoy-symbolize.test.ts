/**
 * `symbolize` on the backtraces the real Envoy of the tests logs for a trapping filter
 * (test/fixtures/debug/trap: /boom reads past an array two calls below on_request_headers): a debug build
 * with a source map gets `file:line:column` for the filter's own frames; a release build (no name section)
 * gets no backtrace from Envoy, and symbolize says how to get one.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCached } from "../cli/asc.js";
import { sendH2Request, startH2Server } from "../cli/envoy/h2.js";
import { startEnvoy } from "../cli/envoy/process.js";
import { runBootstrap } from "../cli/envoy/run-bootstrap.js";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { packageRoot } from "../cli/package-root.js";
import { debugBuild } from "./helpers/debug-build.js";
import { envoyForTests } from "./helpers/envoy.js";

const envoy = envoyForTests();
const dir = await mkdtemp(join(tmpdir(), "symbolize-"));
test.after(() => rm(dir, { recursive: true, force: true }));
const entry = "test/fixtures/debug/trap/index.ts";

/** Envoy's error line for a request to /boom through `wasmPath`, as the harness read it (newlines real). */
async function trapInEnvoy(wasmPath: string): Promise<string> {
  const upstream = await startH2Server(() => ({ headers: [[":status", "200"]], body: Buffer.from("ok") }));
  const proxy = await startEnvoy({
    binary: envoy.binary!,
    bootstrap: runBootstrap({ type: "HTTP", name: "trap", wasmPath, configuration: "", upstreamPort: upstream.port, calloutClusters: {} }),
  });
  try {
    const port = proxy.listenerPort("listener_http");
    const { response } = await sendH2Request(
      port,
      {
        headers: [
          [":method", "GET"],
          [":path", "/boom"],
          [":authority", "trap.test"],
          [":scheme", "http"],
        ],
      },
      5000,
    );
    assert.deepEqual(
      response.headers.find(([name]) => name === ":status"),
      [":status", "503"],
    );
    const failed = (line: { message: string }) => line.message.startsWith("Function: proxy_on_request_headers failed");
    assert.ok(await proxy.waitForLine(failed, 5000), "Envoy logged no trap");
    return proxy.lines.find(failed)!.message;
  } finally {
    await proxy.stop();
    await upstream.close();
  }
}

async function symbolize(args: string[], stdin: string) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir, stdin });
  const code = await runCli(["symbolize", ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

test("a debug build's backtrace from Envoy: frames named and placed in the filter's source", { skip: envoy.skip }, async () => {
  const wasm = await debugBuild(entry, dir);
  const message = await trapInEnvoy(wasm);
  assert.match(message, /\nProxy-Wasm plugin in-VM backtrace:\n {2}0: {2}0x[0-9a-f]+ - ~lib\/runtime-hooks\/proxyAbort\n/);
  // As Envoy prints it by default (frames on their own lines), and escaped on one line (--log-format-escaped).
  const log = `[2026-11-29 08:00:00.000][12][critical][wasm] wasm log trap: abort: Index out of range in ~lib/array.ts\n[2026-11-29 08:00:00.000][12][error][wasm] ${message}\n`;
  const { code, stdout, stderr } = await symbolize(["--wasm", "debug.wasm"], log);
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.match(stdout, /^\[2026-11-29 08:00:00.000\]\[12\]\[critical\]\[wasm\] wasm log trap: abort: Index out of range in ~lib\/array.ts\n/);
  assert.match(stdout, /\n {2}2: {2}0x[0-9a-f]+ - test\/fixtures\/debug\/trap\/index\/limitAt {2}at test\/fixtures\/debug\/trap\/index.ts:9:10\n/);
  assert.match(stdout, /\n {2}3: {2}0x[0-9a-f]+ - test\/fixtures\/debug\/trap\/index\/pickLimit {2}at test\/fixtures\/debug\/trap\/index.ts:13:10\n/);
  assert.match(
    stdout,
    /\n {2}4: {2}0x[0-9a-f]+ - test\/fixtures\/debug\/trap\/index\/Trap#onRequestHeaders {2}at test\/fixtures\/debug\/trap\/index.ts:19:\d+\n/,
  );
  const escaped = await symbolize(["-", "--wasm", "debug.wasm", "--source-map", "debug.wasm.map"], `error|wasm|${message.replaceAll("\n", "\\n")}\n`);
  assert.equal(escaped.stdout.split("\n").length, 2, "still one line");
  assert.match(escaped.stdout, /\\n {2}2: {2}0x[0-9a-f]+ - test\/fixtures\/debug\/trap\/index\/limitAt {2}at test\/fixtures\/debug\/trap\/index.ts:9:10\\n/);
  // Without the source map: the names only, and a note saying what is missing.
  await rm(join(dir, "debug.wasm.map"));
  const bare = await symbolize(["--wasm", "debug.wasm"], log);
  assert.match(bare.stdout, /\n {2}2: {2}0x[0-9a-f]+ - test\/fixtures\/debug\/trap\/index\/limitAt\n/);
  assert.match(bare.stderr, /^note: no source map \(debug.wasm.map\): frames have function names only/);
});

test("a release build: Envoy prints no backtrace without a name section, and symbolize says how to get one", { skip: envoy.skip }, async () => {
  const release = join(dir, "release.wasm");
  await writeFile(release, await compileCached({ entry: join(packageRoot, entry) }));
  const message = await trapInEnvoy(release);
  assert.equal(message, "Function: proxy_on_request_headers failed: Uncaught RuntimeError: unreachable");
  const { code, stdout, stderr } = await symbolize(["--wasm", "release.wasm"], `${message}\n`);
  assert.equal(code, 0);
  assert.equal(stdout, `${message}\n`);
  assert.match(stderr, /^note: Envoy logged a trap without a backtrace: it prints one only for a module with a name section; deploy a debug build/);
});

test("symbolize: frames Envoy printed by function index get the name section's name; bad input is one line", async () => {
  const wasm = await debugBuild(entry, dir);
  const { code, stdout } = await symbolize(["--wasm", wasm], "  0:  0x1 - unknown(function index:5)\n  1:  0x2 - unknown(function index:1)\n");
  assert.equal(code, 0);
  // Function 1 is an import (the name section names none here): left as Envoy printed it.
  assert.equal(stdout, "  0:  0x1 - ~lib/string/String#get:length\n  1:  0x2 - unknown(function index:1)\n");
  for (const [args, expected] of [
    [["--wasm", "missing.wasm"], /^error: .*missing.wasm/],
    [["--wasm", wasm, "--source-map", "nope.map"], /^error: --source-map nope.map: no such file\n/],
    [["nope.log", "--wasm", wasm], /^error: nope.log: no such file \(give Envoy's log as a file or on stdin\)\n/],
  ] as [string[], RegExp][]) {
    const result = await symbolize(args, "");
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, expected);
  }
});
