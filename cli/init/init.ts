import { randomBytes } from "node:crypto";
import { cp, mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { packageRoot, packageVersion, runsFromCheckout } from "../package-root.js";
import { displayPath } from "../compile/project.js";
import { COMMON, META, TEMPLATES, readTemplateMeta, templateDir, templatesDir } from "./templates.js";

export interface InitOptions {
  template: string;
  /** A local copy of as-proxy-wasm the project depends on by a `file:` path instead of the npm range. */
  sdk?: string;
}

/** Template files stored under another name, so npm packs them and they do not act in this repository. */
const RENAMES: Record<string, string> = { gitignore: ".gitignore", _github: ".github", _vscode: ".vscode" };
/**
 * Files of an example folder not copied as they are: its description, its README (embedded in the project's
 * README instead), and what building or installing it in place left there.
 */
const EXAMPLE_ONLY = new Set([META, "README.md", "build", "node_modules"]);

/** `init`: writes a new filter project from a template into an empty (or new) directory. */
export async function init(dirArg: string, options: InitOptions, io: Io): Promise<void> {
  if (!TEMPLATES.includes(options.template)) {
    throw new UsageError(`unknown template "${options.template}" (choose one of ${TEMPLATES.join(", ")})`);
  }
  // An empty argument (an unset shell variable) would otherwise mean the working directory.
  if (!dirArg.trim()) throw new UsageError("init needs the new project's directory", "e.g. as-proxy-wasm init my-filter");
  const target = resolve(io.cwd, dirArg);
  const sdkDependency = await sdkDependencyFor(options, io);
  await ensureEmptyDir(target, dirArg);

  const template = templateDir(options.template);
  const meta = readTemplateMeta(options.template);
  const values: Record<string, string> = {
    name: packageName(basename(target)),
    template: options.template,
    description: meta.description,
    runFlags: meta.runFlags,
    manifestFlags: meta.manifestFlags,
    about: withoutTitle(await readFile(join(template, "README.md"), "utf8")),
    sdkDependency,
    sdkNote: sdkDependency.startsWith("file:")
      ? "\n\nNote: `package.json` depends on as-proxy-wasm by a local `file:` path (`" +
        sdkDependency +
        "`), which exists only\n" +
        "on this machine; point it at a published version (`npm install -D as-proxy-wasm@latest`) before running CI elsewhere."
      : "",
    // A secret of the project's own where an example needs one (auth, jwt): no two projects share a default.
    randomToken: randomBytes(24).toString("base64url"),
  };
  await cp(join(templatesDir, COMMON), target, { recursive: true });
  await cp(template, target, { recursive: true, filter: (src) => !(dirname(src) === template && EXAMPLE_ONLY.has(basename(src))) });
  await finishFiles(target, values);
  if (meta.dependencies) await addDevDependencies(join(target, "package.json"), meta.dependencies);

  const where = displayPath(target, io.cwd);
  io.stdout.write(`Created ${where} from template ${options.template}.\n\nNext:\n  cd ${where}\n  npm install\n  npm run build\n  npm test\n`);
}

/**
 * What the project's package.json names as its as-proxy-wasm: the published range of this version
 * (`^0.1.0`) when the CLI runs from an installed package; an absolute `file:` path when asked (`--sdk`) or
 * when the CLI runs from a git checkout of this repository (whose version may not be published yet).
 */
async function sdkDependencyFor(options: InitOptions, io: Io): Promise<string> {
  if (options.sdk !== undefined) {
    const sdk = resolve(io.cwd, options.sdk);
    const manifest = await readFile(join(sdk, "package.json"), "utf8").catch(() => undefined);
    let name: unknown;
    try {
      name = manifest === undefined ? undefined : (JSON.parse(manifest) as { name?: unknown }).name;
    } catch {
      name = undefined;
    }
    if (name !== "as-proxy-wasm") {
      throw new UsageError(`--sdk ${options.sdk}: not a copy of as-proxy-wasm (no package.json named as-proxy-wasm there)`);
    }
    return `file:${sdk}`;
  }
  return runsFromCheckout() ? `file:${packageRoot}` : `^${packageVersion}`;
}

async function ensureEmptyDir(target: string, dirArg: string): Promise<void> {
  const info = await stat(target).catch(() => undefined);
  if (info && !info.isDirectory()) throw new UsageError(`${dirArg}: exists and is not a directory`);
  if (info && (await readdir(target)).length > 0) {
    throw new UsageError(`${dirArg}: directory is not empty`, "init writes a new project: pick a new or empty directory");
  }
  await mkdir(target, { recursive: true });
}

/** Renames the stored-under-another-name files and fills `{{placeholders}}` in every file. */
async function finishFiles(dir: string, values: Record<string, string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    let path = join(dir, entry.name);
    const renamed = RENAMES[entry.name];
    if (renamed) {
      await rename(path, join(dir, renamed));
      path = join(dir, renamed);
    }
    if (entry.isDirectory()) {
      await finishFiles(path, values);
      continue;
    }
    const text = await readFile(path, "utf8");
    const filled = text.replace(/\{\{(\w+)\}\}/g, (match, key: string) => values[key] ?? match);
    if (filled !== text) await writeFile(path, filled);
  }
}

/** An example's README without its `# <name>` title: the project's README has its own. */
function withoutTitle(readme: string): string {
  return readme.replace(/^# .*\n/, "").trim();
}

/** The example's own npm dependencies (e.g. as-proto), beside as-proxy-wasm. */
async function addDevDependencies(packageJson: string, dependencies: Record<string, string>): Promise<void> {
  const pkg = JSON.parse(await readFile(packageJson, "utf8")) as { devDependencies: Record<string, string> };
  pkg.devDependencies = { ...pkg.devDependencies, ...dependencies };
  await writeFile(packageJson, `${JSON.stringify(pkg, null, 2)}\n`);
}

/** npm package names are lowercase, without spaces or most punctuation. */
function packageName(dirName: string): string {
  return (
    dirName
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^[._-]+/, "") || "filter"
  );
}
