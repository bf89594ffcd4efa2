// Memory that crosses the ABI boundary.
//
// Host → guest: the host writes results (header values, bodies, ...) into memory it gets from our
// allocator export. We hand it a fresh ArrayBuffer object; when the host call returns, `adoptResult` takes
// the pointer from the out-param and the bytes are a normal ArrayBuffer the GC owns (no copy). No pinning
// is needed: the GC runs only when the outermost callback returns (see dispatcher.ts), and hosts allocate
// only inside the host call that returns the data, so nothing can collect the buffer before it is adopted;
// a buffer the host allocated but never returned is simply garbage, not a leak. Guest → host: strings are encoded into one reusable scratch
// area (never collected, never freed) so a header write allocates nothing.

/** Out-parameter slots for host calls: [0] data pointer, [4] size, [8] u32 or u64 extra (cas, flags, time). */
export const RET: usize = memory.data(16, 8);

/** The allocator the host calls (`proxy_on_memory_allocate` / `malloc`): a new ArrayBuffer of `size` bytes. */
export function allocateForHost(size: usize): usize {
  return __new(size, idof<ArrayBuffer>());
}

/** Clears the data-pointer slot before a host call that may allocate, so `adoptResult` sees only fresh data. */
// @ts-ignore: decorator
@inline export function clearResult(): void {
  store<usize>(RET, 0);
}

/**
 * Takes ownership of the buffer the host allocated for the last call's result (pointer in RET), or null
 * when the host returned none. Adopting even after a failed call keeps a host that allocated anyway from leaking.
 */
export function adoptResult(): ArrayBuffer | null {
  const ptr = load<usize>(RET);
  if (ptr == 0) return null;
  store<usize>(RET, 0);
  // A host may allocate more than it fills; the size slot is authoritative. Shrinking the object header's
  // rtSize (the u32 just before the data, what byteLength reads) trims the view without a copy; the
  // allocator's own block size is stored elsewhere, so freeing stays exact.
  const size = load<u32>(RET, 4);
  if (size < load<u32>(ptr - 4)) store<u32>(ptr - 4, size);
  return changetype<ArrayBuffer>(ptr);
}

let scratch: usize = 0;
let scratchCapacity: usize = 0;

/** Pointer and UTF-8 length of the first string staged by `stage`. */
export let stagedA: usize = 0;
export let stagedALength: usize = 0;
/** Pointer and UTF-8 length of the second string staged by `stage`. */
export let stagedB: usize = 0;
export let stagedBLength: usize = 0;

// The pair last staged, when both are string literals (stored in the data segment below __heap_base: never
// freed, never changed): staging it again is free.
let stagedLiteralA: usize = 0;
let stagedLiteralB: usize = 0;

// The UTF-8 of string literals, so each is encoded once however often and in whatever order a filter passes
// it: a direct-mapped cache of LITERAL_SLOTS slots (literal address, heap copy, length), indexed by address.
// A literal taking a slot frees the copy of the one it replaces (staged copies are only valid until the next
// `stage`).
const LITERAL_SLOTS: usize = 32;
const literalCache: usize = memory.data(<i32>LITERAL_SLOTS * 12, 4);

// Where `stageOne` put its string.
let onePtr: usize = 0;
let oneLength: usize = 0;

/**
 * Stages one string: a literal from the cache, anything else encoded at `free` in the scratch area (also a
 * literal whose slot is `busySlot`, holding the other string of the pair). Returns the cache slot used, or 0.
 */
function stageOne(s: string, free: usize, busySlot: usize): usize {
  const p = changetype<usize>(s);
  const length = s.length;
  if (p < __heap_base && length != 0) {
    const slot = literalCache + ((p >> 4) & (LITERAL_SLOTS - 1)) * 12;
    if (load<usize>(slot) != p && slot != busySlot) {
      const copy = load<usize>(slot, 4);
      if (copy) heap.free(copy);
      const bytes = heap.alloc(<usize>length * 3);
      store<usize>(slot, p);
      store<usize>(slot, bytes, 4);
      store<usize>(slot, String.UTF8.encodeUnsafe(p, length, bytes), 8);
    }
    if (load<usize>(slot) == p) {
      onePtr = load<usize>(slot, 4);
      oneLength = load<usize>(slot, 8);
      return slot;
    }
  }
  onePtr = free;
  oneLength = String.UTF8.encodeUnsafe(p, length, free);
  return 0;
}

/**
 * Makes `a` and `b` available as UTF-8 (valid until the next `stage`): literals from the literal cache, other
 * strings encoded into the scratch area. No allocation once the area has grown to the largest input seen.
 */
export function stage(a: string, b: string = ""): void {
  const pa = changetype<usize>(a);
  const pb = changetype<usize>(b);
  if (pa == stagedLiteralA && pb == stagedLiteralB) return;
  // A UTF-16 code unit never needs more than 3 UTF-8 bytes.
  const need = (<usize>(a.length + b.length)) * 3;
  if (need > scratchCapacity) {
    // Free + alloc rather than realloc: the old contents need not survive.
    if (scratch) heap.free(scratch);
    scratch = heap.alloc(need);
    scratchCapacity = need;
  }
  const slotA = stageOne(a, scratch, 0);
  stagedA = onePtr;
  stagedALength = oneLength;
  stageOne(b, scratch + (slotA ? 0 : stagedALength), slotA);
  stagedB = onePtr;
  stagedBLength = oneLength;
  const literals = pa < __heap_base && pb < __heap_base;
  stagedLiteralA = literals ? pa : 0;
  stagedLiteralB = literals ? pb : 0;
}

/** Pointer to a buffer's bytes, 0 for null (the ABI's "no data"). */
// @ts-ignore: decorator
@inline export function ptrOf(buf: ArrayBuffer | null): usize {
  return changetype<usize>(buf);
}

/** Byte length of a buffer, 0 for null. */
// @ts-ignore: decorator
@inline export function lengthOf(buf: ArrayBuffer | null): usize {
  return buf ? <usize>buf.byteLength : 0;
}
