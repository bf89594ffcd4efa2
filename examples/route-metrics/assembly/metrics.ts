// The metrics of one route, with the route and the response code class as tags in their names (the SDK's
// tag encoding, `.key=value` segments) so that Envoy's `stats_config.stats_tags` (see envoy.yaml) turns
// `route_metrics.requests.route=<route>.code=<class>` into
// `route_metrics_requests{route="<route>",code="<class>"}` on /stats/prometheus.
import { CounterFamily, GaugeFamily, HistogramFamily, Metric } from "as-proxy-wasm";

/** Response code classes, by first digit of the status; index 0 when there was no (valid) status. */
const CODE_CLASSES: StaticArray<string> = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

const requests = new CounterFamily("route_metrics.requests", ["route", "code"]);
const durations = new HistogramFamily("route_metrics.duration_ms", ["route", "code"]);
const inFlight = new GaugeFamily("route_metrics.in_flight", ["route"]);

/** The index in CODE_CLASSES of a `:status` value. */
export function codeClass(status: string | null): i32 {
  if (status == null || status.length != 3) return 0;
  const first = status.charCodeAt(0) - 0x30;
  return first >= 1 && first <= 5 ? first : 0;
}

export class RouteMetrics {
  readonly inFlight: Metric;
  // Per code class, defined on first use (a route that never answers 1xx gets no 1xx series) and kept here,
  // so a request costs no name building.
  private readonly requests: StaticArray<Metric | null> = new StaticArray<Metric | null>(6);
  private readonly durations: StaticArray<Metric | null> = new StaticArray<Metric | null>(6);

  constructor(public readonly route: string) {
    this.inFlight = inFlight.get([route]);
  }

  /** Counts a finished request and records how long it took. */
  finished(code: i32, durationMs: u64): void {
    let counter = this.requests[code];
    if (counter == null) {
      counter = requests.get([this.route, CODE_CLASSES[code]]);
      this.requests[code] = counter;
    }
    let histogram = this.durations[code];
    if (histogram == null) {
      histogram = durations.get([this.route, CODE_CLASSES[code]]);
      this.durations[code] = histogram;
    }
    counter.increment(1);
    histogram.record(durationMs);
  }
}
