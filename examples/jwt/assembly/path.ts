// The path a per-prefix rule is matched against: percent-decoded (as many times as an attacker encoded it,
// up to a bound), with the segments the upstream will resolve ("..", ".", empty) resolved here first and
// case folded, so `//admin`, `/%61dmin` and `/public/%2e%2e/ADMIN` are all `/admin`.
import { lowerAscii, normalizePath, percentDecodeText } from "as-proxy-wasm";

/** The path of a `:path` value (query dropped) as per-prefix rules see it. */
export function rulePath(rawPath: string): string {
  const q = rawPath.indexOf("?");
  const decoded = percentDecodeText(q < 0 ? rawPath : rawPath.substring(0, q), false);
  return lowerAscii(normalizePath(decoded.replaceAll("\\", "/")));
}
