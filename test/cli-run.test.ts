import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { compileCached } from "../cli/asc.js";
import { buildSoloAddHeader } from "./fixtures/cli/solo/build.js";
import { buildFixture } from "./fixtures/host/build.js";

const dir = await mkdtemp(join(tmpdir(), "cli-run-"));
test.after(() => rm(dir, { recursive: true, force: true }));

const rawFilter = join(import.meta.dirname, "fixtures/cli/raw-filter");
const wasm = await compileCached({
  entry: join(rawFilter, "assembly/index.ts"),
  config: join(rawFilter, "asconfig.json"),
  flags: ["--baseDir", rawFilter],
});
await writeFile(join(dir, "raw.wasm"), wasm);

async function run(args: string[]) {
  const { io, stdout, stderr } = memoryIo({ cwd: dir });
  const code = await runCli(["run", ...args], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

test("default scenario: GET / forwarded, the upstream's 200 with the filter's header, readable output", async () => {
  const { code, stdout, stderr } = await run(["raw.wasm"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^→ forwarded upstream\n {2}:method: GET\n {2}:path: \/\n/);
  assert.match(stdout, /← client received\n {2}:status: 200\n(.*\n)*? {2}x-raw: yes\n/);
  assert.match(stdout, /hello from the upstream/);
  assert.match(stdout, /logs \(0\)/);
});

test("--json prints exactly request, response, localResponse, logs, reset and metrics", async () => {
  const { code, stdout } = await run(["raw.wasm", "--json"]);
  assert.equal(code, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(Object.keys(result), ["request", "response", "localResponse", "logs", "reset", "metrics"]);
  assert.deepEqual(result.metrics, {});
  assert.deepEqual(result.request.headers[0], [":method", "GET"]);
  assert.equal(result.reset, false);
  assert.deepEqual(result.response.headers.at(-1), ["x-raw", "yes"]);
  assert.equal(result.response.body, "hello from the upstream\n");
  assert.equal(result.localResponse, null);
  assert.deepEqual(result.logs, []);
});

test("a YAML scenario: request, upstream response, header maps, duplicates kept, numbers as text, defaults kept for headers left out", async () => {
  await writeFile(
    join(dir, "post.yaml"),
    `request:
  headers: { ":method": POST, ":path": /login, ":authority": api.local, x-dup: [a, b] }
  body: "user=me"
response:
  headers: [[":status", 201], [set-cookie, "a=1"], [set-cookie, "b=2"]]
  body: created
properties:
  source.address: "10.0.0.1:1234"
`,
  );
  const { code, stdout, stderr } = await run(["raw.wasm", "--request", "post.yaml", "--json"]);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  const forwarded = [
    [":method", "POST"],
    [":path", "/login"],
    [":authority", "api.local"],
    [":scheme", "http"],
    ["x-dup", "a"],
    ["x-dup", "b"],
    ["user-agent", "as-proxy-wasm-run"],
    ["accept", "*/*"],
  ];
  assert.deepEqual(result.request.headers.slice(0, forwarded.length), forwarded);
  assert.equal(result.request.body, "user=me");
  assert.deepEqual(result.response.headers, [
    [":status", "201"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
    ["x-raw", "yes"],
  ]);
  assert.equal(result.response.body, "created");
});

test("a JSON scenario with trailers", async () => {
  await writeFile(join(dir, "trailers.json"), JSON.stringify({ response: { headers: [[":status", "200"]], body: "x", trailers: [["grpc-status", "0"]] } }));
  const { code, stdout } = await run(["raw.wasm", "--request", "trailers.json", "--json"]);
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout).response.trailers, [["grpc-status", "0"]]);
});

test("a large body is shortened in the readable output and whole in --json", async () => {
  const body = "a".repeat(1_000_000);
  await writeFile(join(dir, "large.json"), JSON.stringify({ request: { body } }));
  const { code, stdout, stderr } = await run(["raw.wasm", "--request", "large.json"]);
  assert.equal(code, 0, stderr);
  assert.ok(stdout.length < 10_000, `printed ${stdout.length} characters`);
  assert.match(stdout, /… 995904 more characters \(--json prints all\)/);
  const json = await run(["raw.wasm", "--request", "large.json", "--json"]);
  assert.equal(JSON.parse(json.stdout).request.body, body);
});

test("a callout to a cluster the scenario does not answer is refused, with a note saying what to add", async () => {
  await writeFile(join(dir, "callout.wasm"), await buildFixture("callout"));
  await writeFile(join(dir, "bad-cluster.json"), JSON.stringify({ request: { headers: [[":path", "/bad-cluster"]] } }));
  const { code, stdout, stderr } = await run(["callout.wasm", "--request", "bad-cluster.json", "--json"]);
  assert.equal(code, 0, stderr);
  assert.ok(JSON.parse(stdout).logs.some((l: { message: string }) => l.message === "unknown cluster status=2"));
  assert.equal(
    stderr,
    'note: the filter\'s callout to cluster "nowhere" was refused: the scenario has no answer for it (callouts: { nowhere: { status: 200 } })\n',
  );
});

test("bad scenarios and inputs are one-line usage errors", async () => {
  await writeFile(join(dir, "bad.json"), "{ nope");
  await writeFile(join(dir, "bad.yaml"), "request: [unclosed");
  await writeFile(join(dir, "typo.json"), JSON.stringify({ requests: {} }));
  await writeFile(join(dir, "headers.json"), JSON.stringify({ request: { headers: [["only-name"]] } }));
  await writeFile(
    join(dir, "null-value.json"),
    JSON.stringify({
      request: {
        headers: [
          [":path", "/"],
          ["x-a", null],
        ],
      },
    }),
  );
  await writeFile(join(dir, "callout.json"), JSON.stringify({ callouts: { auth: { failure: "boom" } } }));
  await writeFile(join(dir, "text.wasm"), "not wasm");
  const cases: [string[], RegExp][] = [
    [["raw.wasm", "--request", "bad.json"], /^error: bad\.json: invalid JSON: /],
    [["raw.wasm", "--request", "bad.yaml"], /^error: bad\.yaml: invalid YAML: .*at line 1, column \d+\n$/],
    [["raw.wasm", "--request", "."], /^error: \.: is a directory, expected a \.json or \.yaml scenario file\n$/],
    [["raw.wasm", "--request", "typo.json"], /^error: typo\.json: unknown field requests \(expected request, response, properties, callouts, vm_config\)/],
    [["raw.wasm", "--request", "headers.json"], /^error: headers\.json: request\.headers\[0\] must be a \[name, value\] pair/],
    [["raw.wasm", "--request", "null-value.json"], /^error: null-value\.json: request\.headers\[1\]\[1\] must be a string\n$/],
    [["raw.wasm", "--request", "callout.json"], /^error: callout\.json: callouts\.auth\.failure must be "reset" or "timeout"/],
    [["raw.wasm", "--request", "missing.yaml"], /^error: missing\.yaml: no such file/],
    [["raw.wasm", "--tcp", "--request", "typo.json"], /^error: typo\.json: unknown field requests \(expected downstream, upstream, vm_config\)/],
    [["raw.wasm", "--tcp", "--request", "headers.json"], /^error: headers\.json: unknown field request /],
    [["raw.wasm", "--config", "@missing.json"], /^error: --config @missing\.json: no such file/],
    [["raw.wasm", "--config", "@."], /^error: --config @\.: is a directory, expected a file\n$/],
    [["missing.wasm"], /^error: missing\.wasm: no such file/],
    [["text.wasm"], /^error: text\.wasm: not a WebAssembly module/],
  ];
  for (const [args, message] of cases) {
    const { code, stdout, stderr } = await run(args);
    assert.equal(code, 2, args.join(" "));
    assert.equal(stdout, "");
    assert.match(stderr, message);
    assert.equal(stderr.trim().split("\n").length, 1, stderr);
  }
});

test("a module that traps in the emulator fails with one line naming the callback", async () => {
  // proxy-runtime looks its root context up by root_id; without one it aborts (proc_exit).
  await writeFile(join(dir, "solo.wasm"), await buildSoloAddHeader());
  const { code, stdout, stderr } = await run(["solo.wasm"]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.match(stderr, /^error: run failed: proxy_on_context_create \(context \d+\): module trapped: .*Missing root context factory/);
});

test("another SDK's module: --root-id picks its plugin, --config feeds it (inline and @file)", async () => {
  await writeFile(join(dir, "solo.wasm"), await buildSoloAddHeader());
  await writeFile(join(dir, "solo-config.txt"), "from a file");
  for (const [config, expected] of [
    ["inline", "inline"],
    ["@solo-config.txt", "from a file"],
  ]) {
    const { code, stdout, stderr } = await run(["solo.wasm", "--root-id", "add_header", "--config", config, "--json"]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout).response.headers.at(-1), ["hello", expected]);
  }
});

test("--help documents the scenario with an example", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /callouts: \{ auth-cluster:/);
  assert.match(stdout, /\$ as-proxy-wasm run build\/plugin\.wasm --request scenario\.yaml/);
});
