// The producers' budget: at most N records per second across every worker of the producer's VM (vm_id),
// counted in shared data with compare-and-swap. Envoy's queues have no bound and a producer cannot see
// how far behind the consumer is (shared data is per vm_id, the consumer's VM is another), so the bound
// is on what goes in: a slow consumer falls behind by at most N records a second.
import { WasmResult, getCurrentTimeNanoseconds, getSharedData, setSharedData } from "as-proxy-wasm";

/** Tries before giving up on a key other workers keep changing (the record is then dropped). */
const CAS_TRIES = 8;

export class Budget {
  constructor(private readonly key: string, private readonly perSecond: u32) {}

  /** Takes one record from this second's budget; false when it is spent. */
  take(): bool {
    const second = getCurrentTimeNanoseconds() / 1_000_000_000;
    for (let i = 0; i < CAS_TRIES; i++) {
      const current = getSharedData(this.key);
      let used: u32 = 0;
      if (current != null && current.value.byteLength == 12 && load<u64>(changetype<usize>(current.value)) == second) {
        used = load<u32>(changetype<usize>(current.value) + 8);
      }
      if (used >= this.perSecond) return false;
      const next = new ArrayBuffer(12);
      store<u64>(changetype<usize>(next), second);
      store<u32>(changetype<usize>(next) + 8, used + 1);
      // A key no worker wrote yet has no version to compare (cas 0 writes unconditionally): two workers
      // starting the very first second together may each count one record the other does not see.
      if (setSharedData(this.key, next, current == null ? 0 : current.cas) == WasmResult.Ok) return true;
    }
    return false;
  }
}
