// Route scoping: which of a filter's configured rules applies to a request, by host and path, the way Envoy
// picks a virtual host (exact name, then the longest `*.` suffix, then any) and then a route (exact path, then
// the longest prefix). Read from the plugin configuration once (onConfigure), matched per request.
import { JsonArray, JsonKind, JsonObject } from "./json/index";
import { log } from "./hostcalls";
import { LogLevel } from "./types";
import { mapChars } from "./internal/chars";

/** One configured route: a host (exact, `*.suffix` or `*`) and an exact path or a path prefix. */
export class Route {
  constructor(
    /** The entry's `name` ("" when absent). */
    public readonly name: string,
    /** Lower-case host without port; "*" for any, "*.example.com" for a suffix. */
    public readonly host: string,
    /** Path prefix ("" for any path); ignored when `path` is set. */
    public readonly prefix: string,
    /** Exact path ("" when matching by prefix). */
    public readonly path: string,
  ) {}
}

/**
 * Routes read from a configuration array such as
 * `[{"host": "api.example.com", "prefix": "/admin", "name": "admin"}, {"path": "/healthz"}]`.
 * Each entry may give `host` (default any; case-insensitive; a port in the request's host is ignored;
 * `*.example.com` matches any subdomain), `prefix` or `path` (exact; both start with `/`; the request's query
 * string is ignored) and `name`.
 */
export class RouteMatcher {
  constructor(public readonly routes: Route[]) {}

  /**
   * Reads `entries` (null: no routes). A bad entry logs
   * `invalid configuration: routes[1]: "prefix" must start with /` and returns null: return false from
   * `onConfigure` (the plugin is refused).
   */
  static fromConfig(entries: JsonArray | null, what: string = "routes"): RouteMatcher | null {
    const routes = new Array<Route>();
    const n = entries ? entries.length : 0;
    for (let i = 0; i < n; i++) {
      const where = what + "[" + i.toString() + "]: ";
      const entry = entries!.at(i).asObject();
      if (!entry) return refuse(where + "must be an object");
      const host = asciiLower(entry.getString("host", "*"));
      const prefix = entry.getString("prefix", "");
      const path = entry.getString("path", "");
      const name = entry.getString("name", "");
      if (entry.problem.length > 0) return refuse(where + entry.problem);
      const star = host.lastIndexOf("*");
      if (host.length == 0 || star > 0 || (star == 0 && host != "*" && !host.startsWith("*.")))
        return refuse(where + '"host" must be a name, *.suffix or *');
      if (prefix.length > 0 && !prefix.startsWith("/")) return refuse(where + '"prefix" must start with /');
      if (path.length > 0 && !path.startsWith("/")) return refuse(where + '"path" must start with /');
      if (path.length > 0 && prefix.length > 0) return refuse(where + 'give "path" or "prefix", not both');
      routes.push(new Route(name, host, prefix, path));
    }
    return new RouteMatcher(routes);
  }

  /**
   * The index of the route for a request to `host` (`:authority`) and `path` (`:path`), or -1. The most
   * specific host wins (exact, then the longest `*.` suffix, then `*`), then the exact path, then the longest
   * prefix; on a tie, the first entry.
   */
  match(host: string, path: string): i32 {
    host = asciiLower(stripPort(host));
    const query = path.indexOf("?");
    if (query >= 0) path = path.substring(0, query);
    let best = -1;
    let bestHost = -1;
    let bestPath = -1;
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i];
      const hostScore = hostMatch(route.host, host);
      if (hostScore < 0) continue;
      // An exact path outranks any prefix: its score is above every prefix length.
      const pathScore = route.path.length > 0
        ? (route.path == path ? i32.MAX_VALUE : -1)
        : (path.startsWith(route.prefix) ? route.prefix.length : -1);
      if (pathScore < 0) continue;
      if (hostScore > bestHost || (hostScore == bestHost && pathScore > bestPath)) {
        best = i;
        bestHost = hostScore;
        bestPath = pathScore;
      }
    }
    return best;
  }

  /** The route for a request (see `match`), or null. */
  route(host: string, path: string): Route | null {
    const i = this.match(host, path);
    return i < 0 ? null : this.routes[i];
  }
}

function refuse(message: string): RouteMatcher | null {
  log(LogLevel.Error, "invalid configuration: " + message);
  return null;
}

/** -1: no match; otherwise higher is more specific (exact above any suffix, longer suffix above shorter). */
function hostMatch(pattern: string, host: string): i32 {
  if (pattern == "*") return 0;
  if (pattern.charCodeAt(0) != 0x2a) return pattern == host ? i32.MAX_VALUE : -1;
  const suffix = pattern.substring(1); // ".example.com"
  return host.length > suffix.length && host.endsWith(suffix) ? suffix.length : -1;
}

/** "Example.com:8080" → "Example.com"; "[::1]:8080" → "[::1]". */
function stripPort(host: string): string {
  const colon = host.lastIndexOf(":");
  return colon >= 0 && host.lastIndexOf("]") < colon ? host.substring(0, colon) : host;
}

/** ASCII-only lower case (host names are ASCII; String#toLowerCase brings Unicode tables). */
function asciiLower(s: string): string {
  return mapChars(s, (c: i32): i32 => (c >= 0x41 && c <= 0x5a ? c + 32 : c));
}
