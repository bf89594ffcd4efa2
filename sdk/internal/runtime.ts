// Replacements for the three `env` imports AssemblyScript's runtime would otherwise need (`abort`, `trace`,
// `seed`) — Envoy does not provide them, and a module importing them fails to load. The root asconfig.json
// points the compiler at these by their global names (`--use abort=proxyAbort` ...), which works whether
// the SDK is compiled from this repository (relative imports) or from node_modules (`~lib/as-proxy-wasm/`).
import { proxy_log, random_get } from "../abi/imports";
import { LogLevel } from "../types";
import { RET, stage, stagedA, stagedALength } from "./memory";

/** Writes `message` to the host log (kept apart from hostcalls.ts so the runtime hooks need nothing else). */
function logRaw(level: LogLevel, message: string): void {
  stage(message);
  proxy_log(level, stagedA, stagedALength);
}

/** `abort`: logs the message at Critical level, then traps, as a panic does in the other SDKs. */
// @ts-ignore: decorator
@global export function proxyAbort(message: string | null = null, fileName: string | null = null, line: u32 = 0, column: u32 = 0): void {
  let text = "abort: " + (message ? message : "(no message)");
  // The file only: printing line numbers would link number formatting into every filter.
  if (fileName) text += " in " + fileName;
  logRaw(LogLevel.Critical, text);
  unreachable();
}

/** `trace`: AssemblyScript's debug tracing, sent to the host log at Trace level (numeric arguments dropped). */
// @ts-ignore: decorator
@global export function proxyTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  logRaw(LogLevel.Trace, "trace: " + message);
}

/** `seed` for Math.random: 8 bytes from WASI `random_get`. */
// @ts-ignore: decorator
@global export function proxySeed(): f64 {
  random_get(RET, 8);
  return <f64>load<u64>(RET);
}
