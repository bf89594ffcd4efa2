import { toText } from "./codec.js";
import { MemoryFault } from "./errors.js";

/**
 * The module's linear memory seen from the host. Data handed to the module is always allocated inside it
 * through its exported allocator (`malloc`, else `proxy_on_memory_allocate`), as cpp-host does.
 */
export class GuestMemory {
  constructor(
    readonly memory: WebAssembly.Memory,
    private readonly allocator: (size: number) => number,
  ) {}

  // Views of the current buffer, made again only after the memory grew (which replaces its buffer): a host
  // call reads or writes a few words each time.
  private buffer: ArrayBuffer | undefined;
  private dataView: DataView | undefined;

  private view(): DataView {
    const buffer = this.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.dataView = new DataView(buffer);
    }
    return this.dataView!;
  }

  private check(ptr: number, size: number): void {
    if (ptr < 0 || size < 0 || ptr + size > this.memory.buffer.byteLength) throw new MemoryFault(ptr, size);
  }

  /** A copy of `size` bytes at `ptr` (the view would dangle when memory grows). */
  read(ptr: number, size: number): Uint8Array {
    this.check(ptr, size);
    return new Uint8Array(this.memory.buffer, ptr, size).slice();
  }

  /** The UTF-8 text of `size` bytes at `ptr` (decoded in place, no copy). */
  readText(ptr: number, size: number): string {
    this.check(ptr, size);
    return toText(new Uint8Array(this.memory.buffer, ptr, size));
  }

  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.length);
    new Uint8Array(this.memory.buffer, ptr, data.length).set(data);
  }

  readU32(ptr: number): number {
    this.check(ptr, 4);
    return this.view().getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): void {
    this.check(ptr, 4);
    this.view().setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    this.check(ptr, 8);
    this.view().setBigUint64(ptr, BigInt.asUintN(64, value), true);
  }

  /** Copies `data` into memory allocated by the module; returns its address (0 for empty data). */
  allocateAndWrite(data: Uint8Array): number {
    if (data.length === 0) return 0;
    const ptr = this.allocator(data.length) >>> 0;
    if (ptr === 0) throw new MemoryFault(0, data.length);
    this.write(ptr, data);
    return ptr;
  }

  /** cpp-host's `copyToPointerSize`: allocate, copy, then store address and size through the out-pointers. */
  copyOut(data: Uint8Array, ptrPtr: number, sizePtr: number): void {
    this.check(ptrPtr, 4);
    this.check(sizePtr, 4);
    const ptr = this.allocateAndWrite(data);
    this.writeU32(ptrPtr, ptr);
    this.writeU32(sizePtr, data.length);
  }
}
