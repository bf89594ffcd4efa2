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
 * (255, as Go's gzip writes it) so the header does not depend on the platform zlib was built for.
 */
export async function gzipDeterministic(bytes: Uint8Array): Promise<Uint8Array> {
  const pending: Promise<Buffer>[] = [];
  for (let start = 0; start === 0 || start < bytes.byteLength; start += memberSize) {
    pending.push(gzipMember(bytes.subarray(start, start + memberSize), { level: 9 }));
  }
  const members = await Promise.all(pending);
  for (const member of members) member[9] = 255;
  return members.length === 1 ? members[0]! : Buffer.concat(members);
}
