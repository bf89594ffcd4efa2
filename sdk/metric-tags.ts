// Tagged metrics: Proxy-Wasm metrics have a name only, so tags travel inside it as `.key=value` segments,
// which Envoy's `stats_config.stats_tags` cuts out again (regex `(\.key=([^.]+))`: the first capture group is
// removed from the name, the second is the tag's value) and /stats/prometheus shows as labels.
import { Metric } from "./metrics";
import { MetricType } from "./types";
import { mapChars } from "./internal/chars";

/**
 * `base` with each tag appended as `.key=value`: `metricName("route_metrics.requests", ["route", "api", "code",
 * "2xx"])` is `route_metrics.requests.route=api.code=2xx`. `tags` alternates keys and values. Characters
 * other than letters, digits, `_` and `-` become `_` (a `.` or `=` would split the name where Envoy extracts
 * tags); an empty value becomes `_`.
 */
export function metricName(base: string, tags: string[]): string {
  let name = base;
  for (let i = 0; i + 1 < tags.length; i += 2) {
    name += "." + tagSafe(tags[i]) + "=" + tagSafe(tags[i + 1]);
  }
  return name;
}

/** `s` with every character outside `[A-Za-z0-9_-]` replaced by `_` ("_" when empty). */
export function tagSafe(s: string): string {
  return s.length == 0 ? "_" : mapChars(s, (c: i32): i32 => (isTagChar(c) ? c : 0x5f));
}

function isTagChar(c: i32): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f || c == 0x2d;
}

/**
 * One metric per tuple of tag values, defined in the host on first use and kept:
 * `new CounterFamily("route_metrics.requests", ["route", "code"]).get(["api", "2xx"]).increment()` defines
 * `route_metrics.requests.route=api.code=2xx` once. Keep the values bounded (route names from configuration,
 * status classes), never a raw path or header: each tuple is a series in every proxy.
 */
export class MetricFamily {
  // Parallel arrays searched linearly: a family has few tuples, and a Map<string, Metric> costs 0.9 KB more
  // of module per filter.
  private readonly names: string[] = [];
  private readonly metrics: Metric[] = [];

  constructor(public readonly type: MetricType, public readonly base: string, public readonly keys: string[]) {}

  /** The metric for `values` (one per key, in the order of `keys`). */
  get(values: string[]): Metric {
    const tags = new Array<string>();
    for (let i = 0; i < this.keys.length; i++) {
      tags.push(this.keys[i]);
      tags.push(i < values.length ? values[i] : "");
    }
    const name = metricName(this.base, tags);
    const known = this.names.indexOf(name);
    if (known >= 0) return this.metrics[known];
    const metric = new Metric(this.type, name);
    this.names.push(name);
    this.metrics.push(metric);
    return metric;
  }
}

/** Counters by tag values (see `MetricFamily`). */
export class CounterFamily extends MetricFamily {
  constructor(base: string, keys: string[]) {
    super(MetricType.Counter, base, keys);
  }
}

/** Gauges by tag values (see `MetricFamily`). */
export class GaugeFamily extends MetricFamily {
  constructor(base: string, keys: string[]) {
    super(MetricType.Gauge, base, keys);
  }
}

/** Histograms by tag values (see `MetricFamily`). */
export class HistogramFamily extends MetricFamily {
  constructor(base: string, keys: string[]) {
    super(MetricType.Histogram, base, keys);
  }
}
