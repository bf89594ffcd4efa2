/**
 * One scenario, two hosts: every case of test/differential/*.yaml runs through the emulator and a real
 * Envoy (`run --compare --json`), and the two must agree on what reached the upstream, what the client got,
 * the local reply and the filter's logs. A case may list an intended difference (`differs`: the paths that
 * differ, `because`: why), which host/README.md also lists; then exactly those paths must differ.
 *
 * A case file: { description, module: sdk/<fixture> | template/<name> | example/<name>,
 *   config?: string | object (the plugin configuration; `template-example` for the template's example),
 *   scenario: the `run --request` scenario, tcp?: true for a network filter, differs?: [path prefix…], because?: "…" }
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { packageRoot } from "../cli/package-root.js";
import { envoyForTests } from "./helpers/envoy.js";
import { filterModule, templateProject } from "./helpers/filters.js";

interface Case {
  description: string;
  module: string;
  config?: string | Record<string, unknown>;
  scenario?: Record<string, unknown>;
  /** A TCP connection through a network filter (`run --tcp`): scenario { downstream, upstream }. */
  tcp?: boolean;
  differs?: string[];
  because?: string;
}

const envoy = envoyForTests();
const corpus = join(packageRoot, "test", "differential");
const cases = readdirSync(corpus)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((file) => ({ name: file.replace(/\.yaml$/, ""), spec: readCase(file) }));

/** A case file that does not parse is a failing case of its own, not the end of the suite. */
function readCase(file: string): Case {
  try {
    return parse(readFileSync(join(corpus, file), "utf8")) as Case;
  } catch (error) {
    return { description: `does not parse: ${(error as Error).message.split("\n")[0]}`, module: "" };
  }
}

test("the differential corpus has at least 40 cases", () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
});

for (const { name, spec } of cases) {
  test(`${name}: ${spec.description}`, { skip: envoy.skip }, async () => {
    assert.ok(spec.module, spec.description);
    assert.equal(Boolean(spec.differs), Boolean(spec.because), "an intended difference says which paths differ and why");
    const wasm = await filterModule(spec.module);
    const dir = await mkdtemp(join(tmpdir(), "differential-"));
    try {
      const scenarioFile = join(dir, "scenario.json");
      await writeFile(scenarioFile, JSON.stringify(spec.scenario ?? {}));
      const args = ["run", wasm, "--compare", "--json", "--envoy", envoy.binary!, "--request", scenarioFile];
      const config = await configuration(spec);
      if (config !== undefined) args.push("--config", config);
      if (spec.tcp) args.push("--tcp");
      const { io, stdout, stderr } = memoryIo({ cwd: dir });
      const code = await runCli(args, io);
      assert.ok(stdout(), `no comparison printed: ${stderr()}`);
      const result = JSON.parse(stdout()) as { differences: { path: string; emulator: unknown; envoy: unknown }[] };
      const differing = result.differences.map((d) => d.path);
      if (!spec.differs) {
        assert.deepEqual(result.differences, [], `the hosts differ:\n${JSON.stringify(result.differences, null, 2)}`);
        assert.equal(code, 0);
      } else {
        const unexpected = differing.filter((p) => !spec.differs!.some((prefix) => p.startsWith(prefix)));
        assert.deepEqual(unexpected, [], `differences beyond the intended ones:\n${JSON.stringify(result.differences, null, 2)}`);
        assert.ok(differing.length > 0, `the intended difference (${spec.because}) no longer shows: remove it from the case and host/README.md`);
        assert.equal(code, 1);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

async function configuration(spec: Case): Promise<string | undefined> {
  if (spec.config === undefined) return undefined;
  if (spec.config === "template-example") {
    return readFile(join(await templateProject(spec.module.split("/")[1]!), "config.example.json"), "utf8");
  }
  return typeof spec.config === "string" ? spec.config : JSON.stringify(spec.config);
}
