/** mulberry32: a small seeded PRNG for randomized tests (same seed, same sequence, so failures reproduce). */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` seeded pseudo-random bytes, each below `symbols` (fewer symbols compress like real content). */
export function prngBytes(length: number, seed: number, symbols = 256): Buffer {
  const next = prng(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = (next() * symbols) | 0;
  return bytes;
}
