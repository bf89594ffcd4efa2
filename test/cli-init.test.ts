import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import type { Command } from "commander";
import { runCli } from "../cli/index.js";
import { memoryIo } from "../cli/io.js";
import { createProgram } from "../cli/program.js";
import { packageRoot } from "../cli/package-root.js";
import { DEFAULT_TEMPLATE, META, readTemplateMeta, TEMPLATES, templateDir } from "../cli/init/templates.js";
import { templateModule } from "./helpers/template-module.js";

const exec = promisify(execFile);
const tmp = await mkdtemp(join(tmpdir(), "cli-init-"));
test.after(() => rm(tmp, { recursive: true, force: true }));

async function cli(args: string[]) {
  const { io, stdout, stderr } = memoryIo({ cwd: tmp });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

/** Runs an npm script in a project the way a user would, failing with its output. */
async function npm(dir: string, args: string[]) {
  try {
    // Without NODE_TEST_CONTEXT: the project's own `node --test` must report as it would for a user, not to this runner.
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    return await exec("npm", args, { cwd: dir, env: { ...env, npm_config_update_notifier: "false" }, timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    throw new Error(`npm ${args.join(" ")} in ${dir} failed:\n${stdout}\n${stderr}`);
  }
}

test("init writes each template's project from its example; a single npm install links this repository", async () => {
  for (const template of TEMPLATES) {
    const { code, stdout, stderr } = await cli(["init", template, "--template", template]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`Created ${template} from template ${template}\\.`));
    const dir = join(tmp, template);
    const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    assert.equal(pkg.name, template);
    assert.equal(pkg.scripts.build, "as-proxy-wasm build");
    assert.match(pkg.scripts.test, /node --test/);
    assert.deepEqual(JSON.parse(await readFile(join(dir, "asconfig.json"), "utf8")), { extends: "./node_modules/as-proxy-wasm/asconfig.json" });
    for (const file of ["assembly/index.ts", "test/filter.test.mjs", "README.md", ".gitignore", ".github/workflows/ci.yml"]) {
      assert.ok(existsSync(join(dir, file)), `${template}: ${file}`);
    }
    assert.ok(!existsSync(join(dir, META)), `${template}: ${META} describes the example, it is not the project's`);
    // The project's README: its own title, then the example's README without the example's title.
    const readme = await readFile(join(dir, "README.md"), "utf8");
    const exampleReadme = await readFile(join(templateDir(template), "README.md"), "utf8");
    assert.ok(exampleReadme.startsWith(`# ${template}\n`), `${template}: README.md starts with # ${template}`);
    assert.ok(readme.startsWith(`# ${template}\n`) && readme.includes(exampleReadme.slice(`# ${template}\n`.length).trim()), `${template}: README.md`);
    assert.ok(!readme.includes(`\n# ${template}\n`), `${template}: the example's title is left out`);
    assert.doesNotMatch(readme, /\{\{\w+\}\}/);
    // The example's own npm dependencies, beside the SDK.
    assert.deepEqual(pkg.devDependencies, { "as-proxy-wasm": `file:${packageRoot}`, ...readTemplateMeta(template).dependencies });
    // Its Envoy bootstrap, filled in, loading the project's module.
    if (existsSync(join(templateDir(template), "envoy.yaml"))) {
      const envoyYaml = await readFile(join(dir, "envoy.yaml"), "utf8");
      assert.doesNotMatch(envoyYaml, /\{\{\w+\}\}/);
      assert.match(envoyYaml, /filename: build\/plugin\.wasm$/m);
    }
    // The example configuration satisfies the schema `manifest` checks pluginConfig against.
    const schema = JSON.parse(await readFile(join(dir, "config.schema.json"), "utf8"));
    const example = JSON.parse(await readFile(join(dir, "config.example.json"), "utf8"));
    const validate = new Ajv().compile(schema);
    assert.ok(validate(example), `${template}: ${JSON.stringify(validate.errors)}`);
  }
  const install = ["install", "--offline", "--no-audit", "--no-fund"];
  await npm(join(tmp, TEMPLATES[0]), install);
  assert.ok(existsSync(join(tmp, TEMPLATES[0], "node_modules/.bin/as-proxy-wasm")));
  // The same install serves the other projects (it is one symlink to this repository), but an example with
  // npm dependencies of its own (grpc-call: as-proto), installed as a user would.
  for (const template of TEMPLATES.slice(1)) {
    if (readTemplateMeta(template).dependencies) await npm(join(tmp, template), install);
    else await symlink(join(tmp, TEMPLATES[0], "node_modules"), join(tmp, template, "node_modules"));
  }
});

// The default template built as a user builds it; the others' modules are the bytes their `build` writes
// (test/helpers/template-module.ts; each project's own `npm run build` and `npm test` run in
// test/package.test.ts, from the packed tarball as a user installs it).
describe("each template's project has its module", () => {
  for (const template of TEMPLATES) {
    test(template, async () => {
      const module = join(tmp, template, "build/plugin.wasm");
      if (template === DEFAULT_TEMPLATE) {
        const { io, stdout, stderr } = memoryIo({ cwd: join(tmp, template) });
        assert.equal(await runCli(["build"], io), 0, stderr());
        assert.match(stdout(), /build\/plugin\.wasm: [\d,]+ bytes, ABI 0\.2\.1 \(built in/);
        assert.deepEqual(new Uint8Array(await readFile(module)), await templateModule(template));
      } else {
        await mkdir(dirname(module));
        await writeFile(module, await templateModule(template));
      }
    });
  }
});

test("run --json: add-header adds its header to the response", async () => {
  const { code, stdout, stderr } = await cli(["run", "add-header/build/plugin.wasm", "--json"]);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.ok(
    result.response.headers.some(([name, value]: string[]) => name === "x-hello" && value === "world"),
    stdout,
  );
});

test("run --json: auth without credentials answers 401 itself, nothing reaches the upstream", async () => {
  const { code, stdout, stderr } = await cli(["run", "auth/build/plugin.wasm", "--json", "--config", "@auth/config.example.json"]);
  assert.equal(code, 0, stderr);
  const result = JSON.parse(stdout);
  assert.equal(result.localResponse.status, 401);
  assert.equal(result.request, null);
});

test("run --tcp: the tcp template passes data both ways and closes a connection opening with the blocked prefix", async () => {
  const passed = await cli(["run", "tcp/build/plugin.wasm", "--tcp", "--json"]);
  assert.equal(passed.code, 0, passed.stderr);
  assert.deepEqual(JSON.parse(passed.stdout), {
    upstream: "hello\n",
    downstream: "hello from the upstream\n",
    closed: false,
    logs: [{ level: "info", message: "tcp: connection closed, 6 bytes in, 24 bytes out" }],
  });
  await writeFile(join(tmp, "drop.yaml"), 'downstream: "DROP TABLE users"\n');
  const dropped = await cli(["run", "tcp/build/plugin.wasm", "--tcp", "--config", "@tcp/config.example.json", "--request", "drop.yaml"]);
  assert.equal(dropped.code, 0, dropped.stderr);
  assert.match(dropped.stdout, /^→ forwarded upstream \(0 bytes\)$/m);
  assert.match(dropped.stdout, /^the filter closed the connection$/m);
});

test("minimal: just the filter, nothing left over; manifest takes any configuration, as for add-header", async () => {
  const dir = join(tmp, "minimal");
  assert.deepEqual(await readdir(join(dir, "assembly")), ["index.ts"]);
  assert.match(await readFile(join(dir, "assembly/index.ts"), "utf8"), /log\(LogLevel\.Info, "minimal: request with "/);
  const run = await cli(["run", "minimal/build/plugin.wasm", "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    JSON.parse(run.stdout).logs.map((l: { message: string }) => l.message),
    [`minimal: request with ${JSON.parse(run.stdout).request.headers.length} headers`],
  );
  // A new filter's own keys: neither the minimal schema nor the default template's refuses them.
  const configs: [string, object][] = [
    ["minimal", { routes: ["/api"], strict: true }],
    ["add-header", { name: "x-team", value: "edge", tenant: "t1" }],
  ];
  for (const [template, config] of configs) {
    const { io, stderr } = memoryIo({ cwd: join(tmp, template) });
    const args = ["manifest", "wasmplugin", "--image", "build/plugin.wasm", "--config", JSON.stringify(config), "-o", "extra.yaml"];
    assert.equal(await runCli(args, io), 0, `${template}: ${stderr()}`);
    assert.match(await readFile(join(tmp, template, "extra.yaml"), "utf8"), /tenant: t1|strict: true/);
  }
});

test("the binary runs: bin/as-proxy-wasm.js inspect on a generated project's module", async () => {
  const { stdout } = await exec(process.execPath, [join(packageRoot, "bin/as-proxy-wasm.js"), "inspect", join(tmp, "tcp/build/plugin.wasm"), "--json"]);
  const report = JSON.parse(stdout);
  assert.equal(report.loadable, true);
  assert.equal(report.abiVersion, "0.2.1");
});

for (const template of TEMPLATES) {
  test(`${template}: the CI workflow builds, tests, logs in and pushes, with commands and flags that exist`, async () => {
    const dir = join(tmp, template);
    const calls = await checkWorkflow(join(dir, ".github/workflows/ci.yml"));
    // Its manifest step runs as written (on the local build instead of the pushed image): the flags take
    // their values and config.example.json passes the project's config.schema.json.
    const manifest = calls.find(([name]) => name === "manifest") as string[];
    const { io, stderr } = memoryIo({ cwd: dir });
    assert.equal(
      await runCli(
        manifest.map((a) => (a === '"$IMAGE"' ? "build/plugin.wasm" : a)),
        io,
      ),
      0,
      stderr(),
    );
    assert.match(await readFile(join(dir, "wasmplugin.yaml"), "utf8"), /^kind: WasmPlugin$/m);
    // So does its leak gate: the template's filter serves 100,000 requests without growing (--json added
    // to read what the gate measured).
    const gate = memoryIo({ cwd: dir });
    const run = calls.find(([name]) => name === "run")!;
    assert.ok(run.includes("--repeat") && run[run.indexOf("--repeat") + 1] === "100000", run.join(" "));
    assert.equal(await runCli([...run, "--json"], gate.io), 0, gate.stderr());
    const { memory, passed } = JSON.parse(gate.stdout());
    assert.equal(passed, true);
    assert.equal(memory.requests, 100_000);
    assert.ok(memory.growthPer1000 <= 1024, JSON.stringify(memory));
  });
}

/** Checks the workflow's steps; returns its as-proxy-wasm calls as argument lists. */
async function checkWorkflow(file: string): Promise<string[][]> {
  const workflow = parseYaml(await readFile(file, "utf8"));
  assert.deepEqual(workflow.on.push.tags, ["v*"]);
  const steps: { run?: string; env?: Record<string, string> }[] = workflow.jobs.build.steps;
  const runs = steps
    .flatMap((s) => (s.run ?? "").split("\n"))
    .map((l) => l.trim())
    .filter(Boolean);
  for (const expected of ["npm ci", "npm run build", "npm test"]) assert.ok(runs.includes(expected), expected);
  const calls = runs.filter((l) => l.includes("as-proxy-wasm ")).map((l) => l.slice(l.indexOf("as-proxy-wasm ") + 14).split(/\s+/));
  assert.deepEqual(calls.map((c) => c[0]).sort(), ["inspect", "login", "manifest", "push", "run"]);
  const program = await createProgram(memoryIo().io);
  for (const [name, ...args] of calls) {
    let command = program.commands.find((c) => c.name() === name) as Command;
    if (command.commands.length > 0) command = command.commands.find((c) => c.name() === args[0]) as Command;
    assert.ok(command, `${name} ${args[0]}`);
    for (const flag of args.filter((a) => a.startsWith("-"))) {
      assert.ok(
        command.options.some((o) => o.long === flag || o.short === flag),
        `${name}: unknown flag ${flag}`,
      );
    }
  }
  const publish = steps.find((s) => s.run?.includes("as-proxy-wasm push"));
  assert.match(publish?.env?.REGISTRY_PASSWORD ?? "", /\$\{\{ secrets\.REGISTRY_PASSWORD \}\}/);
  assert.match(publish?.run ?? "", /--password-stdin/);
  return calls;
}

test("init refuses a non-empty directory, a file, and an unknown template", async () => {
  await mkdir(join(tmp, "busy"));
  await writeFile(join(tmp, "busy/keep.txt"), "mine");
  const busy = await cli(["init", "busy"]);
  assert.equal(busy.code, 2);
  assert.match(busy.stderr, /^error: busy: directory is not empty$/m);
  assert.deepEqual(await readdir(join(tmp, "busy")), ["keep.txt"]);
  await writeFile(join(tmp, "file"), "");
  const file = await cli(["init", "file"]);
  assert.equal(file.code, 2);
  assert.match(file.stderr, /^error: file: exists and is not a directory$/m);
  const empty = await cli(["init", ""]);
  assert.equal(empty.code, 2);
  assert.equal(empty.stderr, "error: init needs the new project's directory\nhint: e.g. as-proxy-wasm init my-filter\n");
  const unknown = await cli(["init", "x", "--template", "nope"]);
  assert.notEqual(unknown.code, 0);
  assert.ok(unknown.stderr.includes(`argument 'nope' is invalid. Allowed choices are ${TEMPLATES.join(", ")}.`), unknown.stderr);
  assert.ok(!existsSync(join(tmp, "x")));
});

test("init --sdk <path> depends on that copy by an absolute file: path; a folder that is not as-proxy-wasm is refused", async () => {
  const linked = await cli(["init", "with-sdk", "--sdk", packageRoot]);
  assert.equal(linked.code, 0, linked.stderr);
  const pkg = JSON.parse(await readFile(join(tmp, "with-sdk/package.json"), "utf8"));
  assert.equal(pkg.devDependencies["as-proxy-wasm"], `file:${packageRoot}`);
  assert.match(await readFile(join(tmp, "with-sdk/README.md"), "utf8"), /depends on as-proxy-wasm by a local `file:` path/);
  await mkdir(join(tmp, "not-sdk"));
  const refused = await cli(["init", "bad-sdk", "--sdk", "not-sdk"]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^error: --sdk not-sdk: not a copy of as-proxy-wasm/m);
  assert.ok(!existsSync(join(tmp, "bad-sdk")));
});

test("init into an existing empty directory works; --help lists the templates with an example", async () => {
  await mkdir(join(tmp, "empty"));
  assert.equal((await cli(["init", "empty"])).code, 0);
  assert.ok(existsSync(join(tmp, "empty/assembly/index.ts")));
  const help = await cli(["init", "--help"]);
  assert.equal(help.code, 0);
  for (const template of TEMPLATES) assert.match(help.stdout, new RegExp(`^ {2}${template} `, "m"));
  assert.match(help.stdout, /\$ as-proxy-wasm init my-auth --template auth/);
});
