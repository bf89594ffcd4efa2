import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { packageRoot } from "../cli/package-root.js";

const run = promisify(execFile);

test("the README's quickstart does the main job end to end on an OCI layout", async () => {
  const work = await mkdtemp(join(tmpdir(), "quickstart-"));
  try {
    await run("bash", [join(packageRoot, "scripts", "quickstart.sh"), work], { cwd: packageRoot, maxBuffer: 1 << 24 });
    const pushed = JSON.parse(await readFile(join(work, "push.json"), "utf8")) as { digest: string };
    const plugin = parse(await readFile(join(work, "wasmplugin.yaml"), "utf8"));
    assert.equal(plugin.kind, "WasmPlugin");
    assert.equal(plugin.spec.url, "oci://registry.example.com/filters/my-filter:v1");
    assert.equal(`sha256:${plugin.spec.sha256}`, pushed.digest);
    const index = JSON.parse(await readFile(join(work, "oci", "index.json"), "utf8"));
    assert.equal(index.manifests[0].digest, pushed.digest);
    const blobs = await readdir(join(work, "oci", "blobs", "sha256"));
    assert.ok(blobs.includes(pushed.digest.slice("sha256:".length)));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
