/** Header-map serialization (abi.md §4) and byte helpers. */

export type HeaderList = [name: string, value: string][];
export type Bytes = string | Uint8Array;

/** UTF-8 bytes of `value` (a short string's come from Node's buffer pool: cheaper than an array of its own). */
export function toBytes(value: Bytes | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return typeof value === "string" ? Buffer.from(value) : value;
}

/**
 * The text of UTF-8 `bytes` (of `bytes[start, end)`), decoded as `TextDecoder` does (invalid sequences become
 * U+FFFD, a leading BOM is dropped) but through Node's buffer decoder, without a copy: the host decodes names
 * and values on every call.
 */
export function toText(bytes: Uint8Array, start = 0, end = bytes.byteLength): string {
  const text = asBuffer(bytes).toString("utf8", start, end);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** `bytes` seen as a Buffer (the same memory, no copy), for Node's decoders and readers. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * `u32 count`, `count × (u32 key_len, u32 value_len)`, then each `key \0 value \0` (little-endian).
 * An empty map serializes to zero bytes, as cpp-host returns it. Written straight into one buffer (no
 * per-string arrays): the host serializes a map on nearly every callback.
 */
export function serializeHeaders(headers: HeaderList): Uint8Array {
  if (headers.length === 0) return new Uint8Array(0);
  let size = 4 + 10 * headers.length;
  for (const [k, v] of headers) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  const out = Buffer.alloc(size); // zero-filled: the separators
  out.writeUInt32LE(headers.length, 0);
  let lengths = 4;
  let offset = 4 + 8 * headers.length;
  for (const [k, v] of headers) {
    const keyLength = out.write(k, offset);
    offset += keyLength + 1;
    const valueLength = out.write(v, offset);
    offset += valueLength + 1;
    out.writeUInt32LE(keyLength, lengths);
    out.writeUInt32LE(valueLength, lengths + 4);
    lengths += 8;
  }
  return out;
}

/** Parses a serialized map; malformed input gives an empty list, as cpp-host's `PairsUtil::toPairs` does. */
export function parseHeaders(data: Uint8Array): HeaderList {
  if (data.length < 4) return [];
  const bytes = asBuffer(data);
  const count = bytes.readUInt32LE(0);
  if (count > (data.length - 4) / 8) return [];
  let offset = 4 + count * 8;
  const out: HeaderList = [];
  for (let i = 0; i < count; i++) {
    const keyLen = bytes.readUInt32LE(4 + i * 8);
    const valueLen = bytes.readUInt32LE(8 + i * 8);
    if (offset + keyLen + valueLen + 2 > data.length) return [];
    const key = toText(bytes, offset, offset + keyLen);
    offset += keyLen + 1;
    const value = toText(bytes, offset, offset + valueLen);
    offset += valueLen + 1;
    out.push([key, value]);
  }
  return out;
}

/** Header names as Envoy stores them (HTTP/2 and Envoy's codecs lowercase names). */
export function lowercaseNames(headers: HeaderList | undefined): HeaderList {
  return (headers ?? []).map(([k, v]) => [k.toLowerCase(), v]);
}

/** Envoy's `HeaderMap::byteSize()`: the sum of key and value lengths. */
export function headersByteSize(headers: HeaderList): number {
  let size = 0;
  for (const [k, v] of headers) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  return size;
}
