// String conveniences over the raw property calls (hostcalls.getProperty/setProperty take and give bytes).
import * as host from "./hostcalls";

/** A property as a UTF-8 string, e.g. `getPropertyString(["request", "path"])`; null when it does not exist. */
export function getPropertyString(path: string[]): string | null {
  const bytes = host.getProperty(path);
  return bytes ? String.UTF8.decode(bytes) : null;
}

/** Sets a property to a UTF-8 string; false when the host does not know it. */
export function setPropertyString(path: string[], value: string): bool {
  return host.setProperty(path, String.UTF8.encode(value));
}
