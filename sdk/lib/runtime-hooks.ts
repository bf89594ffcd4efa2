// Replacements for the three `env` imports AssemblyScript's runtime would otherwise need (`abort`, `trace`,
// `seed`): Envoy does not provide them, and a module importing them fails to load.
//
// The root asconfig.json loads this file as a library (`"lib"`: its exports become globals in every module
// built with that config, SDK or not) and points the runtime at these functions by name (`"use":
// ["abort=proxyAbort", ...]`). So it stands alone: it imports nothing and nothing imports it (a second copy
// through an import would clash with the globals).

@external("env", "proxy_log")
declare function proxy_log(level: u32, messagePtr: usize, messageSize: usize): u32;
@external("wasi_snapshot_preview1", "random_get")
declare function random_get(bufPtr: usize, bufLen: usize): u16;

const CRITICAL: u32 = 5;
const TRACE: u32 = 0;

/** Writes `message` to the host log through a temporary buffer (not the GC heap: abort may run anywhere). */
function logRaw(level: u32, message: string): void {
  // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
  const buf = heap.alloc(<usize>message.length * 3);
  const length = String.UTF8.encodeUnsafe(changetype<usize>(message), message.length, buf);
  proxy_log(level, buf, length);
  heap.free(buf);
}

/** `abort`: logs the message at Critical level, then traps, as a panic does in the other SDKs. */
export function proxyAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  let text = "abort: " + (message ? message : "(no message)");
  // The file only: printing line numbers would link number formatting into every filter.
  if (fileName) text += " in " + fileName;
  logRaw(CRITICAL, text);
  unreachable();
}

/** `trace`: AssemblyScript's debug tracing, sent to the host log at Trace level (numeric arguments dropped). */
export function proxyTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  logRaw(TRACE, "trace: " + message);
}

/** `seed` for Math.random: 8 bytes from WASI `random_get`. */
export function proxySeed(): f64 {
  const buf = memory.data(8);
  random_get(buf, 8);
  return <f64>load<u64>(buf);
}
