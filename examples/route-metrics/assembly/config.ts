// The filter's configuration: path prefixes and the route names they map to, read with the SDK's JSON
// reader and checked whole in onConfigure; refused with one critical log line saying what to fix.
import { JsonObject, LogLevel, log } from "as-proxy-wasm";

export class RouteMetricsConfig {
  /** Path prefixes, and for each the index of its route in `names`. */
  prefixes: string[] = [];
  routeIndexes: i32[] = [];
  /** Distinct route names, the default route's among them. */
  names: string[] = ["other"];
  defaultIndex: i32 = 0;

  /** The index in `names` of the route of `path` (its longest matching prefix, else the default route). */
  routeOf(path: string): i32 {
    const q = path.indexOf("?");
    const bare = q < 0 ? path : path.substring(0, q);
    let best = this.defaultIndex;
    let bestLength = -1;
    for (let i = 0; i < this.prefixes.length; i++) {
      const prefix = this.prefixes[i];
      if (prefix.length > bestLength && bare.startsWith(prefix)) {
        best = this.routeIndexes[i];
        bestLength = prefix.length;
      }
    }
    return best;
  }

  /** The index of route `name` in `names`, added if new. */
  private nameIndex(name: string): i32 {
    const at = this.names.indexOf(name);
    if (at >= 0) return at;
    this.names.push(name);
    return this.names.length - 1;
  }

  addRoute(prefix: string, name: string): void {
    this.prefixes.push(prefix);
    this.routeIndexes.push(this.nameIndex(name));
  }

  setDefaultRoute(name: string): void {
    this.names = [];
    this.defaultIndex = this.nameIndex(name);
  }
}

const NAME_RULE = ': 1 to 64 letters, digits, "_" or "-" (it becomes a metric tag)';

function refuse(reason: string): RouteMetricsConfig | null {
  log(LogLevel.Critical, "route-metrics: configuration refused: " + reason);
  return null;
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): RouteMetricsConfig | null {
  if (json == null) return refuse("it is not a JSON object");
  const config = new RouteMetricsConfig();
  const defaultRoute = json.getString("defaultRoute", "other");
  if (!isRouteName(defaultRoute)) return refuse('"defaultRoute"' + NAME_RULE);
  config.setDefaultRoute(defaultRoute);
  const routes = json.getArray("routes");
  if (json.problem.length > 0) return refuse(json.problem);
  const count = routes == null ? 0 : routes.length;
  for (let i = 0; i < count; i++) {
    const where = "routes[" + i.toString() + "]";
    const route = routes!.at(i).asObject();
    if (route == null) return refuse(where + ' must be an object {"prefix", "name"}');
    const prefix = route.getString("prefix", "");
    if (!prefix.startsWith("/")) return refuse(where + '."prefix" must be a path prefix starting with /');
    const name = route.getString("name", "");
    if (!isRouteName(name)) return refuse(where + '."name"' + NAME_RULE);
    if (route.problem.length > 0) return refuse(where + ": " + route.problem);
    config.addRoute(prefix, name);
  }
  return config;
}

function isRouteName(name: string): bool {
  if (name.length == 0 || name.length > 64) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f || c == 0x2d)) return false;
  }
  return true;
}
