// One request as a queue message: 1 byte version, u16 status (0: no response), u32 duration (ms), u8
// method length + method, u16 path length + path (UTF-8, little-endian numbers). About 20 bytes for a
// typical request, and versioned so a consumer can refuse what an older or newer producer sends.

const VERSION: u8 = 1;
const FIXED: i32 = 1 + 2 + 4 + 1 + 2;
/** Methods are tokens; anything longer than this is sent as "OTHER". */
const MAX_METHOD: i32 = 16;

export class RequestRecord {
  constructor(
    public method: string,
    public path: string,
    public status: u16,
    public durationMs: u32,
  ) {}
}

export function encodeRecord(record: RequestRecord): ArrayBuffer {
  let method = String.UTF8.encode(record.method);
  if (method.byteLength > MAX_METHOD) method = String.UTF8.encode("OTHER");
  const path = String.UTF8.encode(record.path);
  const pathLength = min(path.byteLength, 0xffff);
  const out = new ArrayBuffer(FIXED + method.byteLength + pathLength);
  const view = new DataView(out);
  view.setUint8(0, VERSION);
  view.setUint16(1, record.status, true);
  view.setUint32(3, record.durationMs, true);
  view.setUint8(7, <u8>method.byteLength);
  memory.copy(changetype<usize>(out) + 8, changetype<usize>(method), method.byteLength);
  const at = 8 + method.byteLength;
  view.setUint16(at, <u16>pathLength, true);
  memory.copy(changetype<usize>(out) + at + 2, changetype<usize>(path), pathLength);
  return out;
}

/** The record in `bytes`, or null when they are not a whole version-1 record. */
export function decodeRecord(bytes: ArrayBuffer): RequestRecord | null {
  const size = bytes.byteLength;
  if (size < FIXED || load<u8>(changetype<usize>(bytes)) != VERSION) return null;
  const view = new DataView(bytes);
  const methodLength = <i32>view.getUint8(7);
  if (methodLength > MAX_METHOD || 8 + methodLength + 2 > size) return null;
  const pathLength = <i32>view.getUint16(8 + methodLength, true);
  if (FIXED + methodLength + pathLength != size) return null;
  const base = changetype<usize>(bytes);
  return new RequestRecord(
    String.UTF8.decodeUnsafe(base + 8, methodLength),
    String.UTF8.decodeUnsafe(base + 10 + methodLength, pathLength),
    view.getUint16(1, true),
    view.getUint32(3, true),
  );
}
