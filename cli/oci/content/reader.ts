import { ContentError } from "../errors.js";
import { sha256, type Descriptor } from "../descriptor.js";

/**
 * Verifies fetched bytes against their descriptor, as oras-go's `content.ReadAll` does: a short read, trailing
 * data and a wrong digest are distinct errors, so a truncated download is not reported as tampering.
 */
export function verifyContent(descriptor: Descriptor, bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < descriptor.size) {
    throw new ContentError(`${descriptor.digest}: content is ${bytes.byteLength} bytes, expected ${descriptor.size} (truncated)`);
  }
  if (bytes.byteLength > descriptor.size) {
    throw new ContentError(`${descriptor.digest}: content is ${bytes.byteLength} bytes, expected ${descriptor.size} (trailing data)`);
  }
  const actual = sha256(bytes);
  if (actual !== descriptor.digest) throw new ContentError(`${descriptor.digest}: digest mismatch, content hashes to ${actual}`);
  return bytes;
}
