// The package as a user gets it from npm: `npm pack` (which builds dist/ in prepack), the tarball installed
// into a clean folder, and the new-user flow run with that install alone — init (every template), npm
// install, npm test, build, inspect, run, push --oci-layout, manifest wasmplugin — then the same for
// create-as-proxy-wasm (`npm create as-proxy-wasm`). No registry is needed beyond npm's cache: the packages'
// own dependencies are the ones `npm ci` already fetched (`--prefer-offline`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { packageRoot, packageVersion } from "../cli/package-root.js";
import { META, readTemplateMeta, TEMPLATES, templateDir } from "../cli/init/templates.js";
import { templateModule } from "./helpers/template-module.js";

const exec = promisify(execFile);
const tmp = await mkdtemp(join(tmpdir(), "package-"));
test.after(() => rm(tmp, { recursive: true, force: true }));

/** The environment of a user's shell: none of this run's npm_* settings, nor the test runner's context. */
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== "NODE_TEST_CONTEXT" && name !== "INIT_CWD"),
);
userEnv.npm_config_update_notifier = "false";
userEnv.npm_config_fund = "false";
userEnv.npm_config_audit = "false";

/** Runs a command as a user would, failing with its output. */
async function sh(cwd: string, command: string, args: string[]) {
  try {
    return await exec(command, args, { cwd, env: userEnv, timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    throw new Error(`${command} ${args.join(" ")} in ${cwd} failed:\n${stdout}\n${stderr}`);
  }
}
const install = ["install", "--prefer-offline", "--no-audit", "--no-fund"];

interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}
async function pack(args: string[]): Promise<Packed & { tarball: string }> {
  const { stdout } = await sh(packageRoot, "npm", ["pack", "--json", "--pack-destination", tmp, ...args]);
  const [packed] = JSON.parse(stdout) as Packed[];
  return { ...packed, tarball: join(tmp, packed.filename) };
}

const fromRoot = (path: string) => relative(packageRoot, path);
const sdk = await pack([]);
const create = await pack(["--workspace", "create-as-proxy-wasm"]);
const rootManifest = JSON.parse(await readFile(join(packageRoot, "package.json"), "utf8"));

test("the tarball holds what exports, bin, ascMain and the templates need, and no tests, fixtures or caches", (t) => {
  t.diagnostic(`${sdk.filename}: ${sdk.size.toLocaleString("en")} bytes packed, ${sdk.unpackedSize.toLocaleString("en")} unpacked, ${sdk.files.length} files`);
  t.diagnostic(`${create.filename}: ${create.size.toLocaleString("en")} bytes packed, ${create.files.length} files`);
  const files = new Set(sdk.files.map((f) => f.path));
  const needed = [
    "package.json",
    "README.md",
    "index.ts",
    "exports.ts",
    "asconfig.json",
    rootManifest.ascMain,
    "sdk/lib/runtime-hooks.ts",
    "dist/cli/index.js",
    ...Object.values(rootManifest.bin as Record<string, string>),
    ...Object.values(rootManifest.exports as Record<string, string | Record<string, string>>).flatMap((target) =>
      typeof target === "string" ? [target] : Object.values(target),
    ),
    "templates/_common/package.json",
    "templates/_common/gitignore",
    "templates/_common/_github/workflows/ci.yml",
    ...TEMPLATES.flatMap((name) => [META, "README.md", "assembly/index.ts"].map((file) => `${fromRoot(templateDir(name))}/${file}`)),
  ].map((path) => path.replace(/^\.\//, ""));
  for (const path of needed) assert.ok(files.has(path), `missing from the tarball: ${path}`);
  const forbidden =
    /^(test|bench|scripts|host|cli|packages|node_modules|\.test-cache|\.venv|\.scratch|\.git|\.github|\.changeset|\.ci)\/|(^|\/)fixtures\/|\.test\.(ts|mjs|js)$|\.map$|\.tsbuildinfo$|^tsconfig\.json$/;
  const templateTests = /^(templates|examples)\/[^/]+\/test\//; // the scaffolded projects' own tests are template files
  const unwanted = [...files].filter((path) => forbidden.test(path) && !templateTests.test(path));
  assert.deepEqual(unwanted, []);
  assert.deepEqual(create.files.map((f) => f.path).sort(), ["README.md", "bin/create-as-proxy-wasm.js", "package.json"]);
});

const cliPrefix = join(tmp, "cli");
const work = join(tmp, "work");
const flags = (text: string) => text.split(" ").filter(Boolean);

test("installed from the tarball alone: npx as-proxy-wasm init writes every template depending on ^version; one npm install serves them (but an example's own dependencies)", async () => {
  await mkdir(cliPrefix, { recursive: true });
  await mkdir(work, { recursive: true });
  await writeFile(join(cliPrefix, "package.json"), '{ "name": "tools", "private": true }\n');
  await sh(cliPrefix, "npm", [...install, sdk.tarball]);
  const npxCli = join(cliPrefix, "node_modules/.bin/as-proxy-wasm");
  assert.ok(existsSync(npxCli));
  for (const [index, name] of TEMPLATES.entries()) {
    // `npx as-proxy-wasm` from the tools folder, writing into another folder (as `npx` from anywhere would);
    // after the first, the binary npx found, without npx's own start-up each time.
    const args = ["init", join(work, name), "--template", name];
    const { stdout } = await (index === 0 ? sh(cliPrefix, "npx", ["--no", "as-proxy-wasm", ...args]) : sh(cliPrefix, npxCli, args));
    assert.match(stdout, new RegExp(`from template ${name}\\.`));
    const pkg = JSON.parse(await readFile(join(work, name, "package.json"), "utf8"));
    assert.equal(pkg.devDependencies["as-proxy-wasm"], `^${packageVersion}`);
    assert.doesNotMatch(await readFile(join(work, name, "README.md"), "utf8"), /file:|\{\{\w+\}\}/);
  }
  // The version is not published: the project's dependency is resolved to the same tarball.
  const first = join(work, TEMPLATES[0]);
  await sh(first, "npm", [...install, "--save-dev", sdk.tarball]);
  const installed = JSON.parse(await readFile(join(first, "node_modules/as-proxy-wasm/package.json"), "utf8"));
  assert.equal(installed.version, packageVersion);
  assert.ok(!existsSync(join(first, "node_modules/as-proxy-wasm/test")));
  for (const name of TEMPLATES.slice(1)) {
    // An example with npm dependencies of its own (grpc-call: as-proto) gets its own install, as a user's would.
    if (readTemplateMeta(name).dependencies) await sh(join(work, name), "npm", [...install, "--save-dev", sdk.tarball]);
    else await symlink(join(first, "node_modules"), join(work, name, "node_modules"));
  }
});

// Two projects at a time: each is a few processes (npm, the compiler, node --test), mostly one core each.
describe("each template's project, as a user runs it", { concurrency: 2 }, () => {
  for (const name of TEMPLATES) {
    test(`${name}: npm test, then build, inspect, run, push --oci-layout and manifest wasmplugin with the installed CLI`, async () => {
      const dir = join(work, name);
      const meta = readTemplateMeta(name);
      const tested = await sh(dir, "npm", ["test"]);
      assert.match(tested.stdout, /# fail 0/);
      assert.doesNotMatch(tested.stdout, /# pass 0\b/);
      // The installed binary itself (what `npx as-proxy-wasm` runs, without npx's own start-up each time).
      const cli = (...args: string[]) => sh(dir, join(dir, "node_modules/.bin/as-proxy-wasm"), args);
      assert.match((await cli("build")).stdout, /build\/plugin\.wasm: .*up to date|build\/plugin\.wasm: [\d,]+ bytes/);
      // The bytes every other suite runs as this template's module (test/helpers/template-module.ts).
      assert.deepEqual(new Uint8Array(await readFile(join(dir, "build/plugin.wasm"))), await templateModule(name));
      const report = JSON.parse((await cli("inspect", "build/plugin.wasm", "--json")).stdout);
      assert.equal(report.loadable, true);
      const ran = await cli("run", "build/plugin.wasm", ...flags(meta.runFlags), "--config", "@config.example.json", "--json");
      assert.ok(JSON.parse(ran.stdout).logs, ran.stdout);
      const layout = join(tmp, `oci-${name}`);
      const pushed = JSON.parse((await cli("push", "build/plugin.wasm", `${layout}:v1`, "--oci-layout", "--json")).stdout);
      assert.match(pushed.digest, /^sha256:[0-9a-f]{64}$/);
      const manifest = await cli(
        "manifest",
        "wasmplugin",
        "--image",
        `registry.example.com/filters/${name}:v1`,
        "--oci-layout",
        `${layout}:v1`,
        "--config",
        "@config.example.json",
        ...flags(meta.manifestFlags),
      );
      assert.match(manifest.stdout, /^kind: WasmPlugin$/m);
      assert.ok(manifest.stdout.includes(pushed.digest.slice("sha256:".length)), manifest.stdout);
    });
  }
});

test("npm create as-proxy-wasm: the create package's bin runs init from the as-proxy-wasm it depends on", async () => {
  const prefix = join(tmp, "create");
  await mkdir(prefix);
  await writeFile(join(prefix, "package.json"), '{ "name": "starter", "private": true }\n');
  // Both tarballs: create-as-proxy-wasm's dependency on as-proxy-wasm@^version is met by the packed one.
  await sh(prefix, "npm", [...install, create.tarball, sdk.tarball]);
  const created = await sh(prefix, "npm", ["create", "as-proxy-wasm", "my-filter", "--", "--template", "auth"]);
  assert.match(created.stdout, /Created my-filter from template auth\./);
  const pkg = JSON.parse(await readFile(join(prefix, "my-filter/package.json"), "utf8"));
  assert.equal(pkg.name, "my-filter");
  assert.equal(pkg.devDependencies["as-proxy-wasm"], `^${packageVersion}`);
  assert.ok(existsSync(join(prefix, "my-filter/assembly/index.ts")));
  // No directory: the usage of `init` as npm create spells it, exit 2.
  const bin = join(prefix, "node_modules/.bin/create-as-proxy-wasm");
  const bare = await exec(bin, [], { cwd: prefix, env: userEnv }).catch((error: { code: number; stderr: string }) => error);
  assert.equal((bare as { code: number }).code, 2);
  assert.match((bare as { stderr: string }).stderr, /Usage: npm create as-proxy-wasm@latest -- /);
});
