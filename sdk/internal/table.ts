// A small hash table from u32 ids to objects (contexts), used for live contexts and for pending callouts. Ids are
// handed out sequentially by hosts, so `id & mask` spreads them evenly without a hash function, and with
// open addressing (linear probing) a lookup is nearly always one slot: two loads and a compare, no entry
// objects to allocate or for the collector to mark. Smaller than std Map (which also costs every filter its
// error strings), and only what the dispatcher needs.
// Slot access without StaticArray's accessors: at the shrink level filters are built with, the optimizer
// does not inline those, and a call per slot is most of a lookup's cost.
// @ts-ignore: decorator
@inline function keyAt(keys: StaticArray<u32>, i: i32): u32 {
  return load<u32>(changetype<usize>(keys) + (<usize>i << 2));
}

// @ts-ignore: decorator
@inline function setKey(keys: StaticArray<u32>, i: i32, key: u32): void {
  store<u32>(changetype<usize>(keys) + (<usize>i << 2), key);
}

// @ts-ignore: decorator
@inline function valueAt<V>(values: StaticArray<V | null>, i: i32): V | null {
  return changetype<V | null>(load<usize>(changetype<usize>(values) + (<usize>i << alignof<usize>())));
}

// @ts-ignore: decorator
@inline function setValue<V>(values: StaticArray<V | null>, i: i32, value: V | null): void {
  store<usize>(changetype<usize>(values) + (<usize>i << alignof<usize>()), changetype<usize>(value));
  // What StaticArray's setter does: tells an incremental collector about the new reference (no-op otherwise).
  __link(changetype<usize>(values), changetype<usize>(value), true);
}

/** `V` is a class type: its null marks an empty slot. */
@final export class ContextTable<V> {
  // Slot i holds keys[i] → values[i]; a null value marks an empty slot (so any u32 can be a key). At most
  // half the slots are used, which keeps probe runs short.
  private keys: StaticArray<u32> = new StaticArray<u32>(16);
  private values: StaticArray<V | null> = new StaticArray<V | null>(16);
  private mask: i32 = 15;
  private count: i32 = 0;

  /** How many entries there are. */
  get size(): i32 {
    return this.count;
  }

  /** The context stored under `id`, or null. */
  // @ts-ignore: decorator
  @inline get(id: u32): V | null {
    return valueAt<V>(this.values, this.slot(id));
  }

  /** Stores `value` under `id` (replacing what was stored under it). */
  set(id: u32, value: V): void {
    if (this.count > this.mask >> 1) this.grow();
    const i = this.slot(id);
    if (!valueAt<V>(this.values, i)) this.count++;
    setKey(this.keys, i, id);
    setValue<V>(this.values, i, value);
  }

  /** Removes `id`; returns what was stored, or null. */
  delete(id: u32): V | null {
    const i = this.slot(id);
    const value = valueAt<V>(this.values, i);
    if (value) this.removeAt(i);
    return value;
  }

  /** Removes every entry whose value is `value` (a full scan: meant for the small table of pending callouts). */
  deleteValue(value: V): void {
    // removeAt may move a later entry into slot i: look at i again before moving on.
    for (let i = 0; i <= this.mask; ) {
      if (valueAt<V>(this.values, i) === value) this.removeAt(i);
      else i++;
    }
  }

  /** The slot holding `id`, or the empty slot where it belongs. */
  // @ts-ignore: decorator
  @inline private slot(id: u32): i32 {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let i = <i32>id & mask;
    while (valueAt<V>(values, i) && keyAt(keys, i) != id) i = (i + 1) & mask;
    return i;
  }

  /**
   * Empties slot `hole` and closes the gap (backward-shift deletion): each following entry of the probe run
   * moves back into the hole unless that would put it before its home slot. Leaves no tombstones, so
   * lookups stay short however many contexts come and go.
   */
  private removeAt(hole: i32): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let j = hole;
    while (true) {
      j = (j + 1) & mask;
      const value = valueAt<V>(values, j);
      if (!value) break;
      const key = keyAt(keys, j);
      // Distance from the entry's home slot to j, against distance from the hole to j.
      if (((j - (<i32>key & mask)) & mask) >= ((j - hole) & mask)) {
        setKey(keys, hole, key);
        setValue<V>(values, hole, value);
        hole = j;
      }
    }
    setValue<V>(values, hole, null);
    this.count--;
  }

  /** Doubles the slots and puts every entry back. */
  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    const size = (this.mask + 1) << 1;
    this.keys = new StaticArray<u32>(size);
    this.values = new StaticArray<V | null>(size);
    this.mask = size - 1;
    this.count = 0;
    for (let i = 0; i < size >> 1; i++) {
      const value = valueAt<V>(values, i);
      if (value) this.set(keyAt(keys, i), value);
    }
  }
}
