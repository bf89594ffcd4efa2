import { createHash } from "node:crypto";
import { ContentError } from "../errors.js";
import { sha256, type Descriptor } from "../descriptor.js";

/**
 * Verifies fetched bytes against their descriptor, as oras-go's `content.ReadAll` does: a short read, trailing
 * data and a wrong digest are distinct errors, so a truncated download is not reported as tampering.
 */
export function verifyContent(descriptor: Descriptor, bytes: Uint8Array): Uint8Array {
  verifySize(descriptor, bytes.byteLength);
  verifyDigest(descriptor, sha256(bytes));
  return bytes;
}

/**
 * Hands `chunks` to `sink` as they arrive (`at`: the chunk's offset in the blob), hashing them on the way, and
 * stops one chunk past the descriptor's size: a source sending more gets a "trailing data" error, not our
 * memory or disk. Throws the errors of `verifyContent` once the source ends; until then `sink` has seen bytes
 * that are not yet verified.
 */
export async function receiveVerified(
  descriptor: Descriptor,
  chunks: AsyncIterable<Uint8Array>,
  sink: (chunk: Uint8Array, at: number) => void | Promise<void>,
  onProgress?: (bytes: number) => void,
): Promise<void> {
  const hash = createHash("sha256");
  let received = 0;
  // Leaving the loop early (too much data) closes the stream and its connection.
  for await (const chunk of chunks) {
    if (received + chunk.byteLength > descriptor.size) {
      received += chunk.byteLength;
      break;
    }
    await sink(chunk, received);
    hash.update(chunk);
    received += chunk.byteLength;
    onProgress?.(received);
  }
  verifySize(descriptor, received);
  verifyDigest(descriptor, `sha256:${hash.digest("hex")}`);
}

function verifySize(descriptor: Descriptor, size: number): void {
  if (size < descriptor.size) throw new ContentError(`${descriptor.digest}: content is ${size} bytes, expected ${descriptor.size} (truncated)`);
  if (size > descriptor.size) throw new ContentError(`${descriptor.digest}: content is ${size} bytes, expected ${descriptor.size} (trailing data)`);
}

function verifyDigest(descriptor: Descriptor, actual: string): void {
  if (actual !== descriptor.digest) throw new ContentError(`${descriptor.digest}: digest mismatch, content hashes to ${actual}`);
}
