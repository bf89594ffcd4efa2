// `npm run bench` — flags: `--quick` (few iterations: a fast check, noisy figures), `--json` (the figures as
// JSON instead of the report, for tracking them over time). Exits 1 only when a module cannot be built or
// does not do the benchmark's work, never because of a time.
import { runBench } from "./report.js";

const write = (text: string) => void process.stdout.write(text);
const json = process.argv.includes("--json");
try {
  const figures = await runBench({ quick: process.argv.includes("--quick") }, json ? () => {} : write);
  if (json) write(`${JSON.stringify(figures, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
