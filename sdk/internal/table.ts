// A small hash table from u32 ids to contexts, used for live contexts and for pending callouts. Ids are
// handed out sequentially by hosts, so `id & mask` spreads them evenly without a hash function. Smaller than
// std Map (which also costs every filter its error strings), and only what the dispatcher needs. Removed
// entries are kept for reuse, so a steady stream of contexts allocates no entries.
import { BaseContext } from "../context";

class Entry {
  constructor(public id: u32, public value: BaseContext | null, public next: Entry | null) {}
}

@final export class ContextTable {
  private buckets: StaticArray<Entry | null> = new StaticArray<Entry | null>(16);
  private count: i32 = 0;
  /** Removed entries (value cleared, chained by `next`), reused by `set`. */
  private spare: Entry | null = null;

  /** How many entries there are. */
  get size(): i32 {
    return this.count;
  }

  /** The context stored under `id`, or null. */
  get(id: u32): BaseContext | null {
    let e = unchecked(this.buckets[id & (this.buckets.length - 1)]);
    while (e) {
      if (e.id == id) return e.value;
      e = e.next;
    }
    return null;
  }

  /** Stores `value` under `id` (ids are unique: a host never reuses a live one). */
  set(id: u32, value: BaseContext): void {
    if (this.count >= this.buckets.length) this.grow();
    const i = id & (this.buckets.length - 1);
    const head = unchecked(this.buckets[i]);
    let e = this.spare;
    if (e) {
      this.spare = e.next;
      e.id = id;
      e.value = value;
      e.next = head;
    } else {
      e = new Entry(id, value, head);
    }
    unchecked(this.buckets[i] = e);
    this.count++;
  }

  /** Removes `id`; returns what was stored, or null. */
  delete(id: u32): BaseContext | null {
    const i = id & (this.buckets.length - 1);
    let prev: Entry | null = null;
    let e = unchecked(this.buckets[i]);
    while (e) {
      if (e.id == id) {
        if (prev) prev.next = e.next;
        else unchecked(this.buckets[i] = e.next);
        const value = e.value;
        this.release(e);
        return value;
      }
      prev = e;
      e = e.next;
    }
    return null;
  }

  /** Removes every entry whose value is `value` (a full scan: meant for the small table of pending callouts). */
  deleteValue(value: BaseContext): void {
    const buckets = this.buckets;
    for (let i = 0; i < buckets.length; i++) {
      let prev: Entry | null = null;
      let e = unchecked(buckets[i]);
      while (e) {
        const next = e.next;
        if (e.value === value) {
          if (prev) prev.next = next;
          else unchecked(buckets[i] = next);
          this.release(e);
        } else {
          prev = e;
        }
        e = next;
      }
    }
  }

  /** Keeps an unlinked entry for reuse, without its value (the context must not be kept alive). */
  private release(e: Entry): void {
    e.value = null;
    e.next = this.spare;
    this.spare = e;
    this.count--;
  }

  /** Doubles the buckets, keeping at most one entry per bucket on average. */
  private grow(): void {
    const old = this.buckets;
    const buckets = new StaticArray<Entry | null>(old.length << 1);
    const mask = buckets.length - 1;
    for (let i = 0; i < old.length; i++) {
      let e = unchecked(old[i]);
      while (e) {
        const next = e.next;
        const j = e.id & mask;
        e.next = unchecked(buckets[j]);
        unchecked(buckets[j] = e);
        e = next;
      }
    }
    this.buckets = buckets;
  }
}
