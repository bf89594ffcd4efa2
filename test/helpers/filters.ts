/**
 * Real filter modules for the Envoy suites, built once per process: the SDK's test fixtures
 * (`test/fixtures/sdk/<name>/index.ts`), the gallery's examples compiled where they are (`example/<name>`),
 * and the `init` templates (every example, and `minimal`) as a user's project (`init`, the SDK and the
 * example's own dependencies linked into node_modules) holding the module its `build` writes (see
 * template-module.ts) in build/plugin.wasm.
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compileCached } from "../../cli/asc.js";
import { runCli } from "../../cli/index.js";
import { memoryIo } from "../../cli/io.js";
import { packageRoot } from "../../cli/package-root.js";
import { readTemplateMeta } from "../../cli/init/templates.js";
import { templateModule } from "./template-module.js";

const built = new Map<string, Promise<string>>();
let workDir: Promise<string> | undefined;

/**
 * Path of a built module: `sdk/<fixture>` (test/fixtures/sdk/), `differential/<fixture>`
 * (test/fixtures/differential/), `template/<name>` or `example/<name>`.
 */
export function filterModule(spec: string): Promise<string> {
  let module = built.get(spec);
  if (!module) {
    module = build(spec);
    built.set(spec, module);
  }
  return module;
}

/** Where a template's project lives once built (its config.example.json beside build/plugin.wasm). */
export async function templateProject(name: string): Promise<string> {
  await filterModule(`template/${name}`);
  return join(await work(), name);
}

async function work(): Promise<string> {
  workDir ??= mkdtemp(join(tmpdir(), "envoy-filters-")).then((dir) => {
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  });
  return workDir;
}

async function build(spec: string): Promise<string> {
  const [kind, name] = spec.split("/") as [string, string];
  if (kind === "template") {
    // The project as a user's, holding the module where `build` writes it.
    const project = await initTemplate(name);
    const output = join(project, "build", "plugin.wasm");
    await mkdir(dirname(output));
    await writeFile(output, await templateModule(name));
    return output;
  }
  const bytes = kind === "example" ? await templateModule(name) : await compileCached({ entry: join(packageRoot, "test", "fixtures", kind, name, "index.ts") });
  const path = join(await work(), `${kind}-${name}.wasm`);
  await writeFile(path, bytes);
  return path;
}

/** Runs the CLI in-process in `cwd`, as a user would in a shell there. */
export async function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = memoryIo({ cwd, env });
  const code = await runCli(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

async function initTemplate(name: string): Promise<string> {
  const dir = await work();
  const init = await cli(["init", name, "--template", name], dir);
  if (init.code !== 0) throw new Error(`init --template ${name} failed:\n${init.stderr}`);
  const modules = join(dir, name, "node_modules");
  await mkdir(modules, { recursive: true });
  await symlink(packageRoot, join(modules, "as-proxy-wasm"));
  // The example's own dependencies (e.g. as-proto), as this repository's devDependencies installed them.
  for (const dependency of Object.keys(readTemplateMeta(name).dependencies ?? {})) {
    await mkdir(dirname(join(modules, dependency)), { recursive: true }); // a scope's folder (@scope/name)
    await symlink(join(packageRoot, "node_modules", dependency), join(modules, dependency));
  }
  return join(dir, name);
}
