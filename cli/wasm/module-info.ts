/**
 * Reads what a loader looks at in a WebAssembly binary: function signatures of imports, exports, custom
 * sections. `WebAssembly.Module.imports()` gives names but not signatures, and a host refuses a module on an
 * import whose arity differs from its own ("import type mismatch"), so the type section is read here.
 */

export type ValueType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export type ExternKind = "function" | "table" | "memory" | "global" | "tag";

export interface FunctionType {
  params: ValueType[];
  results: ValueType[];
}

export interface ModuleImport {
  module: string;
  name: string;
  kind: ExternKind;
  /** Signature, for function imports. */
  type?: FunctionType;
}

export interface ModuleExport {
  name: string;
  kind: ExternKind;
  type?: FunctionType;
}

export interface CustomSection {
  name: string;
  size: number;
}

export interface ModuleInfo {
  size: number;
  imports: ModuleImport[];
  exports: ModuleExport[];
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
const VALUE_TYPES: Record<number, ValueType> = {
  0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref",
};
const KINDS: ExternKind[] = ["function", "table", "memory", "global", "tag"];
const SECTION = { custom: 0, type: 1, import: 2, function: 3, export: 7, start: 8 } as const;

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
  const reader = new Reader(bytes, 8);
  const types: FunctionType[] = [];
  const imports: ModuleImport[] = [];
  const functionTypes: number[] = []; // type index per function, imported ones first
  const exports: ModuleExport[] = [];
  const customSections: CustomSection[] = [];
  let hasStartFunction = false;
  while (!reader.done()) {
    const id = reader.byte();
    const size = reader.u32();
    const end = reader.offset + size;
    switch (id) {
      case SECTION.type:
        for (let n = reader.u32(); n > 0; n--) types.push(reader.functionType());
        break;
      case SECTION.import:
        for (let n = reader.u32(); n > 0; n--) {
          const module = reader.name();
          const name = reader.name();
          const kind = KINDS[reader.byte()];
          const entry: ModuleImport = { module, name, kind };
          if (kind === "function") {
            const index = reader.u32();
            functionTypes.push(index);
            entry.type = types[index];
          } else {
            reader.skipImportDescriptor(kind);
          }
          imports.push(entry);
        }
        break;
      case SECTION.function:
        for (let n = reader.u32(); n > 0; n--) functionTypes.push(reader.u32());
        break;
      case SECTION.export:
        for (let n = reader.u32(); n > 0; n--) {
          const name = reader.name();
          const kind = KINDS[reader.byte()];
          const index = reader.u32();
          exports.push(kind === "function" ? { name, kind, type: types[functionTypes[index]] } : { name, kind });
        }
        break;
      case SECTION.custom:
        customSections.push({ name: reader.name(), size });
        break;
      case SECTION.start:
        hasStartFunction = true;
        break;
    }
    reader.offset = end;
  }
  return { size: bytes.length, imports, exports, customSections, hasStartFunction };
}

/** Formats a signature the way wasm text does: `(i32, i32) -> i32`. */
export function formatType(type: FunctionType | undefined): string {
  if (!type) return "";
  const results = type.results.length === 0 ? "()" : type.results.join(", ");
  return `(${type.params.join(", ")}) -> ${results}`;
}

function compileErrorMessage(bytes: Uint8Array<ArrayBuffer>): string {
  try {
    new WebAssembly.Module(bytes);
    return "rejected by the validator";
  } catch (error) {
    return (error as Error).message.replace(/^WebAssembly\.Module\(\): /, "");
  }
}

/** Cursor over a validated binary: only the encodings the sections above use. */
class Reader {
  constructor(private readonly bytes: Uint8Array, public offset: number) {}

  done(): boolean {
    return this.offset >= this.bytes.length;
  }

  byte(): number {
    return this.bytes[this.offset++];
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  name(): string {
    const length = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return text;
  }

  valueType(): ValueType {
    return VALUE_TYPES[this.byte()] ?? "externref";
  }

  functionType(): FunctionType {
    this.byte(); // 0x60: the only type form in MVP binaries and the ones our hosts accept
    const params = Array.from({ length: this.u32() }, () => this.valueType());
    const results = Array.from({ length: this.u32() }, () => this.valueType());
    return { params, results };
  }

  skipImportDescriptor(kind: ExternKind): void {
    if (kind === "table") {
      this.byte();
      this.limits();
    } else if (kind === "memory") {
      this.limits();
    } else if (kind === "global") {
      this.byte();
      this.byte();
    } else {
      this.byte();
      this.u32();
    }
  }

  private limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}
