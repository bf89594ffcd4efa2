import { promisify } from "node:util";
import { gzip } from "node:zlib";

const gzipMember = promisify(gzip);

/**
 * Input per gzip member. Members compress at once on libuv's thread pool (pigz's idea: a 16 MB module took
 * 430 ms on one core); gzip readers (Go's, which Istio and containerd use, zlib's, Node's) read every member
 * of a multi-member file. Fixed, so the bytes never depend on the machine; a module under 4 MiB is one member,
 * byte-identical to a plain gzip.
 */
const memberSize = 4 * 1024 * 1024;

/**
 * gzip without a timestamp or file name (Node writes mtime 0), and with the OS byte set to "unknown"
 * (255, as Go's gzip writes it) so the header does not depend on the platform zlib was built for. The input
 * is the concatenation of `parts`, which is never built: only a member that straddles two parts is copied.
 */
export async function gzipDeterministic(parts: Uint8Array[]): Promise<Uint8Array> {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const pending: Promise<Buffer>[] = [];
  for (let start = 0; start === 0 || start < total; start += memberSize) {
    pending.push(gzipMember(slice(parts, start, Math.min(total, start + memberSize)), { level: 9 }));
  }
  const members = await Promise.all(pending);
  for (const member of members) member[9] = 255;
  return members.length === 1 ? members[0]! : Buffer.concat(members);
}

/** Bytes [start, end) of the concatenation of `parts`: a view when they lie in one part. */
function slice(parts: Uint8Array[], start: number, end: number): Uint8Array {
  const pieces: Uint8Array[] = [];
  let offset = 0;
  for (const part of parts) {
    const from = Math.max(start, offset);
    const to = Math.min(end, offset + part.byteLength);
    if (from < to) pieces.push(part.subarray(from - offset, to - offset));
    offset += part.byteLength;
  }
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}
