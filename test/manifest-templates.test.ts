import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { TEMPLATES } from "../cli/init/templates.js";
import { manifest, tinyWasm } from "./fixtures/manifests/cli.js";

// Agreement with `init`: each template's project declares config.schema.json at its root, and `manifest`
// finds it from the project's built module and checks --config against it.

const templates = TEMPLATES;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "manifest-templates-"));
});

after(() => rm(dir, { recursive: true, force: true }));

test("there are init templates to agree with", () => {
  assert.ok(templates.includes("add-header"), `templates found: ${templates.join(", ")}`);
});

for (const template of templates) {
  test(`${template}: the project's example config passes its schema; a config it refuses gives no YAML`, async () => {
    const { io, stderr } = memoryIo({ cwd: dir });
    assert.equal(await runCli(["init", template, "--template", template], io), 0, stderr());
    const project = join(dir, template);
    assert.ok(existsSync(join(project, "config.schema.json")), "the template declares config.schema.json");
    // Stands in for `npm run build`: only the module's place in the project matters here.
    await mkdir(join(project, "build"), { recursive: true });
    await writeFile(join(project, "build", "filter.wasm"), tinyWasm);
    const example = JSON.parse(await readFile(join(project, "config.example.json"), "utf8"));

    const ok = await manifest(["envoy", "--image", "build/filter.wasm", "--config", "@config.example.json"], project);
    assert.equal(ok.stderr, "");
    const filter = ok.document.static_resources.listeners[0].filter_chains[0].filters[0].typed_config.http_filters[0];
    assert.deepEqual(JSON.parse(filter.typed_config.config.configuration.value), example);

    const refused = await manifest(["wasmplugin", "--image", "r.io/f:1", "--digest", "e".repeat(64), "--wasm", "build/filter.wasm", "--config", "[]"], project);
    assert.equal(refused.stdout, "");
    // The schema's own wording (an example's schema may say "must NOT be valid" for a branch it excludes).
    assert.match(refused.stderr.split("\n")[0], /^error: pluginConfig: must .+ \(per config\.schema\.json\)$/);
    assert.equal(refused.code, 2);
  });
}
