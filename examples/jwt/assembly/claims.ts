// A JWT's header or payload: a JSON object read with the SDK's JSON reader, with the few questions the
// checks ask of it.
import { JsonKind, JsonObject, parseJson } from "as-proxy-wasm";

/** The JSON object `bytes` hold, or null when they are not one. */
export function parseClaims(bytes: Uint8Array): Claims | null {
  // decodeBase64url sizes its array exactly, so the buffer holds these bytes and no more.
  const object = parseJson(bytes.buffer).asObject();
  return object == null ? null : new Claims(object);
}

export class Claims {
  constructor(private readonly object: JsonObject) {}

  has(name: string): bool {
    return this.object.has(name);
  }

  /** The claim if it is a string, else null. */
  string(name: string): string | null {
    const value = this.object.get(name);
    return value != null && value.kind == JsonKind.String ? value.asString() : null;
  }

  /** The claim if it is a number, in whole units (a NumericDate's fraction dropped), else NaN. */
  number(name: string): f64 {
    const value = this.object.get(name);
    // asInt, not asFloat: the float parser would add ~2 KB to the module for fractions of a second.
    return value != null && value.kind == JsonKind.Number ? <f64>value.asInt() : NaN;
  }

  /** Whether the claim is one of `accepted`, or an array holding one of them (as `aud` may be). */
  hasAnyOf(name: string, accepted: string[]): bool {
    const value = this.object.get(name);
    if (value == null) return false;
    const array = value.asArray();
    if (array == null) return value.kind == JsonKind.String && accepted.includes(value.asString());
    for (let i = 0; i < array.length; i++) {
      const item = array.at(i);
      if (item.kind == JsonKind.String && accepted.includes(item.asString())) return true;
    }
    return false;
  }

  /** Whether the claim is `required`, an array holding it, or (scope, scp) a space-separated list holding it. */
  grants(name: string, required: string): bool {
    const value = this.object.get(name);
    if (value == null) return false;
    if (value.kind == JsonKind.String) {
      const text = value.asString();
      return text == required || ((name == "scope" || name == "scp") && text.split(" ").includes(required));
    }
    return this.hasAnyOf(name, [required]);
  }

  /** A string, integer or boolean claim as text, or null for anything else (a fraction is not forwarded). */
  scalarText(name: string): string | null {
    const value = this.object.get(name);
    if (value == null) return null;
    const kind = value.kind;
    if (kind == JsonKind.String) return value.asString();
    if (kind == JsonKind.Bool) return value.asBool() ? "true" : "false";
    if (kind == JsonKind.Number && value.isInteger()) return value.asInt().toString();
    return null;
  }
}
