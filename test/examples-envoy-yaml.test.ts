/**
 * Every gallery example's envoy.yaml is what `manifest envoy` writes now, by the command its first lines
 * record (no hand additions), and Envoy accepts it: the example scaffolded as a user's project
 * (`init --template <name>`, with the module its `build` writes), the recorded command run there as the user runs it, and the bootstrap
 * it writes passed to `envoy --mode validate` with the module path pointed at the project's build.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { packageRoot } from "../cli/package-root.js";
import { atProject } from "./helpers/example-envoy.js";
import { envoyForTests, validateEnvoyConfig } from "./helpers/envoy.js";
import { cli, templateProject } from "./helpers/filters.js";

const envoy = envoyForTests();
const examplesDir = join(packageRoot, "examples");
const examples = readdirSync(examplesDir).filter((name) => existsSync(join(examplesDir, name, "example.json")));

/** The comment lines an envoy.yaml starts with (the command that writes it, notes), and the YAML after them. */
function split(text: string): { header: string; body: string } {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => !line.startsWith("#"));
  return { header: lines.slice(0, first).join("\n"), body: lines.slice(first).join("\n") };
}

/** The arguments of the `npx as-proxy-wasm manifest envoy …` command the header records, as a shell splits them ('…' quoted or bare words). */
function recordedCommand(header: string): string[] {
  const line = /^# npx as-proxy-wasm (manifest envoy .+)$/m.exec(header)?.[1];
  assert.ok(line, "the first lines record the command: # npx as-proxy-wasm manifest envoy … -o envoy.yaml");
  return [...line.matchAll(/'([^']*)'|(\S+)/g)].map((word) => word[1] ?? word[2]);
}

test("the gallery has examples, each with an envoy.yaml", () => {
  assert.ok(examples.length >= 11, `examples found: ${examples.join(", ")}`);
  for (const name of examples) assert.ok(existsSync(join(examplesDir, name, "envoy.yaml")), `examples/${name}/envoy.yaml is missing`);
});

for (const name of examples) {
  const checkedInPath = join(examplesDir, name, "envoy.yaml");

  test(`examples/${name}/envoy.yaml is exactly what the command it records writes now`, async () => {
    const { header, body } = split(await readFile(checkedInPath, "utf8"));
    const args = recordedCommand(header);
    const output = args.indexOf("-o");
    assert.deepEqual(args.slice(output), ["-o", "envoy.yaml"], "the command writes envoy.yaml");
    const dir = await mkdtemp(join(tmpdir(), `examples-envoy-yaml-${name}-`));
    try {
      // Run in the example's folder (its config files are there), writing elsewhere than the checked-in file.
      const run = await cli([...args.slice(0, output), "-o", join(dir, "envoy.yaml")], join(examplesDir, name));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await readFile(join(dir, "envoy.yaml"), "utf8"), body);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe(`examples/${name} scaffolded and built as a project`, { skip: envoy.skip }, () => {
    test("the recorded command writes the envoy.yaml init scaffolded (its configuration checked against the project's schema), and envoy --mode validate accepts it", async () => {
      const project = await templateProject(name);
      const scaffolded = split(await readFile(join(project, "envoy.yaml"), "utf8"));
      const run = await cli(recordedCommand(scaffolded.header), project);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, "", "the module exists and the configuration satisfies config.schema.json");
      const written = await readFile(join(project, "envoy.yaml"), "utf8");
      assert.equal(written, scaffolded.body);
      const validation = await validateEnvoyConfig(envoy.binary!, parseYaml(atProject(project)(written)) as Record<string, unknown>);
      assert.ok(validation.ok, `envoy --mode validate refused examples/${name}/envoy.yaml:\n${validation.problems.join("\n")}`);
    });
  });
}
