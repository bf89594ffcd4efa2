// What a rule compares a URL with: percent-decoded as many times as an attacker encoded it (up to a bound),
// the path's segments resolved as the upstream will ("..", ".", empty), and ASCII case folded without the
// Unicode tables String#toLowerCase would add (~8 KB). Used by filters that match paths from configuration
// (auth by path prefix, WAF rules), where `//admin`, `/%61dmin` and `/public/%2e%2e/ADMIN` must all be `/admin`.

/** Decoding passes at most: `%252e` (encoded twice) decodes to `.`; deeper nesting stays partly encoded. */
const MAX_DECODE_PASSES = 3;

function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20; // lower case
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** One pass of percent-decoding over bytes (`plusIsSpace` for query strings and form bodies); null when nothing changed. */
function decodeOnce(input: Uint8Array, plusIsSpace: bool): Uint8Array | null {
  const out = new Uint8Array(input.length);
  let o = 0;
  let changed = false;
  for (let i = 0; i < input.length; i++) {
    const c = <i32>input[i];
    if (c == 0x25 /* % */ && i + 2 < input.length) {
      const hi = hexValue(input[i + 1]);
      const lo = hexValue(input[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out[o++] = <u8>((hi << 4) | lo);
        i += 2;
        changed = true;
        continue;
      }
    }
    if (c == 0x2b /* + */ && plusIsSpace) {
      out[o++] = 0x20;
      changed = true;
      continue;
    }
    out[o++] = <u8>c;
  }
  return changed ? out.subarray(0, o) : null;
}

/** `input` percent-decoded until stable (at most MAX_DECODE_PASSES times), as text. */
export function percentDecode(input: Uint8Array, plusIsSpace: bool): string {
  let bytes = input;
  for (let pass = 0; pass < MAX_DECODE_PASSES; pass++) {
    const next = decodeOnce(bytes, plusIsSpace && pass == 0);
    if (next == null) break;
    bytes = next;
  }
  return String.UTF8.decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/** `text` percent-decoded (see percentDecode). */
export function percentDecodeText(text: string, plusIsSpace: bool): string {
  return percentDecode(Uint8Array.wrap(String.UTF8.encode(text)), plusIsSpace);
}

/**
 * `text` with A-Z lowered, other characters as they are: what a rule compares (ModSecurity's t:lowercase
 * does the same). String#toLowerCase would add ~8 KB of Unicode tables to the module.
 */
export function lowerAscii(text: string): string {
  let i = 0;
  while (i < text.length && !isUpper(text.charCodeAt(i))) i++;
  if (i == text.length) return text;
  const out = changetype<string>(__new(<usize>text.length << 1, idof<string>()));
  memory.copy(changetype<usize>(out), changetype<usize>(text), <usize>text.length << 1);
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isUpper(c)) store<u16>(changetype<usize>(out) + (<usize>i << 1), c | 0x20);
  }
  return out;
}

function isUpper(c: i32): bool {
  return c >= 0x41 && c <= 0x5a;
}

/**
 * A decoded path with empty and "." segments dropped and ".." segments resolved (never above the root), as
 * RFC 3986 §5.2.4 and a lenient upstream would.
 */
export function normalizePath(decoded: string): string {
  const segments = decoded.split("/");
  const kept = new Array<string>();
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.length == 0 || segment == ".") continue;
    if (segment == "..") {
      if (kept.length > 0) kept.pop();
      continue;
    }
    kept.push(segment);
  }
  return "/" + kept.join("/");
}
