import { readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import type { Io } from "../io.js";
import { loadWasmFile } from "../wasm/load.js";
import { symbolize } from "./backtrace.js";
import { functionNames } from "./name-section.js";

export interface SymbolizeOptions {
  wasm: string;
  /** Default: `<wasm>.map` when it exists. */
  sourceMap?: string;
}

/** `symbolize`: Envoy's log (a file or stdin) with each Wasm backtrace frame named and placed in the source. */
export async function symbolizeCommand(logFile: string | undefined, options: SymbolizeOptions, io: Io): Promise<void> {
  const { bytes } = await loadWasmFile(options.wasm, io.cwd);
  const sourceMap = await readSourceMap(options.sourceMap ?? `${options.wasm}.map`, options.sourceMap !== undefined, io.cwd);
  const log = logFile === undefined || logFile === "-" ? await io.readStdin() : await readLog(logFile, io.cwd);
  const result = symbolize(log, { names: functionNames(bytes), sourceMap });
  io.stdout.write(result.text);
  if (result.frames === 0 && result.bareTraps > 0) {
    io.stderr.write(
      "note: Envoy logged a trap without a backtrace: it prints one only for a module with a name section; deploy a debug build (names and a source map: npx asc assembly/index.ts --target debug --sourceMap -o build/debug.wasm) to get one\n",
    );
  } else if (result.frames > 0 && !sourceMap) {
    io.stderr.write(`note: no source map (${options.wasm}.map): frames have function names only; build the module with --sourceMap for file:line\n`);
  }
}

async function readSourceMap(file: string, given: boolean, cwd: string): Promise<SourceMap | undefined> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch {
    if (given) throw new UsageError(`--source-map ${file}: no such file`);
    return undefined;
  }
  try {
    return new SourceMap(JSON.parse(text));
  } catch (error) {
    throw new UsageError(`${file}: not a source map (${(error as Error).message})`);
  }
}

async function readLog(file: string, cwd: string): Promise<string> {
  try {
    return await readFile(resolve(cwd, file), "utf8");
  } catch {
    throw new UsageError(`${file}: no such file (give Envoy's log as a file or on stdin)`);
  }
}
