/**
 * Reads the import and export sections of a wasm binary with function signatures. Node's
 * `WebAssembly.Module.imports()` does not give signatures, and a JS function satisfies any import type,
 * so without this an arity mismatch (the old 10-parameter `proxy_grpc_call`) would load here but fail
 * in Envoy with "import type mismatch".
 */

export type WasmValType = "i32" | "i64" | "f32" | "f64" | "v128" | "funcref" | "externref";
export interface FuncType {
  params: WasmValType[];
  results: WasmValType[];
}
export interface WasmImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global";
  type?: FuncType;
}
export interface WasmExport {
  name: string;
  kind: "function" | "table" | "memory" | "global";
}
export interface WasmInterface {
  imports: WasmImport[];
  exports: WasmExport[];
}

const VAL_TYPES: Record<number, WasmValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };
const KINDS = ["function", "table", "memory", "global"] as const;

class Reader {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}
  byte(): number {
    if (this.offset >= this.bytes.length) throw new Error("unexpected end of wasm binary");
    return this.bytes[this.offset++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  name(): string {
    const len = this.u32();
    const start = this.offset;
    this.offset += len;
    return new TextDecoder().decode(this.bytes.subarray(start, this.offset));
  }
  valType(): WasmValType {
    const b = this.byte();
    const t = VAL_TYPES[b];
    if (!t) throw new Error(`unknown value type 0x${b.toString(16)}`);
    return t;
  }
  limits(): void {
    const flags = this.byte();
    this.u32();
    if (flags & 1) this.u32();
  }
}

export function readWasmInterface(binary: Uint8Array): WasmInterface {
  if (binary.length < 8 || binary[0] !== 0 || binary[1] !== 0x61 || binary[2] !== 0x73 || binary[3] !== 0x6d) {
    throw new Error("not a WebAssembly binary (bad magic)");
  }
  const r = new Reader(binary);
  r.offset = 8;
  const types: FuncType[] = [];
  const imports: WasmImport[] = [];
  const exports: WasmExport[] = [];
  while (r.offset < binary.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.offset + size;
    if (id === 1) {
      for (let n = r.u32(); n > 0; n--) {
        if (r.byte() !== 0x60) throw new Error("malformed type section");
        const params = Array.from({ length: r.u32() }, () => r.valType());
        const results = Array.from({ length: r.u32() }, () => r.valType());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = r.u32(); n > 0; n--) {
        const module = r.name();
        const name = r.name();
        const kind = KINDS[r.byte()];
        if (!kind) throw new Error("malformed import section");
        if (kind === "function") imports.push({ module, name, kind, type: types[r.u32()] });
        else {
          if (kind === "table") r.byte();
          if (kind === "global") {
            r.valType();
            r.byte();
          } else r.limits();
          imports.push({ module, name, kind });
        }
      }
    } else if (id === 7) {
      for (let n = r.u32(); n > 0; n--) {
        const name = r.name();
        const kind = KINDS[r.byte()];
        r.u32();
        if (!kind) throw new Error("malformed export section");
        exports.push({ name, kind });
      }
    }
    r.offset = end;
  }
  return { imports, exports };
}
