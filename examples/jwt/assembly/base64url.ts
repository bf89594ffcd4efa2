// Base64url without padding (RFC 7515 §2), decoded strictly: any other character, a length no encoding
// has, or unused bits that are not zero make the token invalid, so each token has exactly one spelling.

/** The six bits character `c` stands for, or -1. */
function sextet(c: i32): i32 {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41; // A-Z
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 26; // a-z
  if (c >= 0x30 && c <= 0x39) return c - 0x30 + 52; // 0-9
  if (c == 0x2d) return 62; // -
  if (c == 0x5f) return 63; // _
  return -1;
}

/** The bytes `text[start, end)` encodes, or null when it is not canonical base64url. */
export function decodeBase64url(text: string, start: i32, end: i32): Uint8Array | null {
  const length = end - start;
  if (length % 4 == 1) return null;
  const out = new Uint8Array((length * 3) >> 2);
  let bits: u32 = 0;
  let count = 0;
  let o = 0;
  for (let i = start; i < end; i++) {
    const v = sextet(text.charCodeAt(i));
    if (v < 0) return null;
    bits = (bits << 6) | <u32>v;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out[o++] = <u8>(bits >> count);
    }
  }
  if ((bits & ((1 << count) - 1)) != 0) return null;
  return out;
}
