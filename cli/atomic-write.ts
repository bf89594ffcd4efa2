import { rename, rm, writeFile } from "node:fs/promises";

/**
 * Writes `data` to `path` through a temporary file and a rename, so readers never see half a file and an
 * interrupted or failed write leaves the previous file (and no temporary file) behind.
 */
export async function writeAtomically(path: string, data: Uint8Array | string, options: { mode?: number } = {}): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data, options);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
