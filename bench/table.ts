// Plain-text tables for the benchmark report.

export interface Column {
  title: string;
  /** Figures read better right-aligned. */
  right?: boolean;
}

/** Formats rows of cells under their columns, two spaces between columns, indented by two. */
export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...rows.map(line)].map((l) => `  ${l}`).join("\n");
}

/** An integer with thousands separators: 17,282. */
export function integer(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** A ratio to a baseline: 1.07×. */
export function ratio(value: number, baseline: number): string {
  return `${(value / baseline).toFixed(2)}×`;
}
