// Every GitHub Actions workflow this repository holds or writes — its own CI and release, and the CI
// workflow `init` scaffolds into each template's project — passes a GitHub Actions workflow validator
// (@action-validator/core: the workflow JSON schema from SchemaStore, plus its glob and `needs` checks).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { validateWorkflow } from "@action-validator/core";
import { parse as parseYaml } from "yaml";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { packageRoot } from "../cli/package-root.js";
import { TEMPLATES } from "../cli/init/templates.js";

const exec = promisify(execFile);
const tmp = await mkdtemp(join(tmpdir(), "workflows-"));
test.after(() => rm(tmp, { recursive: true, force: true }));

async function workflowsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => /\.ya?ml$/.test(n)).map((n) => join(dir, n));
}

function assertValid(file: string, source: string): void {
  const { errors } = validateWorkflow(source);
  assert.deepEqual(errors, [], `${relative(packageRoot, file) || file}: ${JSON.stringify(errors, null, 2)}`);
}

test("the validator is not a no-op: it rejects a workflow with an unknown key and one without jobs", () => {
  assert.notDeepEqual(validateWorkflow("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n").errors, []);
  assert.notDeepEqual(validateWorkflow("name: x\non: push\n").errors, []);
});

test("this repository's workflows: ci (bash .ci/run on pushes and pull requests, Node 20 and 22) and release (tags, provenance)", async () => {
  const files = await workflowsIn(join(packageRoot, ".github/workflows"));
  assert.deepEqual(files.map((f) => relative(packageRoot, f)).sort(), [".github/workflows/ci.yml", ".github/workflows/release.yml"]);
  for (const file of files) assertValid(file, await readFile(file, "utf8"));

  const ci = parseYaml(await readFile(join(packageRoot, ".github/workflows/ci.yml"), "utf8"));
  assert.ok(ci.on.push && "pull_request" in ci.on);
  assert.deepEqual(ci.jobs.test.strategy.matrix.node, [20, 22]);
  assert.ok(ci.jobs.test.steps.some((s: { run?: string }) => /\bbash \.ci\/run$/.test(s.run ?? "")));

  const release = parseYaml(await readFile(join(packageRoot, ".github/workflows/release.yml"), "utf8"));
  assert.deepEqual(Object.keys(release.on), ["push"]);
  assert.ok(release.on.push.tags.every((t: string) => t.startsWith("v")));
  assert.equal(release.jobs.publish.permissions["id-token"], "write");
  const publishes = release.jobs.publish.steps.map((s: { run?: string }) => s.run ?? "").filter((r: string) => r.startsWith("npm publish"));
  assert.deepEqual(publishes, ["npm publish --provenance --access public", "npm publish --provenance --access public --workspace create-as-proxy-wasm"]);
});

test("the action-validator CLI agrees on the repository's workflows", async () => {
  const bin = join(packageRoot, "node_modules/.bin/action-validator");
  for (const file of await workflowsIn(join(packageRoot, ".github/workflows"))) {
    await exec(bin, [file], { cwd: packageRoot });
  }
});

test("the scaffolded CI workflow, as stored and as init writes it for every template", async () => {
  for (const file of await workflowsIn(join(packageRoot, "templates/_common/_github/workflows"))) {
    assertValid(file, await readFile(file, "utf8"));
  }
  for (const template of TEMPLATES) {
    const { io, stderr } = memoryIo({ cwd: tmp });
    assert.equal(await runCli(["init", template, "--template", template], io), 0, stderr());
    const files = await workflowsIn(join(tmp, template, ".github/workflows"));
    assert.ok(files.length > 0, template);
    for (const file of files) {
      const source = await readFile(file, "utf8");
      assert.doesNotMatch(source, /\{\{\w+\}\}|file:|\/work\/|\/home\//, `${template}: a placeholder or a path of this machine`);
      assertValid(file, source);
    }
  }
});
