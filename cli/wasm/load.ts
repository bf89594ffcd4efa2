import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { NotWasmError, readModuleInfo, type ModuleInfo } from "./module-info.js";

export interface LoadedWasm {
  path: string;
  bytes: Uint8Array;
  info: ModuleInfo;
}

/** Reads a .wasm argument; a missing, unreadable or non-wasm file is a usage error naming the file. */
export async function loadWasmFile(file: string, cwd: string): Promise<LoadedWasm> {
  const path = resolve(cwd, file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UsageError(`${file}: no such file`);
    if (code === "EISDIR") throw new UsageError(`${file}: is a directory, expected a .wasm file`);
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
  try {
    return { path, bytes, info: readModuleInfo(bytes) };
  } catch (error) {
    if (error instanceof NotWasmError) throw new UsageError(`${file}: ${error.message}`);
    throw error;
  }
}
