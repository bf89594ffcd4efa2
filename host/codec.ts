/** Header-map serialization (abi.md §4) and byte helpers. */

export type HeaderList = [name: string, value: string][];
export type Bytes = string | Uint8Array;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(value: Bytes | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return typeof value === "string" ? encoder.encode(value) : value;
}

export function toText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
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
 * An empty map serializes to zero bytes, as cpp-host returns it.
 */
export function serializeHeaders(headers: HeaderList): Uint8Array {
  if (headers.length === 0) return new Uint8Array(0);
  const encoded = headers.map(([k, v]) => [encoder.encode(k), encoder.encode(v)] as const);
  let size = 4 + 8 * encoded.length;
  for (const [k, v] of encoded) size += k.length + v.length + 2;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, encoded.length, true);
  let offset = 4;
  for (const [k, v] of encoded) {
    view.setUint32(offset, k.length, true);
    view.setUint32(offset + 4, v.length, true);
    offset += 8;
  }
  for (const [k, v] of encoded) {
    out.set(k, offset);
    offset += k.length + 1;
    out.set(v, offset);
    offset += v.length + 1;
  }
  return out;
}

/** Parses a serialized map; malformed input gives an empty list, as cpp-host's `PairsUtil::toPairs` does. */
export function parseHeaders(data: Uint8Array): HeaderList {
  if (data.length < 4) return [];
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = view.getUint32(0, true);
  if (count > (data.length - 4) / 8) return [];
  let offset = 4 + count * 8;
  const out: HeaderList = [];
  for (let i = 0; i < count; i++) {
    const keyLen = view.getUint32(4 + i * 8, true);
    const valueLen = view.getUint32(8 + i * 8, true);
    if (offset + keyLen + valueLen + 2 > data.length) return [];
    const key = toText(data.subarray(offset, offset + keyLen));
    offset += keyLen + 1;
    const value = toText(data.subarray(offset, offset + valueLen));
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
  for (const [k, v] of headers) size += encoder.encode(k).length + encoder.encode(v).length;
  return size;
}
