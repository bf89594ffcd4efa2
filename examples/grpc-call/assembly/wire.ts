// as-proto decodes trusting its input: built for release (no asserts), a truncated message or a length
// past the end makes it read beyond the buffer (and an unknown wire type aborts). An answer comes from the
// network, so it is checked here first: every field's tag, wire type and length inside the message.

let at: i32 = 0;

/** The varint at `at` (advanced past it) as a tag or length, or -1 when it runs past `end` or is not a u32. */
function varint(data: Uint8Array, end: i32): i64 {
  let value: u64 = 0;
  for (let shift: u64 = 0; shift < 70; shift += 7) {
    if (at >= end) return -1;
    const b = <u64>data[at++];
    value |= (b & 0x7f) << shift;
    if (b < 0x80) return value > 0xffff_ffff || shift > 28 ? -1 : <i64>value;
  }
  return -1;
}

/** Moves `at` past a varint of at most 10 bytes; false when it runs past `end` or is longer. */
function skipVarint(data: Uint8Array, end: i32): bool {
  for (let n = 0; n < 10 && at < end; n++) if (data[at++] < 0x80) return true;
  return false;
}

/**
 * Whether `data` is a well-formed protobuf message as as-proto reads it: each field a tag (field number
 * >= 1; wire type varint, fixed64, length-delimited or fixed32; groups are refused) and a value inside the
 * message. Length-delimited fields whose number has its bit set in `nested` must be well-formed messages
 * themselves (without nested messages of their own).
 */
export function isWellFormed(data: Uint8Array, nested: u32 = 0): bool {
  at = 0;
  return fieldsInside(data, data.length, nested);
}

function fieldsInside(data: Uint8Array, end: i32, nested: u32): bool {
  while (at < end) {
    const tag = varint(data, end);
    if (tag < 8) return false; // field number 0, or a bad varint
    const field = <u32>(tag >>> 3);
    switch (<i32>(tag & 7)) {
      case 0: // a value may be any 64-bit varint (an int64 field of a newer schema, say)
        if (!skipVarint(data, end)) return false;
        break;
      case 1:
        if ((at += 8) > end) return false;
        break;
      case 2: {
        const length = varint(data, end);
        if (length < 0 || length > end - at) return false;
        const fieldEnd = at + <i32>length;
        if (field < 32 && (nested & (1 << field)) != 0) {
          if (!fieldsInside(data, fieldEnd, 0)) return false;
        }
        at = fieldEnd;
        break;
      }
      case 5:
        if ((at += 4) > end) return false;
        break;
      default:
        return false;
    }
  }
  return at == end;
}
