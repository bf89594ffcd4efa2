import { readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { UsageError } from "../errors.js";
import { sdkAsconfig } from "../asc.js";

/** What `build` needs to know about a filter project, read from its asconfig.json and package.json. */
export interface FilterProject {
  dir: string;
  /** The AssemblyScript entry file (absolute). */
  entry: string;
  /** The project's asconfig.json, or the SDK's when the project has none. */
  config: string;
  /** Default output: `<dir>/build/plugin.wasm`, the name Istio's image fetcher and `pull` use. */
  defaultOutput: string;
}

export const DEFAULT_ENTRY = "assembly/index.ts";

/**
 * Finds the entry: package.json `ascMain` (the AssemblyScript convention for a package's entry), else
 * `assembly/index.ts`. Every problem is a usage error naming the file to fix.
 */
export async function readProject(dirArg: string, cwd: string): Promise<FilterProject> {
  const dir = resolve(cwd, dirArg);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dirArg}: no such project directory`);

  const asconfigPath = join(dir, "asconfig.json");
  const asconfig = await readJson(asconfigPath, cwd);
  if (asconfig !== undefined && Array.isArray((asconfig as { entries?: unknown }).entries)) {
    throw new UsageError(
      `${displayPath(asconfigPath, cwd)}: remove "entries"; build compiles one filter, named by package.json "ascMain" (default ${DEFAULT_ENTRY})`,
    );
  }
  const pkg = (await readJson(join(dir, "package.json"), cwd)) as { ascMain?: unknown } | undefined;
  const entryName = typeof pkg?.ascMain === "string" ? pkg.ascMain : DEFAULT_ENTRY;
  const entry = resolve(dir, entryName);
  if (!(await stat(entry).catch(() => undefined))?.isFile()) {
    throw new UsageError(`${displayPath(entry, cwd)}: entry file not found (set "ascMain" in package.json to use another)`);
  }
  return {
    dir,
    entry,
    config: asconfig === undefined ? sdkAsconfig : asconfigPath,
    defaultOutput: join(dir, "build", "plugin.wasm"),
  };
}

/** A path as the user would type it from `cwd`: relative inside it, absolute outside. */
export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : path;
}

async function readJson(path: string, cwd: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${displayPath(path, cwd)}: invalid JSON: ${(error as Error).message}`);
  }
}
