// A lean JSON reader for plugin configuration: it checks the whole document once (never trapping, reporting
// the byte where it went wrong), then reads values lazily straight from the UTF-8 bytes — no tree, no map.
// A value is a view (start, end) over the document's bytes; accessors scan it when asked.
// Long because validator and readers share the scanning helpers: split, they would cost every filter a copy.
import { log } from "../hostcalls";
import { LogLevel } from "../types";

/** What a JSON value is. */
export enum JsonKind { Invalid, Null, Bool, Number, String, Array, Object }

const QUOTE: u8 = 0x22, BACKSLASH: u8 = 0x5c, COMMA: u8 = 0x2c, COLON: u8 = 0x3a;

/** One JSON value inside a document. An `Invalid` value carries the parse error in `error`. */
export class JsonValue {
  constructor(protected readonly data: ArrayBuffer, protected readonly start: i32, protected readonly end: i32, public readonly error: string = "") {}

  get kind(): JsonKind {
    if (this.error.length > 0) return JsonKind.Invalid;
    const c = this.byte(this.start);
    if (c == QUOTE) return JsonKind.String;
    if (c == 0x7b) return JsonKind.Object;
    if (c == 0x5b) return JsonKind.Array;
    if (c == 0x6e) return JsonKind.Null;
    if (c == 0x74 || c == 0x66) return JsonKind.Bool;
    return JsonKind.Number;
  }

  /** The value as an object (null when it is not one). */
  asObject(): JsonObject | null {
    return this.kind == JsonKind.Object ? new JsonObject(this.data, this.start, this.end) : null;
  }

  /** The value as an array (null when it is not one). */
  asArray(): JsonArray | null {
    return this.kind == JsonKind.Array ? new JsonArray(this.data, this.start, this.end) : null;
  }

  /** The string, escapes decoded (`fallback` when not a string). */
  asString(fallback: string = ""): string {
    if (this.kind != JsonKind.String) return fallback;
    const base = changetype<usize>(this.data);
    let out = "";
    let run = this.start + 1;
    let i = run;
    while (true) {
      const c = this.byte(i);
      if (c != QUOTE && c != BACKSLASH) { i++; continue; }
      out += String.UTF8.decodeUnsafe(base + run, i - run);
      if (c == QUOTE) return out;
      const e = this.byte(i + 1);
      let code: i32 = e;
      if (e == 0x6e) code = 10;
      else if (e == 0x74) code = 9;
      else if (e == 0x72) code = 13;
      else if (e == 0x62) code = 8;
      else if (e == 0x66) code = 12;
      else if (e == 0x75) { code = hex4(this.data, i + 2); i += 4; } // a surrogate pair is two of these
      out += String.fromCharCode(code);
      i += 2;
      run = i;
    }
  }

  /** true/false (`fallback` when not a boolean). */
  asBool(fallback: bool = false): bool {
    return this.kind == JsonKind.Bool ? this.byte(this.start) == 0x74 : fallback;
  }

  /** The number as a float (`fallback` when not a number). */
  asFloat(fallback: f64 = 0): f64 {
    if (this.kind != JsonKind.Number) return fallback;
    return parseFloat(String.UTF8.decodeUnsafe(changetype<usize>(this.data) + this.start, this.end - this.start));
  }

  /** Whether the value is a number written without a fraction or exponent (e.g. `-12`, not `1.0` or `1e3`). */
  isInteger(): bool {
    if (this.kind != JsonKind.Number) return false;
    for (let i = this.start; i < this.end; i++) {
      const c = this.byte(i);
      if (c == 0x2e || c == 0x65 || c == 0x45) return false;
    }
    return true;
  }

  /** The number as an integer, fraction dropped, exponent applied (`fallback` when not a number). */
  asInt(fallback: i64 = 0): i64 {
    if (this.kind != JsonKind.Number) return fallback;
    let i = this.start;
    const negative = this.byte(i) == 0x2d;
    if (negative) i++;
    let value: i64 = 0;
    let scale: i32 = 0; // digits after the point still to drop (negative) or exponent to apply
    let c = this.byte(i);
    while (isDigit(c)) { value = value * 10 + (c - 0x30); c = this.byte(++i); }
    if (c == 0x2e) {
      c = this.byte(++i);
      while (isDigit(c)) { value = value * 10 + (c - 0x30); scale--; c = this.byte(++i); }
    }
    if (c == 0x65 || c == 0x45) {
      c = this.byte(++i);
      const down = c == 0x2d;
      if (c == 0x2d || c == 0x2b) c = this.byte(++i);
      let exp: i32 = 0;
      while (isDigit(c)) { exp = min(exp * 10 + (c - 0x30), 400); c = this.byte(++i); }
      scale += down ? -exp : exp;
    }
    for (; scale < 0 && value != 0; scale++) value /= 10;
    for (; scale > 0 && value != 0; scale--) value *= 10;
    return negative ? -value : value;
  }

  protected byte(i: i32): u8 {
    return byteAt(this.data, i, this.end);
  }
}

/** A JSON object: typed reads by key, each with a fallback for a missing key (see `problem`). */
export class JsonObject extends JsonValue {
  /** The first key whose value had the wrong type, as a message ("" when none). */
  problem: string = "";

  /** The value of `key` (the last one if repeated), or null. */
  get(key: string): JsonValue | null {
    let found: JsonValue | null = null;
    let i = skipSpace(this.data, this.start + 1, this.end);
    while (this.byte(i) == QUOTE) {
      const keyEnd = skipValue(this.data, i, this.end);
      const name = new JsonValue(this.data, i, keyEnd).asString();
      const at = skipSpace(this.data, skipSpace(this.data, keyEnd, this.end) + 1, this.end);
      const valueEnd = skipValue(this.data, at, this.end);
      if (name == key) found = new JsonValue(this.data, at, valueEnd);
      i = skipSpace(this.data, valueEnd, this.end);
      if (this.byte(i) == COMMA) i = skipSpace(this.data, i + 1, this.end);
    }
    return found;
  }

  /**
   * true when every typed read so far found the type it asked for; otherwise logs the first mismatch (e.g.
   * `invalid configuration: "limit" must be a number`) and returns false: end `onConfigure` with it.
   */
  ok(): bool {
    if (this.problem.length == 0) return true;
    log(LogLevel.Error, "invalid configuration: " + this.problem);
    return false;
  }

  /** Whether `key` is present. */
  has(key: string): bool {
    return this.get(key) != null;
  }

  getString(key: string, fallback: string): string {
    const v = this.typed(key, JsonKind.String, "a string");
    return v ? v.asString() : fallback;
  }

  getInt(key: string, fallback: i64): i64 {
    const v = this.typed(key, JsonKind.Number, "a number");
    return v ? v.asInt() : fallback;
  }

  getFloat(key: string, fallback: f64): f64 {
    const v = this.typed(key, JsonKind.Number, "a number");
    return v ? v.asFloat() : fallback;
  }

  getBool(key: string, fallback: bool): bool {
    const v = this.typed(key, JsonKind.Bool, "true or false");
    return v ? v.asBool() : fallback;
  }

  /** The array at `key`, or null when absent. */
  getArray(key: string): JsonArray | null {
    const v = this.typed(key, JsonKind.Array, "an array");
    return v ? v.asArray() : null;
  }

  /** The object at `key`, or null when absent. */
  getObject(key: string): JsonObject | null {
    const v = this.typed(key, JsonKind.Object, "an object");
    return v ? v.asObject() : null;
  }

  /** The strings of the array at `key` (`fallback` when absent). */
  getStrings(key: string, fallback: string[]): string[] {
    const array = this.getArray(key);
    if (!array) return fallback;
    const out = new Array<string>();
    const n = array.length;
    for (let i = 0; i < n; i++) {
      const v = array.at(i);
      if (v.kind != JsonKind.String) { this.fail(key, "an array of strings"); return fallback; }
      out.push(v.asString());
    }
    return out;
  }

  /** The value at `key` if it has `kind`; records a problem when it is present with another kind. */
  private typed(key: string, kind: JsonKind, what: string): JsonValue | null {
    const v = this.get(key);
    if (!v || v.kind == kind) return v;
    this.fail(key, what);
    return null;
  }

  private fail(key: string, what: string): void {
    if (this.problem.length == 0) this.problem = '"' + key + '" must be ' + what;
  }
}

/** A JSON array: `length` elements read with `at(i)`. */
export class JsonArray extends JsonValue {
  get length(): i32 {
    let n = 0;
    for (let i = this.first(); i < this.end - 1; i = this.next(i)) n++;
    return n;
  }

  /** Element `index`; an `Invalid` value when out of range. */
  at(index: i32): JsonValue {
    let i = this.first();
    for (let k = 0; k < index && i < this.end - 1; k++) i = this.next(i);
    if (i >= this.end - 1) return new JsonValue(this.data, i, i, "out of range");
    return new JsonValue(this.data, i, skipValue(this.data, i, this.end));
  }

  private first(): i32 {
    return skipSpace(this.data, this.start + 1, this.end);
  }

  private next(i: i32): i32 {
    i = skipSpace(this.data, skipValue(this.data, i, this.end), this.end);
    return this.byte(i) == COMMA ? skipSpace(this.data, i + 1, this.end) : i;
  }
}

/**
 * Parses a JSON document (UTF-8 bytes; null or empty reads as `{}`). Never traps: on malformed input the
 * value is `Invalid` and its `error` says what was wrong and at which byte.
 */
export function parseJson(data: ArrayBuffer | null): JsonValue {
  let bytes = data;
  if (!bytes || bytes.byteLength == 0) {
    bytes = new ArrayBuffer(2);
    store<u16>(changetype<usize>(bytes), 0x7d7b); // "{}" without String.UTF8.encode and a string constant
  }
  const end = bytes.byteLength;
  const start = skipSpace(bytes, 0, end);
  parseError = "";
  const valueEnd = checkValue(bytes, start, end, 0);
  const rest = skipSpace(bytes, valueEnd, end);
  if (rest < end) failAt(rest, end, "end"); // failAt keeps an earlier error
  if (parseError.length > 0) return new JsonValue(bytes, 0, 0, parseError);
  return new JsonValue(bytes, start, valueEnd);
}

/** Parses a configuration that must be a JSON object; logs `what`'s problem and returns null otherwise. */
export function parseJsonObject(data: ArrayBuffer | null, what: string): JsonObject | null {
  const value = parseJson(data);
  const object = value.asObject();
  if (!object) log(LogLevel.Error, what + ": " + (value.error.length > 0 ? value.error : "not an object"));
  return object;
}

// --- Validation (one pass; the first error wins) ---

let parseError = "";

// Messages stay short: every character is two bytes of the module.
function failAt(at: i32, end: i32, expected: string): i32 {
  if (parseError.length == 0) parseError = "bad JSON at byte " + decimalText(at) + ": expected " + expected;
  return end;
}

/** `n` in decimal (i32.toString would bring a 400-byte digit table along). */
function decimalText(n: i32): string {
  let out = "";
  do {
    out = String.fromCharCode(0x30 + n % 10) + out;
    n /= 10;
  } while (n > 0);
  return out;
}

// Calls, not @inline: dozens of inlined bounds checks cost ~350 bytes of module for no measurable speed.
function byteAt(data: ArrayBuffer, i: i32, end: i32): u8 {
  return i < end ? load<u8>(changetype<usize>(data) + i) : 0;
}

function isDigit(c: u8): bool {
  return c >= 0x30 && c <= 0x39;
}

function skipSpace(data: ArrayBuffer, i: i32, end: i32): i32 {
  while (i < end) {
    const c = load<u8>(changetype<usize>(data) + i);
    if (c != 0x20 && c != 0x0a && c != 0x0d && c != 0x09) break;
    i++;
  }
  return i;
}

/** The end of the (already validated) value at `i`. */
function skipValue(data: ArrayBuffer, i: i32, end: i32): i32 {
  return checkValue(data, i, end, 0);
}

function hex4(data: ArrayBuffer, i: i32): i32 {
  let code = 0;
  for (let k = 0; k < 4; k++) {
    const c = <i32>byteAt(data, i + k, data.byteLength);
    const d = isDigit(<u8>c) ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
    if (d < 0) return -1;
    code = (code << 4) | d;
  }
  return code;
}

/** Matches `quoted` (a word in single quotes, as the error names it) without its quotes. */
function expectWord(data: ArrayBuffer, i: i32, end: i32, quoted: string): i32 {
  const n = quoted.length - 2;
  for (let k = 0; k < n; k++) {
    if (byteAt(data, i + k, end) != <u8>quoted.charCodeAt(k + 1)) return failAt(i + k, end, quoted);
  }
  return i + n;
}

function checkDigits(data: ArrayBuffer, i: i32, end: i32): i32 {
  if (!isDigit(byteAt(data, i, end))) return failAt(i, end, "a digit");
  while (isDigit(byteAt(data, i, end))) i++;
  return i;
}

/** Checks the value at `i` and returns its end (or `end` after recording an error). */
function checkValue(data: ArrayBuffer, i: i32, end: i32, depth: i32): i32 {
  if (depth > 64) return failAt(i, end, "<65 levels");
  const c = byteAt(data, i, end);
  if (c == QUOTE) {
    i++;
    while (true) {
      const s = byteAt(data, i, end);
      if (i >= end || s < 0x20) return failAt(i, end, "'\"'");
      if (s == QUOTE) return i + 1;
      if (s == BACKSLASH) {
        const e = byteAt(data, i + 1, end);
        if (e == 0x75) {
          if (hex4(data, i + 2) < 0 || i + 6 > end) return failAt(i + 2, end, "\\uXXXX");
          i += 6;
          continue;
        }
        if (e != QUOTE && e != BACKSLASH && e != 0x2f && e != 0x62 && e != 0x66 && e != 0x6e && e != 0x72 && e != 0x74) {
          return failAt(i + 1, end, "an escape");
        }
        i += 2;
        continue;
      }
      i++;
    }
  }
  if (c == 0x7b || c == 0x5b) {
    const close: u8 = c == 0x7b ? 0x7d : 0x5d;
    i = skipSpace(data, i + 1, end);
    if (byteAt(data, i, end) == close) return i + 1;
    while (true) {
      if (c == 0x7b) {
        if (byteAt(data, i, end) != QUOTE) return failAt(i, end, "a key");
        i = skipSpace(data, checkValue(data, i, end, depth + 1), end);
        if (byteAt(data, i, end) != COLON) return failAt(i, end, "':'");
        i = skipSpace(data, i + 1, end);
      }
      i = skipSpace(data, checkValue(data, i, end, depth + 1), end);
      if (parseError.length > 0) return end;
      const s = byteAt(data, i, end);
      if (s == close) return i + 1;
      if (s != COMMA) return failAt(i, end, c == 0x7b ? "',' or '}'" : "',' or ']'");
      i = skipSpace(data, i + 1, end);
    }
  }
  if (c == 0x74) return expectWord(data, i, end, "'true'");
  if (c == 0x66) return expectWord(data, i, end, "'false'");
  if (c == 0x6e) return expectWord(data, i, end, "'null'");
  if (c == 0x2d || isDigit(c)) {
    if (c == 0x2d) i++;
    if (byteAt(data, i, end) == 0x30) i++;
    else i = checkDigits(data, i, end);
    if (byteAt(data, i, end) == 0x2e) i = checkDigits(data, i + 1, end);
    const e = byteAt(data, i, end);
    if (e == 0x65 || e == 0x45) {
      i++;
      const sign = byteAt(data, i, end);
      if (sign == 0x2b || sign == 0x2d) i++;
      i = checkDigits(data, i, end);
    }
    return i;
  }
  return failAt(i, end, "a value");
}
