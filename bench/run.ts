// The emulator bench (the first of `npm run bench`) — flags: `--quick` (few iterations: a fast check, noisy
// figures), `--json` (the figures as JSON instead of the report, for tracking them over time), `--save <file>`
// (the figures to a file too). Exits 1 only when a module cannot be built or
// does not do the benchmark's work, never because of a time.
import { figuresOutput } from "./output.js";
import { runBench } from "./report.js";

const output = figuresOutput(process.argv);
try {
  await output.emit(await runBench({ quick: process.argv.includes("--quick") }, output.json ? () => {} : (text) => void process.stdout.write(text)));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
