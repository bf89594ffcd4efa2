import { ContentError } from "./errors.js";

const block = 512;

/**
 * A one-file ustar archive with fixed metadata (mode 0644, uid/gid 0, no user names, the given mtime),
 * so the same file always gives the same bytes: the layer digest depends on the content only. Returned as
 * its parts (header, the content itself, padding and end blocks): the archive is the concatenation, which
 * a large module need not be copied into.
 */
export function tarOneFile(name: string, content: Uint8Array, mtimeSeconds: number): Uint8Array[] {
  const header = Buffer.alloc(block);
  header.write(name, 0, 100, "utf8");
  writeOctal(header, 100, 8, 0o644);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, content.byteLength);
  writeOctal(header, 136, 12, mtimeSeconds);
  header.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
  header.write("0", 156, "ascii");
  header.write("ustar\u000000", 257, "ascii");
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  header.write(`${checksum.toString(8).padStart(6, "0")}\u0000 `, 148, "ascii");
  const padding = (block - (content.byteLength % block)) % block;
  return [header, content, Buffer.alloc(padding + 2 * block)];
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, "0")}\u0000`, offset, length, "ascii");
}

/**
 * Finds the first regular file whose base name is `baseName` in a tar archive (ustar, with GNU long names
 * and PAX `path` records, which docker-built layers use). Returns undefined when absent.
 */
export function findInTar(archive: Uint8Array, baseName: string): Uint8Array | undefined {
  const bytes = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  let offset = 0;
  let longName: string | undefined;
  while (offset + block <= bytes.byteLength) {
    const header = bytes.subarray(offset, offset + block);
    if (header.every((b) => b === 0)) return undefined;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = offset + block;
    const data = bytes.subarray(dataStart, dataStart + size);
    if (data.byteLength < size) throw new ContentError("tar archive is truncated");
    offset = dataStart + Math.ceil(size / block) * block;
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    if (type === "x") {
      longName = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1] ?? longName;
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    longName = undefined;
    if ((type === "0" || type === "\0") && name.split("/").pop() === baseName) return data;
  }
  return undefined;
}

function cString(field: Uint8Array): string {
  return Buffer.from(field).toString("utf8").replace(/\0.*$/s, "");
}

function parseOctal(field: Uint8Array): number {
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}
