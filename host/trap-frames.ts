/**
 * Where in the module a trap happened, from V8's stack: each wasm frame reads
 * `at <name> (wasm://wasm/<hash>:wasm-function[<index>]:<offset>)`, the name coming from the module's name
 * section (asc keeps it in debug builds, as `npm test` builds), or `at wasm://wasm/<hash>:wasm-function[<index>]:<offset>`
 * without one.
 */

const WASM_FRAME = /^\s*at (?:(.+) \()?wasm:\/\/wasm\/[^:]+:wasm-function\[(\d+)\]:(0x[0-9a-f]+)\)?$/;

/** The wasm frames of a trap's stack, innermost first: the function name, or `wasm-function[i]:0x…`. */
export function wasmFrames(error: unknown): string[] {
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  return stack.split("\n").flatMap((line) => {
    const m = WASM_FRAME.exec(line);
    return m ? [m[1] ?? `wasm-function[${m[2]}]:${m[3]}`] : [];
  });
}

/** Frames of the standard library and installed packages (the SDK too), as asc names them. */
const LIBRARY = /^~lib\//;

/**
 * One clause for the trap message: the module's own frames (not the standard library's), innermost first,
 * so the filter's function shows rather than only `~lib/array.ts`; or a note on how to get names.
 */
export function describeFrames(frames: string[]): string {
  if (frames.length === 0) return "";
  if (frames.every((f) => f.startsWith("wasm-function["))) {
    return ` at ${frames.slice(0, 3).join(" < ")} (the module has no function names: build with --debug to see them)`;
  }
  const own = frames.filter((f) => !LIBRARY.test(f));
  return ` in ${(own.length > 0 ? own : frames).slice(0, 4).join(" < ")}`;
}
