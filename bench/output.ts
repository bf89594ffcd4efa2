// How a bench hands over its figures: `--json` prints them instead of the report, `--save <file>` writes them
// to a file besides the report (bench/all.ts gathers the three benches' figures that way).
import { writeFile } from "node:fs/promises";

export interface FiguresOutput {
  /** `--json`: the report is not printed, the figures are. */
  json: boolean;
  emit(figures: unknown): Promise<void>;
}

export function figuresOutput(argv: readonly string[]): FiguresOutput {
  const json = argv.includes("--json");
  const at = argv.indexOf("--save");
  const save = at >= 0 ? argv[at + 1] : undefined;
  return {
    json,
    async emit(figures) {
      const text = `${JSON.stringify(figures, null, 2)}\n`;
      if (json) process.stdout.write(text);
      if (save) await writeFile(save, text);
    },
  };
}
