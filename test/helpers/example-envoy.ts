/**
 * An `examples/<name>` filter behind a real Envoy, as its README deploys it: the module built once (see
 * filters.ts), copied into a project-like folder (build/plugin.wasm), and the bootstrap `manifest envoy`
 * writes for it there (loopback listener and admin on port 0, routed to the test's upstream).
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../../cli/package-root.js";
import { cli, filterModule } from "./filters.js";

export type Bootstrap = Record<string, unknown>;

/**
 * The listener buffer limit examples/body-rewrite/envoy.yaml is written with (its README says why): room for
 * the held body plus one upstream read, so a large read cannot push Envoy into resetting the response.
 */
export const bodyRewriteEnvoyFlags = ["--buffer-limit", "2097152"];

/** A folder holding the example's module as build/plugin.wasm. */
export async function exampleProject(name: string): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), `example-${name}-`));
  process.on("exit", () => rmSync(project, { recursive: true, force: true }));
  await mkdir(join(project, "build"));
  await copyFile(await filterModule(`example/${name}`), join(project, "build", "plugin.wasm"));
  return project;
}

/**
 * The bootstrap `manifest envoy` writes (as envoy.yaml) for the module in `project` — listener and admin on
 * free loopback ports, routed to the test's upstream — configured with `config` (JSON), with `extra` flags
 * (`--grpc-cluster`, `--service-vm-id`…).
 */
export async function exampleBootstrap(project: string, upstreamPort: number, config?: string, extra: string[] = []): Promise<Bootstrap> {
  const args = ["manifest", "envoy", "--image", "build/plugin.wasm", ...(config === undefined ? [] : ["--config", config])];
  args.push("--port", "0", "--admin-port", "0", "--address", "127.0.0.1", "--upstream", `127.0.0.1:${upstreamPort}`, ...extra, "-o", "envoy.yaml");
  const result = await cli(args, project);
  assert.equal(result.code, 0, result.stderr);
  return parseYaml(await readFile(join(project, "envoy.yaml"), "utf8")) as Bootstrap;
}

/**
 * What the README's `manifest envoy --image build/plugin.wasm --module-path build/plugin.wasm --config <config>
 * --upstream 127.0.0.1:8080 [extra]` writes in examples/<name>, as the checked-in envoy.yaml has it.
 */
export async function readmeBootstrap(name: string, config = "@config.example.json", extra: string[] = []): Promise<Bootstrap> {
  const example = join(packageRoot, "examples", name);
  const args = ["manifest", "envoy", "--image", "build/plugin.wasm", "--module-path", "build/plugin.wasm", "--config", config, "--upstream", "127.0.0.1:8080"];
  const result = await cli([...args, ...extra], example);
  assert.equal(result.code, 0, result.stderr);
  return parseYaml(result.stdout) as Bootstrap;
}

/** examples/<name>/envoy.yaml as checked in (`replace` edits its text first, e.g. to fill a placeholder). */
export async function checkedInBootstrap(name: string, replace: (text: string) => string = (text) => text): Promise<Bootstrap> {
  return parseYaml(replace(await readFile(join(packageRoot, "examples", name, "envoy.yaml"), "utf8"))) as Bootstrap;
}

/** The checked-in envoy.yaml's module path pointed at `project`'s build (for `envoy --mode validate`). */
export function atProject(project: string): (text: string) => string {
  return (text) => text.replaceAll("filename: build/plugin.wasm", `filename: ${join(project, "build", "plugin.wasm")}`);
}
