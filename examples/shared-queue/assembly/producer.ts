// The producer side: each worker's VM sends one record per request to the consumer's queue. The queue is
// found lazily (the consumer's VM may start after the workers', or restart): until it is, records are
// dropped and counted, and the next record tries again.
import { Counter, LogLevel, enqueueSharedQueue, log, resolveSharedQueue } from "as-proxy-wasm";
import { Budget } from "./budget";
import { QueueConfig } from "./config";
import { RequestRecord, encodeRecord } from "./record";

export class Producer {
  private queueId: u32 = 0;
  private warned: bool = false;
  private readonly budget: Budget;
  private readonly enqueued: Counter = new Counter("shared_queue.enqueued");
  private readonly noConsumer: Counter = new Counter("shared_queue.dropped_no_consumer");
  private readonly overBudget: Counter = new Counter("shared_queue.dropped_over_budget");

  constructor(readonly config: QueueConfig) {
    this.budget = new Budget("shared-queue.budget." + config.queue, config.maxRecordsPerSecond);
  }

  send(record: RequestRecord): void {
    const queue = this.resolve();
    if (queue == 0) {
      this.noConsumer.increment(1);
      return;
    }
    if (!this.budget.take()) {
      this.overBudget.increment(1);
      return;
    }
    if (enqueueSharedQueue(queue, encodeRecord(record))) {
      this.enqueued.increment(1);
      return;
    }
    // The queue went away (its VM was replaced): find it again next time.
    this.queueId = 0;
    this.noConsumer.increment(1);
  }

  private resolve(): u32 {
    if (this.queueId != 0) return this.queueId;
    const config = this.config;
    this.queueId = resolveSharedQueue(config.consumerVmId, config.queue);
    const where = "queue " + config.queue + " of vm " + config.consumerVmId;
    if (this.queueId != 0) {
      log(LogLevel.Info, "shared-queue: sending records to " + where);
      this.warned = false;
    } else if (!this.warned) {
      // Once per VM until it appears: every request would otherwise log it.
      log(LogLevel.Warn, "shared-queue: no " + where + " yet; dropping records until its consumer registers it");
      this.warned = true;
    }
    return this.queueId;
  }
}

/** The path without its query, cut to `maxLength` characters. */
export function recordedPath(path: string, maxLength: u32): string {
  const query = path.indexOf("?");
  const bare = query < 0 ? path : path.substring(0, query);
  return bare.length > <i32>maxLength ? bare.substring(0, <i32>maxLength) : bare;
}
