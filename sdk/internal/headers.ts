// The serialized header-map format of the ABI (abi.md §4): u32 count, count × (u32 keyLen, u32 valueLen),
// then each key and value as bytes followed by a NUL. Lengths exclude the NULs; integers are little-endian
// (the wasm byte order, so plain loads/stores are right).

/** One header (or gRPC metadata entry). Names are compared by the host; Envoy lowercases them. */
export class Header {
  constructor(public name: string, public value: string) {}
}

/** Serializes headers into the ABI map format. */
export function serializeHeaders(headers: Header[]): ArrayBuffer {
  const n = headers.length;
  let size = 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const h = unchecked(headers[i]);
    size += String.UTF8.byteLength(h.name) + String.UTF8.byteLength(h.value) + 2;
  }
  const buf = new ArrayBuffer(size); // zero-filled, so the NULs are already there
  const base = changetype<usize>(buf);
  store<u32>(base, n);
  let data = base + 4 + n * 8;
  for (let i = 0; i < n; i++) {
    const h = unchecked(headers[i]);
    const keyLength = String.UTF8.encodeUnsafe(changetype<usize>(h.name), h.name.length, data);
    data += keyLength + 1;
    const valueLength = String.UTF8.encodeUnsafe(changetype<usize>(h.value), h.value.length, data);
    data += valueLength + 1;
    store<u32>(base + 4 + i * 8, keyLength);
    store<u32>(base + 8 + i * 8, valueLength);
  }
  return buf;
}

/** Parses the ABI map format; an empty or truncated map gives the entries that fit (never reads out of bounds). */
export function deserializeHeaders(buf: ArrayBuffer | null): Header[] {
  const out = new Array<Header>();
  if (!buf || buf.byteLength < 4) return out;
  const base = changetype<usize>(buf);
  const end = base + <usize>buf.byteLength;
  const n = <usize>load<u32>(base);
  if (n > (<usize>buf.byteLength - 4) / 8) return out;
  let data = base + 4 + n * 8;
  for (let i: usize = 0; i < n; i++) {
    const keyLength = <usize>load<u32>(base + 4 + i * 8);
    const valueLength = <usize>load<u32>(base + 8 + i * 8);
    // Each of key+NUL and value+NUL must fit in what is left (checked apart: the sum could overflow).
    if (keyLength >= end - data || valueLength >= end - data - keyLength - 1) break;
    const name = String.UTF8.decodeUnsafe(data, keyLength);
    data += keyLength + 1;
    const value = String.UTF8.decodeUnsafe(data, valueLength);
    data += valueLength + 1;
    out.push(new Header(name, value));
  }
  return out;
}
