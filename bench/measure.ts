// Timing: every case runs its batch once per round, rounds interleaved across cases so that drift in the
// machine (JIT tiers, other processes, frequency) spreads evenly; the figure is the median round.

/** Runs `iterations` operations of one case. */
export type Batch = (iterations: number) => void | Promise<void>;

/** Median nanoseconds per operation of each batch, after one warm-up round. */
export async function medianNsPerOp(batches: Batch[], iterations: number, rounds: number): Promise<number[]> {
  const samples: number[][] = batches.map(() => []);
  for (let round = -1; round < rounds; round++) {
    // Each round starts with the next case, so no case always follows the same one (a batch may pay for the
    // garbage the previous one left; a forced gc() between batches was tried: it shrinks V8's heap and makes
    // every batch slower and noisier).
    for (let k = 0; k < batches.length; k++) {
      const i = (k + round + 1) % batches.length;
      const start = process.hrtime.bigint();
      await batches[i]!(iterations);
      const ns = Number(process.hrtime.bigint() - start) / iterations;
      if (round >= 0) samples[i]!.push(ns);
    }
  }
  return samples.map(median);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
