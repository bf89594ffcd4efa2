// The load generator: Debian's `wrk` (C, epoll, one thread) with bench/envoy/mix.lua, a fixed number of
// keep-alive connections each sending its next request as soon as the last one is answered.
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const script = join(dirname(fileURLToPath(import.meta.url)), "mix.lua");
const run = promisify(execFile);

export interface LoadResult {
  requests: number;
  durationUs: number;
  /** Socket errors and timeouts; and answers that were not 2xx/3xx. */
  errors: number;
  non2xx: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  meanUs: number;
}

/** The `wrk` binary on PATH, or undefined (install it with `apt-get install -y wrk`). */
export async function findWrk(): Promise<string | undefined> {
  return run("wrk", ["--version"]).then(
    () => "wrk",
    (error: { code?: unknown; stdout?: string }) => (error.code === "ENOENT" ? undefined : /wrk/.test(error.stdout ?? "") ? "wrk" : undefined),
  );
}

/** Drives `url` for `seconds` with `connections` connections; wrk's own figures. */
export async function drive(wrk: string, url: string, seconds: number, connections: number): Promise<LoadResult> {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "-s", script, url];
  const { stdout } = await run(wrk, args, { maxBuffer: 1 << 20 });
  const line = stdout.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`wrk printed no figures:\n${stdout}`);
  return JSON.parse(line.slice("WRK_JSON ".length)) as LoadResult;
}
