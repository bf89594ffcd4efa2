import { mkdir, readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { compileAssemblyScript, sdkTransform } from "../asc.js";
import { CliError, UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { packageVersion } from "../package-root.js";
import { readModuleInfo } from "../wasm/module-info.js";
import { formatBytes, formatVerdict } from "../wasm/report.js";
import { judgeModule, type Verdict } from "../wasm/verdict.js";
import { countErrors, formatDiagnostics } from "./diagnostics.js";
import { typescriptHints } from "./typescript-hints.js";
import { locateUnprovidedImports } from "./import-sources.js";
import { displayPath, readProject } from "./project.js";
import { writeAtomically } from "../atomic-write.js";
import { makeStamp, sha256, stampPath, upToDateOutput } from "./stamp.js";

export interface BuildOptions {
  output?: string;
  debug?: boolean;
  quiet?: boolean;
  json?: boolean;
  /** Compile even when the inputs have not changed. */
  force?: boolean;
}

const compilerVersion: string = createRequire(import.meta.url)("assemblyscript/package.json").version;

/**
 * `build`: compiles the project's entry, refuses a module a host would not load, and writes the output
 * atomically (a failed build leaves the previous artifact in place). Skips the compiler when nothing the
 * last compile read has changed.
 */
export async function build(dirArg: string | undefined, options: BuildOptions, io: Io): Promise<void> {
  const started = Date.now();
  const project = await readProject(dirArg ?? ".", io.cwd);
  const output = options.output ? resolve(io.cwd, options.output) : project.defaultOutput;
  // Said before compiling: `-o build` means a file, and the compile would be wasted.
  if (options.output && (await stat(output).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(`-o ${options.output}: is a directory; name the module file, e.g. -o ${join(options.output, "plugin.wasm")}`);
  }
  // The compiler reads sources through a hook that records them; the transform it imports is hashed here.
  const transform = sha256(await readFile(sdkTransform));
  const key = sha256(JSON.stringify([packageVersion, compilerVersion, transform, !!options.debug, project.entry, project.config]));

  const cached = options.force ? undefined : await upToDateOutput(output, key);
  if (cached) {
    report(output, cached, judgeModule(readModuleInfo(cached)), true, Date.now() - started, options, io);
    return;
  }

  const { binary, sourceMap, diagnostics, sources } = await compileAssemblyScript({
    entry: project.entry,
    config: project.config,
    debug: options.debug,
    // A debug build is for debuggers and `symbolize`, which read the source map beside the module.
    sourceMapFor: options.debug ? basename(output) : undefined,
    flags: ["--baseDir", project.dir],
    // Loaded here: it pulls in the compiler, which no other command (nor an up-to-date build) needs.
    transforms: [(await import("./status-check.js")).statusCheck],
  });
  const messages = formatDiagnostics(diagnostics, project.dir, io.cwd);
  if (!binary) {
    if (messages) io.stderr.write(`${messages}\n\n`);
    for (const hint of typescriptHints(diagnostics)) io.stderr.write(`hint: ${hint}\n`);
    const errors = countErrors(diagnostics);
    throw new CliError(
      `build failed: ${errors > 0 ? `${errors} compile error(s)` : "the compiler produced no module"}`,
      1,
      missingPackageHint(diagnostics, displayPath(project.dir, io.cwd) || "."),
    );
  }
  if (messages && !options.quiet && !options.json) io.stderr.write(`${messages}\n\n`);

  let verdict = judgeModule(readModuleInfo(binary));
  if (!verdict.loadable) {
    verdict = await locateUnprovidedImports(verdict, sources, project.dir, io.cwd);
    io.stderr.write(`${formatVerdict(verdict, io.stderr)}\n`);
    throw new CliError("build failed: Envoy/Istio would refuse this module (see above)");
  }
  await mkdir(dirname(output), { recursive: true });
  await writeAtomically(output, binary);
  if (sourceMap) await writeAtomically(`${output}.map`, sourceMap);
  await writeAtomically(stampPath(output), JSON.stringify(await makeStamp(key, sources, binary), null, 2));
  report(output, binary, verdict, false, Date.now() - started, options, io);
}

/** asc reports an uninstalled package as a missing `~lib/<package>` file; say what to do about it. */
function missingPackageHint(diagnostics: string, dir: string): string | undefined {
  const missing = /File '~lib\/((?:@[^/']+\/)?[^/']+?)(?:\.ts|\/[^']*)' not found/.exec(diagnostics);
  return missing ? `package "${missing[1]}" is not installed: run npm install in ${dir}` : undefined;
}

function report(output: string, binary: Uint8Array, verdict: Verdict, upToDate: boolean, ms: number, options: BuildOptions, io: Io): void {
  const path = displayPath(output, io.cwd);
  if (options.json) {
    const json = { output: path, size: binary.length, sha256: sha256(binary), abiVersion: verdict.abiVersion, upToDate, warnings: verdict.warnings };
    io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (options.quiet) return;
  const what = upToDate ? "up to date" : `built in ${(ms / 1000).toFixed(1)}s`;
  io.stdout.write(`${path}: ${formatBytes(binary.length)}, ABI ${verdict.abiVersion} (${what})\n`);
  for (const warning of verdict.warnings) io.stderr.write(`warning: ${warning}\n`);
}
