// Metrics as small objects around a host metric id. Define them once (in the root context, e.g. in
// onConfigure) and keep them: defining looks the name up in the host.
import * as host from "./hostcalls";
import { MetricType } from "./types";

/** A host metric: defined by type and name on construction. */
export class Metric {
  /** The host's id for this metric. */
  readonly id: u32;

  constructor(public readonly type: MetricType, name: string) {
    this.id = host.defineMetric(type, name);
  }

  /**
   * Adds `delta` (negative only for gauges). Adding 0 does nothing: Envoy refuses a zero offset for a
   * counter (BAD_ARGUMENT), and a filter counting bytes meets zero-length chunks (a TCP half-close).
   */
  increment(delta: i64 = 1): void {
    if (delta == 0) return;
    host.incrementMetric(this.id, delta);
  }

  /** Sets a gauge, or records one histogram sample. */
  record(value: u64): void {
    host.recordMetric(this.id, value);
  }

  /** The current value (counters and gauges). */
  get(): u64 {
    return host.getMetric(this.id);
  }
}

/** A monotonically increasing count. */
export class Counter extends Metric {
  constructor(name: string) {
    super(MetricType.Counter, name);
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric {
  constructor(name: string) {
    super(MetricType.Gauge, name);
  }
}

/** A distribution of recorded samples. */
export class Histogram extends Metric {
  constructor(name: string) {
    super(MetricType.Histogram, name);
  }
}
