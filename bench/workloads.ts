// What one benchmarked request looks like for each group of modules, and the work a filter of that group
// must have done (checked once per module before timing, so a module that silently does nothing cannot win).
import type { HeaderList } from "../host/index.js";
import type { BenchModule } from "./modules.js";

export interface Workload {
  requestHeaders: HeaderList;
  responseHeaders: HeaderList;
  /** The upstream's response body (one chunk, end of stream), or none. */
  responseBody?: string;
  /** Headers the filter adds to the request and to the response. */
  addsToRequest: number;
  addsToResponse: number;
  /** Whether the filter replaces the response body. */
  rewritesBody: boolean;
}

// As a filter in Envoy sees a request: with the connection manager's x-forwarded-proto and x-request-id.
const requestHeaders: HeaderList = [
  [":method", "GET"],
  [":path", "/"],
  [":authority", "example.com"],
  [":scheme", "http"],
  ["user-agent", "bench/1.0"],
  ["x-forwarded-proto", "http"],
  ["x-request-id", "00000000-0000-4000-8000-000000000000"],
];
const responseHeaders: HeaderList = [
  [":status", "200"],
  ["content-type", "text/plain"],
];

export const WORKLOADS: Record<BenchModule["group"], Workload> = {
  // Adds one response header.
  "add-header": { requestHeaders, responseHeaders, addsToRequest: 0, addsToResponse: 1, rewritesBody: false },
  // Reads user-agent, adds two request headers, rewrites the response body.
  heavy: { requestHeaders, responseHeaders, responseBody: "upstream body", addsToRequest: 2, addsToResponse: 0, rewritesBody: true },
};
