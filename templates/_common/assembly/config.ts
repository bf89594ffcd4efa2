// Reads the plugin configuration, a flat JSON object such as {"name": "x-hello", "limit": 10}. A few lines
// instead of a JSON library keep the filter small; use a full parser (e.g. assemblyscript-json) for nested
// configuration.

/** The string value of `key`, or `fallback` when the key is absent or not a string. */
export function configString(json: string, key: string, fallback: string): string {
  const start = valueStart(json, key);
  if (start < 0 || json.charCodeAt(start) != 0x22 /* " */) return fallback;
  let out = "";
  for (let i = start + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c == 0x22) return out;
    if (c == 0x5c /* \ */) i++; // keeps the escaped character as is: enough for \" and \\
    out += json.charAt(i);
  }
  return fallback;
}

/** The integer value of `key`, or `fallback` when the key is absent or not a number. */
export function configInt(json: string, key: string, fallback: i64): i64 {
  const start = valueStart(json, key);
  if (start < 0) return fallback;
  let value: i64 = 0;
  let digits = 0;
  for (let i = start; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    value = value * 10 + (c - 0x30);
    digits++;
  }
  return digits > 0 ? value : fallback;
}

/** Where the value of `"key":` begins, or -1. */
function valueStart(json: string, key: string): i32 {
  const at = json.indexOf('"' + key + '"');
  if (at < 0) return -1;
  let i = json.indexOf(":", at + key.length + 2);
  if (i < 0) return -1;
  i++;
  while (i < json.length && json.charCodeAt(i) <= 0x20) i++;
  return i;
}
