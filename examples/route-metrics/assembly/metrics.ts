// The metrics of one route, named so that Envoy's `stats_config.stats_tags` (see envoy.yaml) turns the
// route and the response code class into tags: `route_metrics.route=<route>.code=<class>.requests` becomes
// `route_metrics_requests{route="<route>",code="<class>"}` on /stats/prometheus.
import { Counter, Gauge, Histogram } from "as-proxy-wasm";

/** Response code classes, by first digit of the status; index 0 when there was no (valid) status. */
const CODE_CLASSES: StaticArray<string> = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

/** The index in CODE_CLASSES of a `:status` value. */
export function codeClass(status: string | null): i32 {
  if (status == null || status.length != 3) return 0;
  const first = status.charCodeAt(0) - 0x30;
  return first >= 1 && first <= 5 ? first : 0;
}

/** The one place tags go into a metric name: `route_metrics.route=<route>[.code=<class>].<metric>`. */
export function metricName(route: string, codeClass: string | null, metric: string): string {
  return "route_metrics.route=" + route + (codeClass == null ? "" : ".code=" + codeClass) + "." + metric;
}

export class RouteMetrics {
  readonly inFlight: Gauge;
  // Defined on first use: a route that never answers 1xx gets no 1xx series.
  private readonly requests: StaticArray<Counter | null> = new StaticArray<Counter | null>(6);
  private readonly durations: StaticArray<Histogram | null> = new StaticArray<Histogram | null>(6);

  constructor(public readonly route: string) {
    this.inFlight = new Gauge(metricName(route, null, "in_flight"));
  }

  /** Counts a finished request and records how long it took. */
  finished(code: i32, durationMs: u64): void {
    let requests = this.requests[code];
    if (requests == null) {
      requests = new Counter(metricName(this.route, CODE_CLASSES[code], "requests"));
      this.requests[code] = requests;
    }
    let durations = this.durations[code];
    if (durations == null) {
      durations = new Histogram(metricName(this.route, CODE_CLASSES[code], "duration_ms"));
      this.durations[code] = durations;
    }
    requests.increment(1);
    durations.record(durationMs);
  }
}
