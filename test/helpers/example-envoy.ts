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
import { cli, filterModule } from "./filters.js";

export type Bootstrap = Record<string, unknown>;

/** A folder holding the example's module as build/plugin.wasm. */
export async function exampleProject(name: string): Promise<string> {
  const project = await mkdtemp(join(tmpdir(), `example-${name}-`));
  process.on("exit", () => rmSync(project, { recursive: true, force: true }));
  await mkdir(join(project, "build"));
  await copyFile(await filterModule(`example/${name}`), join(project, "build", "plugin.wasm"));
  return project;
}

/** The bootstrap `manifest envoy` writes for the module in `project`, configured with `config` (JSON). */
export async function exampleBootstrap(project: string, upstreamPort: number, config: string): Promise<Bootstrap> {
  const args = ["manifest", "envoy", "--image", "build/plugin.wasm", "--config", config, "--port", "0", "--admin-port", "0"];
  args.push("--address", "127.0.0.1", "--upstream", `127.0.0.1:${upstreamPort}`, "-o", "envoy.yaml");
  const result = await cli(args, project);
  assert.equal(result.code, 0, result.stderr);
  return parseYaml(await readFile(join(project, "envoy.yaml"), "utf8")) as Bootstrap;
}
