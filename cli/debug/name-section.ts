import { readUleb } from "./leb128.js";

/**
 * Function names from a module's `name` custom section (subsection 1: function index → name), the names
 * Envoy prints in a backtrace and the ones `symbolize` gives frames Envoy printed by index.
 */
export function functionNames(bytes: Uint8Array): Map<number, string> {
  const names = new Map<number, string>();
  const module = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  const [section] = WebAssembly.Module.customSections(module, "name");
  if (!section) return names;
  const data = new Uint8Array(section);
  let at = 0;
  const uleb = (): number => {
    const [value, next] = readUleb(data, at);
    at = next;
    return value;
  };
  while (at < data.length) {
    const id = data[at++]!;
    const size = uleb();
    const end = at + size;
    if (id === 1) {
      for (let count = uleb(); count > 0; count--) {
        const index = uleb();
        const length = uleb();
        names.set(index, new TextDecoder().decode(data.subarray(at, at + length)));
        at += length;
      }
    }
    at = end;
  }
  return names;
}
