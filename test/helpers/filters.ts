/**
 * Real filter modules for the Envoy suites, built once per process: the SDK's test fixtures
 * (`test/fixtures/sdk/<name>/index.ts`), and the `init` templates built as a user's project would be
 * (`init`, the SDK linked in as `node_modules/as-proxy-wasm`, `build`).
 */
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compileCached } from "../../cli/asc.js";
import { runCli } from "../../cli/index.js";
import { memoryIo } from "../../cli/io.js";
import { packageRoot } from "../../cli/package-root.js";

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
  if (kind === "sdk" || kind === "differential") {
    const bytes = await compileCached({ entry: join(packageRoot, "test", "fixtures", kind, name, "index.ts") });
    const path = join(await work(), `${kind}-${name}.wasm`);
    await writeFile(path, bytes);
    return path;
  }
  const project = kind === "template" ? await initTemplate(name) : join(packageRoot, "examples", name);
  const { io, stderr } = memoryIo({ cwd: project });
  const output = join(await work(), `${kind}-${name}.wasm`);
  if ((await runCli(["build", project, "--quiet", "-o", output], io)) !== 0) throw new Error(`building ${spec} failed:\n${stderr()}`);
  return output;
}

async function initTemplate(name: string): Promise<string> {
  const dir = await work();
  const { io, stderr } = memoryIo({ cwd: dir });
  if ((await runCli(["init", name, "--template", name], io)) !== 0) throw new Error(`init --template ${name} failed:\n${stderr()}`);
  await mkdir(join(dir, name, "node_modules"), { recursive: true });
  await symlink(packageRoot, join(dir, name, "node_modules", "as-proxy-wasm"));
  return join(dir, name);
}
