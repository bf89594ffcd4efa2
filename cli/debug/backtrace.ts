import { SourceMap } from "node:module";

/** One frame of the backtrace Envoy (proxy-wasm-cpp-host on V8) logs after a trap: `  2:  0x287f - name`. */
const FRAME = /^(\s*\d+:\s+0x)([0-9a-f]+)( - )(.*)$/;
/** What cpp-host prints for a function the name section does not name. */
const UNNAMED = /^unknown\(function index:(\d+)\)$/;

export interface Symbolizer {
  /** Function index → name, from the module's name section. */
  names: Map<number, string>;
  /** The debug build's source map: its columns are byte offsets in the module (line 1), as Binaryen writes them. */
  sourceMap?: SourceMap;
}

export interface SymbolizeResult {
  text: string;
  /** Frames seen, and how many got a source position. */
  frames: number;
  located: number;
  /** Lines saying a function failed (a trap) with no backtrace after them: the module had no name section. */
  bareTraps: number;
}

/**
 * Rewrites every backtrace frame in `log` (Envoy's text: frames on their own lines, or within one line as
 * `\n` when the log format escapes newlines) with the function's name and, given a source map, `file:line:column`
 * in the filter's source. Every other byte is kept.
 */
export function symbolize(log: string, symbolizer: Symbolizer): SymbolizeResult {
  const result: SymbolizeResult = { text: "", frames: 0, located: 0, bareTraps: 0 };
  const frame = (line: string): string => {
    const match = FRAME.exec(line);
    if (!match) return line;
    const [, head, hex, dash, printed] = match as unknown as [string, string, string, string, string];
    result.frames++;
    const unnamed = UNNAMED.exec(printed);
    const name = unnamed ? (symbolizer.names.get(Number(unnamed[1])) ?? printed) : printed;
    const where = position(symbolizer.sourceMap, parseInt(hex, 16));
    if (where) result.located++;
    return `${head}${hex}${dash}${name}${where ? `  at ${where}` : ""}`;
  };
  const lines = log.split("\n");
  result.text = lines
    .map((line, i) => {
      if (/Function: \S+ failed: /.test(line) && !`${line}${lines[i + 1] ?? ""}`.includes("in-VM backtrace")) result.bareTraps++;
      // An escaped log line holds the whole backtrace: its frames follow literal "\n"s.
      return line.includes("\\n") ? line.split("\\n").map(frame).join("\\n") : frame(line);
    })
    .join("\n");
  return result;
}

function position(map: SourceMap | undefined, offset: number): string | undefined {
  const entry = map?.findEntry(0, offset);
  if (!entry || !("originalSource" in entry) || !entry.originalSource) return undefined;
  return `${entry.originalSource.replace(/^file:\/\//, "")}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}
