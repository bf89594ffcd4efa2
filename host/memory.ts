import { parseHeaders, toText, type HeaderList } from "./codec.js";
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
  private bytes: Buffer | undefined;

  /**
   * The bytes of the whole memory (`dataView` then views the same buffer), once `size` bytes at `ptr` are
   * known to lie inside it. `memory.buffer` is read once (each read is a call into the engine).
   */
  private checked(ptr: number, size: number): Buffer {
    const buffer = this.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.dataView = new DataView(buffer);
      this.bytes = Buffer.from(buffer);
    }
    if (ptr < 0 || size < 0 || ptr + size > buffer.byteLength) throw new MemoryFault(ptr, size);
    return this.bytes!;
  }

  /** A copy of `size` bytes at `ptr` (the view would dangle when memory grows). */
  read(ptr: number, size: number): Uint8Array {
    return new Uint8Array(this.checked(ptr, size).subarray(ptr, ptr + size));
  }

  /** The UTF-8 text of `size` bytes at `ptr` (decoded in place, no copy). */
  readText(ptr: number, size: number): string {
    return toText(this.checked(ptr, size), ptr, ptr + size);
  }

  /** The header map serialized in `size` bytes at `ptr` (parsed in place, no copy). */
  readHeaders(ptr: number, size: number): HeaderList {
    return parseHeaders(this.checked(ptr, size).subarray(ptr, ptr + size));
  }

  write(ptr: number, data: Uint8Array): void {
    this.checked(ptr, data.length).set(data, ptr);
  }

  readU32(ptr: number): number {
    this.checked(ptr, 4);
    return this.dataView!.getUint32(ptr, true);
  }

  writeU32(ptr: number, value: number): void {
    this.checked(ptr, 4);
    this.dataView!.setUint32(ptr, value >>> 0, true);
  }

  writeU64(ptr: number, value: bigint): void {
    this.checked(ptr, 8);
    this.dataView!.setBigUint64(ptr, BigInt.asUintN(64, value), true);
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
    this.checked(ptrPtr, 4);
    this.checked(sizePtr, 4);
    const ptr = this.allocateAndWrite(data);
    this.writeU32(ptrPtr, ptr);
    this.writeU32(sizePtr, data.length);
  }
}
