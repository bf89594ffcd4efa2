/**
 * Envoy's log lines as the harness asks for them: `--log-format '%l|%n|%v' --log-format-escaped`, so each
 * entry is one line (level, logger, message) with newlines and non-ASCII bytes C-escaped.
 */
export interface EnvoyLogLine {
  level: string;
  logger: string;
  message: string;
}

export const envoyLogFormat = "%l|%n|%v";

export function parseEnvoyLogLine(line: string): EnvoyLogLine | undefined {
  const match = /^(trace|debug|info|warning|error|critical)\|([\w.-]+)\|(.*)$/.exec(line);
  if (!match) return undefined;
  return { level: match[1]!, logger: match[2]!, message: cUnescape(match[3]!) };
}

/**
 * A filter's own `proxy_log` line: Envoy prints `wasm log <plugin name> <root id> <vm id>: <message>`
 * (empty parts left out), at the filter's level (`warning` for warn).
 */
export function wasmLogEntry(line: EnvoyLogLine): { level: string; message: string } | undefined {
  if (line.logger !== "wasm") return undefined;
  const match = /^wasm log[^:]*: ([\s\S]*)$/.exec(line.message);
  if (!match) return undefined;
  return { level: line.level === "warning" ? "warn" : line.level, message: match[1]! };
}

const simpleEscapes: Record<string, number> = { n: 10, r: 13, t: 9, '"': 34, "'": 39, "\\": 92 };

/** Undoes absl::CEscape: `\n`, `\t`, `\\`, quotes and `\ooo` octal bytes (UTF-8 is escaped byte by byte). */
export function cUnescape(text: string): string {
  if (!text.includes("\\")) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      const next = text[i + 1]!;
      const octal = /^[0-7]{3}/.exec(text.slice(i + 1, i + 4));
      if (octal) {
        bytes.push(parseInt(octal[0], 8));
        i += 3;
        continue;
      }
      if (next in simpleEscapes) {
        bytes.push(simpleEscapes[next]!);
        i += 1;
        continue;
      }
    }
    bytes.push(...Buffer.from(c, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}
