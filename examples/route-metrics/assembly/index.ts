// Per-route metrics: for each route named in configuration (by path prefix; anything else is "other"), a
// counter of requests and a histogram of their duration (from the request headers to the end of the
// stream, host clock) tagged by response code class, and a gauge of requests in flight. The path never
// becomes a tag itself: the number of series stays bounded by the configuration, whatever clients send.
import { FilterHeadersStatus, HttpContext, RootContext, getCurrentTimeNanoseconds, registerRootContext } from "as-proxy-wasm";
import { RouteMetricsConfig, readConfig } from "./config";
import { RouteMetrics, codeClass } from "./metrics";
export * from "as-proxy-wasm/exports";

class MetricsRoot extends RootContext {
  config: RouteMetricsConfig = new RouteMetricsConfig();
  /** One per route name, in the order of config.names. */
  routes: RouteMetrics[] = [];

  onConfigure(configurationSize: usize): bool {
    const config = readConfig(this.parseConfig());
    if (config == null) return false;
    this.config = config;
    const routes = new Array<RouteMetrics>();
    for (let i = 0; i < config.names.length; i++) routes.push(new RouteMetrics(config.names[i]));
    this.routes = routes;
    return true;
  }

  createHttpContext(contextId: u32): Measured {
    return new Measured(contextId, this);
  }
}

class Measured extends HttpContext<MetricsRoot> {
  route: RouteMetrics | null = null;
  startNs: u64 = 0;
  status: string | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const path = this.requestHeaders.get(":path");
    const route = this.root.routes[this.root.config.routeOf(path == null ? "/" : path)];
    route.inFlight.increment(1);
    this.route = route;
    this.startNs = getCurrentTimeNanoseconds();
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    this.status = this.responseHeaders.get(":status");
    return FilterHeadersStatus.Continue;
  }

  // The host calls this once per stream, also for one reset before any response, so each request counted
  // in flight leaves exactly once.
  onLog(): void {
    const route = this.route;
    if (route == null) return;
    this.route = null;
    route.inFlight.increment(-1);
    const now = getCurrentTimeNanoseconds();
    // To the nearest millisecond; a clock stepped back reads 0.
    route.finished(codeClass(this.status), now > this.startNs ? (now - this.startNs + 500_000) / 1_000_000 : 0);
  }
}

registerRootContext((contextId: u32): RootContext => new MetricsRoot(contextId));
