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
 * Reads a tar archive as it streams in (ustar, with GNU long names and PAX `path` records, which docker-built
 * layers use) and returns the content of the first regular file whose base name is `baseName`, or undefined
 * when there is none. Only that file is kept: the archive is never held whole, so the other files of a layer
 * (a docker image's whole filesystem, say) cost a pull no memory beyond the chunk being read.
 */
export async function findInTar(archive: AsyncIterable<Uint8Array>, baseName: string): Promise<Uint8Array | undefined> {
  const reader = new ExactReader(archive[Symbol.asyncIterator]());
  const header = new Uint8Array(block);
  let longName: string | undefined;
  for (;;) {
    const got = await reader.read(header);
    if (got === 0 || (got === block && header.every((b) => b === 0))) return undefined;
    if (got < block) throw truncated();
    const size = parseOctal(header.subarray(124, 136));
    const padding = Math.ceil(size / block) * block - size;
    const type = String.fromCharCode(header[156] || 0x30);
    if (type === "L" || type === "x") {
      const text = Buffer.from(await reader.take(size)).toString("utf8");
      await reader.skip(padding);
      longName = type === "L" ? text.replace(/\0.*$/s, "") : (/\d+ path=([^\n]*)\n/.exec(text)?.[1] ?? longName);
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const name = longName ?? (prefix ? `${prefix}/${cString(header.subarray(0, 100))}` : cString(header.subarray(0, 100)));
    longName = undefined;
    if ((type === "0" || type === "\0") && name.split("/").pop() === baseName) return reader.take(size);
    await reader.skip(size + padding);
  }
}

const truncated = () => new ContentError("tar archive is truncated");

/** Exact byte counts out of a stream of chunks of any size. */
class ExactReader {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** The next `size` bytes, in a buffer of their own. */
  async take(size: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(size);
    if ((await this.read(bytes)) < size) throw truncated();
    return bytes;
  }

  async skip(size: number): Promise<void> {
    if ((await this.read(size)) < size) throw truncated();
  }

  /** Fills `target`, or passes over `target` bytes; how many there were (fewer only at the end of the stream). */
  async read(target: Uint8Array | number): Promise<number> {
    const want = typeof target === "number" ? target : target.byteLength;
    let done = 0;
    while (done < want) {
      if (this.at === this.chunk.byteLength) {
        const next = await this.source.next();
        if (next.done) break;
        [this.chunk, this.at] = [next.value, 0];
        continue;
      }
      const n = Math.min(want - done, this.chunk.byteLength - this.at);
      if (typeof target !== "number") target.set(this.chunk.subarray(this.at, this.at + n), done);
      this.at += n;
      done += n;
    }
    return done;
  }
}

function cString(field: Uint8Array): string {
  return Buffer.from(field).toString("utf8").replace(/\0.*$/s, "");
}

function parseOctal(field: Uint8Array): number {
  const text = cString(field).trim();
  return text ? parseInt(text, 8) : 0;
}
