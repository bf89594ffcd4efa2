import { createHash } from "node:crypto";
import { mkdir, readFile, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { writeAtomically } from "./atomic-write.js";
import { packageRoot } from "./package-root.js";

/** The AssemblyScript options every proxy-wasm module needs (runtime, exports, abort routing). */
export const sdkAsconfig = join(packageRoot, "asconfig.json");

/**
 * The SDK's compiler transform: leaves out exports of per-stream callbacks a filter does not override (the
 * host would call each on every request). Optional for correctness, so it is passed here by absolute path
 * rather than from asconfig.json, where asc cannot resolve it relative to an extended config.
 */
export const sdkTransform = join(packageRoot, "sdk", "transform", "index.js");

export interface CompileOptions {
  /** The filter's entry file (AssemblyScript). */
  entry: string;
  /** Keep names and debug info (asconfig target `debug`) instead of the optimized `release` target. */
  debug?: boolean;
  /** An asconfig.json to use instead of the SDK's (a filter project's own, which extends the SDK's). */
  config?: string;
  /** Extra compiler flags. */
  flags?: string[];
  /** Compiler transforms run besides the SDK's (`build`'s checks). */
  transforms?: object[];
  /**
   * Also produce a source map for a module written under this file name: asc references the map from the
   * module as `<name>.map`, so a debugger finds it beside the module.
   */
  sourceMapFor?: string;
}

export interface CompileResult {
  binary: Uint8Array | null;
  /** The source map, when asked for with `sourceMapFor`. */
  sourceMap: string | null;
  /** Compiler diagnostics as asc prints them (file:line:column and message). */
  diagnostics: string;
  /** Absolute paths of every file the compiler read (sources and asconfig files), for up-to-date checks. */
  sources: string[];
}

// One compile at a time in a process: the in-process compiler is not known to be re-entrant, so callers
// (suites building several fixtures at once, the bench) need not queue their compiles themselves.
let compiling: Promise<unknown> = Promise.resolve();

/** Compiles an AssemblyScript entry file to a wasm binary in-process with the current `assemblyscript` compiler. */
export function compileAssemblyScript(options: CompileOptions): Promise<CompileResult> {
  const result = compiling.then(() => compileNow(options));
  compiling = result.catch(() => undefined);
  return result;
}

async function compileNow(options: CompileOptions): Promise<CompileResult> {
  const { default: asc } = await import("assemblyscript/asc");
  let binary: Uint8Array | null = null;
  let sourceMap: string | null = null;
  let diagnostics = "";
  const outFile = options.sourceMapFor ?? "module.wasm";
  const argv = [
    options.entry,
    "--config",
    options.config ?? sdkAsconfig,
    "--target",
    options.debug ? "debug" : "release",
    "--outFile",
    outFile,
    ...(options.sourceMapFor ? ["--sourceMap"] : []),
    "--transform",
    sdkTransform,
    // Diagnostics are captured as text and reformatted; asc would colour them whenever CI is set.
    "--noColors",
    ...(options.flags ?? []),
  ];
  const sources: string[] = [];
  const { error } = await asc.main(argv, {
    readFile: async (name, baseDir) => {
      const path = resolve(baseDir, name);
      try {
        const text = await readFile(path, "utf8");
        sources.push(path);
        return text;
      } catch {
        return null; // asc probes several candidate paths per import
      }
    },
    writeFile: (name, contents) => {
      if (name.endsWith(outFile)) binary = contents as Uint8Array;
      else if (name.endsWith(`${outFile}.map`)) sourceMap = String(contents);
    },
    stdout: { write: (s: string | Uint8Array) => void (diagnostics += String(s)) } as never,
    stderr: { write: (s: string | Uint8Array) => void (diagnostics += String(s)) } as never,
    transforms: options.transforms as never,
  });
  if (error && !diagnostics) diagnostics = error.message;
  return { binary: error ? null : binary, sourceMap, diagnostics, sources };
}

/**
 * Compiles with a content-addressed cache keyed on the entry, the SDK sources and the options, so test
 * suites that build the same fixture many times compile it once. Throws with the diagnostics on failure.
 */
export async function compileCached(options: CompileOptions & { cacheDir?: string }): Promise<Uint8Array> {
  const cacheDir = options.cacheDir ?? join(packageRoot, ".test-cache");
  const key = await cacheKey(options);
  const cached = join(cacheDir, `${key}.wasm`);
  try {
    return new Uint8Array(await readFile(cached));
  } catch {
    // not cached yet
  }
  const { binary, diagnostics } = await compileAssemblyScript(options);
  if (!binary) throw new Error(`compiling ${options.entry} failed:\n${diagnostics}`);
  await mkdir(cacheDir, { recursive: true });
  await writeAtomically(cached, binary);
  return binary;
}

async function cacheKey(options: CompileOptions): Promise<string> {
  const hash = createHash("sha256");
  // The entry is part of the key: fixtures that share a folder hash the same file set.
  hash.update(JSON.stringify({ entry: resolve(options.entry), debug: !!options.debug, flags: options.flags ?? [], config: options.config ?? "" }));
  // The entry's own folder counts whole: its imports live beside it.
  const files = new Set([
    resolve(options.entry),
    sdkAsconfig,
    sdkTransform,
    ...(options.config ? [resolve(options.config)] : []),
    ...(await listFiles(join(packageRoot, "sdk"))),
    ...(await listFiles(dirname(resolve(options.entry)))),
  ]);
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 32);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out;
}
