// argv → options for every command, table-driven: the options object each command's action would receive
// (flags, defaults, repeatable flags collected, short forms, numbers parsed), read in a hook that stops
// before the action runs, so no command body does anything.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { UsageError } from "../cli/errors.js";
import { memoryIo } from "../cli/io.js";
import { createProgram } from "../cli/program.js";

class Stopped extends Error {}

interface Parsed {
  command: string;
  args: string[];
  options: Record<string, unknown>;
}

/** What `argv` parses to, or the usage error for it (commander's, or a flag parser's as the CLI prints it). */
async function parse(argv: string[]): Promise<Parsed | { error: string }> {
  const { io, stderr } = memoryIo();
  const program = await createProgram(io, argv);
  let parsed: Parsed | undefined;
  program.hook("preAction", (_program, action) => {
    const names: string[] = [];
    for (let command: CommandUnknownOpts | null = action; command?.parent; command = command.parent) names.unshift(command.name());
    parsed = { command: names.join(" "), args: action.args, options: action.opts() };
    throw new Stopped();
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof UsageError) return { error: `error: ${error.message}` };
    if (!(error instanceof Stopped)) return { error: stderr().split("\n")[0]! };
  }
  assert.ok(parsed, `no action reached for ${argv.join(" ")}`);
  return parsed;
}

const digest = `sha256:${"a".repeat(64)}`;
const table: [argv: string[], expected: Parsed | { error: string }][] = [
  [["init", "my-filter", "--template", "auth"], { command: "init", args: ["my-filter"], options: { template: "auth" } }],
  [["build", "--debug", "--json"], { command: "build", args: [], options: { debug: true, json: true } }],
  [["inspect", "build/plugin.wasm", "--json"], { command: "inspect", args: ["build/plugin.wasm"], options: { json: true } }],
  [
    ["run", "build/plugin.wasm", "--config", "@config.json", "--request", "s.yaml", "--json", "--repeat", "100", "--workers", "2"],
    { command: "run", args: ["build/plugin.wasm"], options: { config: "@config.json", request: "s.yaml", json: true, repeat: 100, workers: 2 } },
  ],
  [
    ["run", "build/plugin.wasm", "--repeat", "20000", "--warmup", "0", "--max-growth", "4KiB", "--seed", "7"],
    { command: "run", args: ["build/plugin.wasm"], options: { repeat: 20000, warmup: 0, maxGrowth: 4096, seed: 7 } },
  ],
  [["run", "build/plugin.wasm", "--repeat", "lots"], { error: "error: --repeat lots: expected an integer ≥ 1" }],
  [["run", "build/plugin.wasm", "--workers", "0"], { error: "error: --workers 0: expected an integer ≥ 1" }],
  [["run", "build/plugin.wasm", "--seed", "-1"], { error: "error: --seed -1: expected an integer ≥ 0" }],
  [["run", "build/plugin.wasm", "--max-growth", "lots"], { error: "error: --max-growth lots: expected bytes per 1,000 streams, e.g. 1024 or 4KiB" }],
  [["symbolize", "build/plugin.wasm"], { error: "error: required option '--wasm <file.wasm>' not specified" }],
  [["status", "--admin", "localhost:9901", "--json"], { command: "status", args: [], options: { admin: "localhost:9901", json: true } }],
  [
    ["push", "build/plugin.wasm", "localhost:5000/f:v1", "--plain-http", "-u", "ci", "--password-stdin", "-q", "--json"],
    {
      command: "push",
      args: ["build/plugin.wasm", "localhost:5000/f:v1"],
      options: { variant: "compat", plainHttp: true, username: "ci", passwordStdin: true, quiet: true, json: true },
    },
  ],
  [
    ["pull", "localhost:5000/f:v1", "-o", "out.wasm", "--plain-http"],
    { command: "pull", args: ["localhost:5000/f:v1"], options: { output: "out.wasm", plainHttp: true } },
  ],
  [
    ["login", "ghcr.io", "-u", "me", "--password-stdin", "--plain-http"],
    { command: "login", args: ["ghcr.io"], options: { username: "me", passwordStdin: true, plainHttp: true } },
  ],
  [["login", "ghcr.io"], { error: "error: required option '-u, --username <user>' not specified" }],
  [["logout", "ghcr.io"], { command: "logout", args: ["ghcr.io"], options: {} }],
  [["keygen"], { command: "keygen", args: [], options: { outputKeyPrefix: "cosign" } }],
  [
    [
      "manifest",
      "wasmplugin",
      "--image",
      "ghcr.io/a/b:v1",
      "--selector",
      "app=web",
      "--selector",
      "tier=edge",
      "--env",
      "A=1",
      "--phase",
      "AUTHN",
      "--digest",
      digest,
    ],
    {
      command: "manifest wasmplugin",
      args: [],
      options: { image: "ghcr.io/a/b:v1", selector: ["app=web", "tier=edge"], env: ["A=1"], phase: "AUTHN", digest },
    },
  ],
  [
    [
      "manifest",
      "envoy",
      "--image",
      "build/plugin.wasm",
      "--upstream",
      "127.0.0.1:8080",
      "--cluster",
      "a=127.0.0.1:1",
      "--buffer-limit",
      "2097152",
      "-o",
      "envoy.yaml",
    ],
    {
      command: "manifest envoy",
      args: [],
      options: {
        port: 10000,
        address: "0.0.0.0",
        adminPort: 9901,
        fetchTimeout: "10s",
        image: "build/plugin.wasm",
        upstream: "127.0.0.1:8080",
        cluster: ["a=127.0.0.1:1"],
        bufferLimit: 2097152,
        output: "envoy.yaml",
      },
    },
  ],
  [
    ["manifest", "envoyfilter", "--image", "https://cdn.example/x.wasm", "--sha256", "ab", "--context", "GATEWAY", "--plain-http"],
    {
      command: "manifest envoyfilter",
      args: [],
      options: { context: "GATEWAY", fetchTimeout: "10s", image: "https://cdn.example/x.wasm", sha256: "ab", plainHttp: true },
    },
  ],
  [
    ["manifest", "envoygateway", "--image", "ghcr.io/a/b:v1", "--target-ref", "Gateway/eg"],
    { command: "manifest envoygateway", args: [], options: { image: "ghcr.io/a/b:v1", targetRef: ["Gateway/eg"] } },
  ],
  [
    ["manifest", "higress", "--image", "ghcr.io/a/b:v1", "--match-rule", "domain=a.example"],
    { command: "manifest higress", args: [], options: { image: "ghcr.io/a/b:v1", matchRule: ["domain=a.example"] } },
  ],
  [
    ["manifest", "envoy", "--image", "build/plugin.wasm", "--port", "x", "--admin-port", "0"],
    // Not a number stays a string: the schema refuses it naming the field, and the CLI names the flag.
    { command: "manifest envoy", args: [], options: { port: "x", address: "0.0.0.0", adminPort: 0, fetchTimeout: "10s", image: "build/plugin.wasm" } },
  ],
  [
    ["manifest", "higress", "--image", "ghcr.io/a/b:v1", "--priority", "100"],
    { command: "manifest higress", args: [], options: { image: "ghcr.io/a/b:v1", priority: 100 } },
  ],
  [["manifest", "higress"], { error: "error: required option '--image <ref|url|file>' not specified" }],
  [["manifest", "pull-secret", "--registry", "ghcr.io"], { command: "manifest pull-secret", args: [], options: { registry: "ghcr.io" } }],
];

for (const [argv, expected] of table) {
  test(`as-proxy-wasm ${argv.join(" ")}`, async () => {
    assert.deepEqual(await parse(argv), expected);
  });
}
