import { access } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.js";
import { encodeUleb, readUleb } from "./leb128.js";
import type { Io } from "../io.js";

/**
 * The module to run under the debugger: its source map (`<file>.map`, written by `asc … --sourceMap`) made
 * findable, the debugger attached, the module compiled (so the debugger knows its source) and, with
 * `--inspect-brk`, a pause before any of its code runs.
 */
export async function debugModule(file: string, bytes: Uint8Array, brk: boolean, io: Io): Promise<WebAssembly.Module> {
  const map = resolve(io.cwd, `${file}.map`);
  try {
    await access(map);
  } catch {
    throw new UsageError(
      `--inspect: no source map ${file}.map beside the module; build a debug module with one: npx asc assembly/index.ts --target debug --sourceMap -o build/debug.wasm`,
    );
  }
  await waitForDebugger(io);
  const module = await WebAssembly.compile(withSourceMapUrl(bytes, map) as Uint8Array<ArrayBuffer>);
  if (brk) breakBeforeFilter();
  return module;
}

/**
 * `run --inspect[-brk]`: opens Node's inspector (loopback, a free port), says where, and waits until a
 * debugger (Chrome DevTools, VS Code, a test's inspector session) attaches and lets the run go on.
 */
export async function waitForDebugger(io: Io): Promise<void> {
  const inspector = await import("node:inspector");
  // Started by a debugger already (VS Code's launch configuration): it is attached, nothing to wait for.
  if (inspector.url()) return;
  inspector.open(0, "127.0.0.1", false);
  io.stderr.write(
    `debugger listening on ${inspector.url()}\nattach Chrome DevTools (chrome://inspect) or a VS Code "attach" configuration; the run waits until one does\n`,
  );
  inspector.waitForDebugger();
}

/**
 * Pauses the attached debugger just before the filter's first callback of the stream (`--inspect-brk`):
 * the module is compiled, so breakpoints on its source lines can be set now.
 */
export function breakBeforeFilter(): void {
  // eslint-disable-next-line no-debugger
  debugger;
}

/**
 * The module with its `sourceMappingURL` section pointing at `mapFile` by an absolute file: URL. asc writes a
 * path relative to the module, which a debugger cannot resolve for a module compiled from bytes
 * (`wasm://wasm/…`). The section sits after the code, so no code offset (the map's columns) moves.
 */
export function withSourceMapUrl(bytes: Uint8Array, mapFile: string): Uint8Array {
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++]!;
    const [size, contentStart] = readUleb(bytes, at);
    at = contentStart + size;
    if (id === 0) {
      const [nameLength, nameStart] = readUleb(bytes, contentStart);
      if (new TextDecoder().decode(bytes.subarray(nameStart, nameStart + nameLength)) === "sourceMappingURL") continue;
    }
    kept.push(bytes.subarray(start, at));
  }
  kept.push(customSection("sourceMappingURL", new TextEncoder().encode(pathToFileURL(mapFile).href)));
  return Buffer.concat(kept);
}

function customSection(name: string, value: Uint8Array): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const content = Buffer.concat([encodeUleb(nameBytes.length), nameBytes, encodeUleb(value.length), value]);
  return Buffer.concat([Uint8Array.of(0), encodeUleb(content.length), content]);
}
