/** Property paths and values as Envoy encodes them (paths: segments joined by `\0`). */

import { toBytes } from "./codec.js";

export type PropertyValue = string | Uint8Array | number | bigint | boolean;

/** `["request", "path"]`, `"request\0path"` and `"request.path"` all name the same property. */
export function propertyKey(path: string | readonly string[]): string {
  if (typeof path !== "string") return path.join("\0");
  return path.includes("\0") ? path : path.split(".").join("\0");
}

/** Strings as UTF-8, integers as 8-byte little-endian int64 and booleans as one byte, like Envoy's serializer. */
export function encodePropertyValue(value: PropertyValue): Uint8Array {
  if (typeof value === "number" || typeof value === "bigint") {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigInt64(0, BigInt(value), true);
    return out;
  }
  if (typeof value === "boolean") return new Uint8Array([value ? 1 : 0]);
  return toBytes(value);
}

export function propertyMap(properties: Record<string, PropertyValue> | undefined): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>();
  for (const [path, value] of Object.entries(properties ?? {})) map.set(propertyKey(path), encodePropertyValue(value));
  return map;
}
