/** A parsed `WWW-Authenticate` challenge (RFC 9110 §11.6.1), as registries send it. */
export interface Challenge {
  scheme: "basic" | "bearer" | string;
  params: Record<string, string>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`.
 * Quoted values may contain commas (scopes do: `repository:a:pull,push`).
 */
export function parseChallenge(header: string | null): Challenge | undefined {
  if (!header) return undefined;
  const match = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const paramPattern = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,\s*|$)/gy;
  let param: RegExpExecArray | null;
  while ((param = paramPattern.exec(match[2])) !== null) {
    if (param[0] === "") break;
    params[param[1].toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, "$1") : param[3];
  }
  return { scheme: match[1].toLowerCase(), params };
}
