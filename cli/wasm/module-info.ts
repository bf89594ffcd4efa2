/**
 * What a loader looks at in a WebAssembly binary. Imports and exports (with the import signatures a host
 * checks) come from the host emulator's reader; this adds what `inspect` reports besides: size, custom
 * sections and whether a start function runs at instantiation.
 */
import { readWasmInterface, type WasmExport, type WasmImport } from "../../host/wasm-binary.js";

export { declaredAbiVersions, formatType } from "../../host/module-check.js";

export interface CustomSection {
  name: string;
  size: number;
}

export interface ModuleInfo {
  size: number;
  imports: WasmImport[];
  exports: WasmExport[];
  customSections: CustomSection[];
  /** A start function runs during instantiation, before the host has set up any context. */
  hasStartFunction: boolean;
}

/** A binary that is not a WebAssembly module, with the reason. */
export class NotWasmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotWasmError";
  }
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
const CUSTOM_SECTION = 0;
const START_SECTION = 8;

/** Parses a module's interface. Throws `NotWasmError` for anything V8 would not compile. */
export function readModuleInfo(bytes: Uint8Array): ModuleInfo {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NotWasmError("not a WebAssembly module (no \\0asm header)");
  }
  // V8's types want an ArrayBuffer-backed view; a Node Buffer is one at runtime.
  const source = bytes as Uint8Array<ArrayBuffer>;
  if (!WebAssembly.validate(source)) {
    throw new NotWasmError(`invalid WebAssembly module: ${compileErrorMessage(source)}`);
  }
  const customSections: CustomSection[] = [];
  let hasStartFunction = false;
  for (const section of sections(bytes)) {
    if (section.id === START_SECTION) hasStartFunction = true;
    if (section.id === CUSTOM_SECTION) {
      const [length, at] = leb128(bytes, section.start);
      const name = new TextDecoder().decode(bytes.subarray(at, at + length));
      customSections.push({ name, size: section.end - section.start });
    }
  }
  return { size: bytes.length, ...readWasmInterface(bytes), customSections, hasStartFunction };
}

/** The binary's sections as `{ id, start, end }` byte ranges of their contents. */
function* sections(bytes: Uint8Array): Generator<{ id: number; start: number; end: number }> {
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset];
    const [size, start] = leb128(bytes, offset + 1);
    yield { id, start, end: start + size };
    offset = start + size;
  }
}

/** An unsigned LEB128 at `offset`: the value and the offset after it. */
function leb128(bytes: Uint8Array, offset: number): [number, number] {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[offset++];
    value += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [value, offset];
  }
}

function compileErrorMessage(bytes: Uint8Array<ArrayBuffer>): string {
  try {
    new WebAssembly.Module(bytes);
    return "rejected by the validator";
  } catch (error) {
    return (error as Error).message.replace(/^WebAssembly\.Module\(\): /, "");
  }
}
