// Per-character rewriting of short ASCII strings (host names, tag values) without String#toLowerCase's
// Unicode tables: `s` itself when nothing changes, so the common case allocates nothing.

/** `s` with each UTF-16 code unit c replaced by `map(c)`. */
export function mapChars(s: string, map: (c: i32) => i32): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (map(c) == c) continue;
    let out = s.substring(0, i);
    for (let j = i; j < s.length; j++) out += String.fromCharCode(map(s.charCodeAt(j)));
    return out;
  }
  return s;
}
