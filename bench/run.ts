// `npm run bench` (`--quick` for a fast check). Prints the report of bench/report.ts; exits 1 only when a
// module cannot be built or does not do the benchmark's work, never because of a time.
import { runBench } from "./report.js";

try {
  await runBench({ quick: process.argv.includes("--quick") }, (text) => process.stdout.write(text));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
