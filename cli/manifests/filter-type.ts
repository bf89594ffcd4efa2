import { readWasmInterface } from "../../host/wasm-binary.js";
import type { FilterType } from "./envoy-wasm.js";

/** Callbacks only a network (TCP) filter needs: the host calls them per connection. */
const networkCallbacks = ["proxy_on_new_connection", "proxy_on_downstream_data", "proxy_on_upstream_data"];

/** Callbacks only an HTTP filter needs: the host calls them per stream. */
const httpCallbacks = [
  "proxy_on_request_headers",
  "proxy_on_request_body",
  "proxy_on_request_trailers",
  "proxy_on_response_headers",
  "proxy_on_response_body",
  "proxy_on_response_trailers",
];

/**
 * The filter type a module is written for, read from its exports: NETWORK when it exports connection
 * callbacks and no stream callbacks; HTTP otherwise. A module exporting both (as this SDK's do, every
 * callback always) or that cannot be read gets Istio's default, HTTP: only an explicit `--type` says more.
 */
export function moduleFilterType(binary: Uint8Array): FilterType {
  let exports: Set<string>;
  try {
    exports = new Set(
      readWasmInterface(binary)
        .exports.filter((e) => e.kind === "function")
        .map((e) => e.name),
    );
  } catch {
    return "HTTP";
  }
  const network = networkCallbacks.some((name) => exports.has(name));
  const http = httpCallbacks.some((name) => exports.has(name));
  return network && !http ? "NETWORK" : "HTTP";
}
