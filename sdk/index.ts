// as-proxy-wasm: write Envoy/Istio Proxy-Wasm (ABI 0.2.1) filters in AssemblyScript.
//
// A filter's entry file (e.g. assembly/index.ts of a project that depends on as-proxy-wasm):
//
//   import { RootContext, HttpContext, FilterHeadersStatus, registerRootContext } from "as-proxy-wasm";
//   export * from "as-proxy-wasm/exports"; // the callbacks the host calls: required, in the entry file
//
//   class Root extends RootContext {
//     value: string = "world";
//     onConfigure(size: usize): bool {
//       const config = this.parseConfig(); // null: malformed JSON, already logged
//       if (!config) return false;
//       this.value = config.getString("value", this.value);
//       return config.ok();
//     }
//     createHttpContext(id: u32): AddHeader { return new AddHeader(id, this); }
//   }
//   class AddHeader extends HttpContext<Root> { // this.root is a Root
//     onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
//       this.responseHeaders.add("x-hello", this.root.value);
//       return FilterHeadersStatus.Continue;
//     }
//   }
//   registerRootContext((id: u32) => new Root(id));
//
// Its asconfig.json: { "extends": "./node_modules/as-proxy-wasm/asconfig.json" } (runtime, exports and the
// abort/trace/seed routing a host needs). Build: `as-proxy-wasm build`, or
// `asc assembly/index.ts --config asconfig.json --target release -o build/filter.wasm`.
// asc 0.28 resolves "as-proxy-wasm" to <package>/index.ts and "as-proxy-wasm/exports" to <package>/exports.ts
// (it ignores "ascMain"); both re-export sdk/. Inside this repository, import sdk/index and sdk/exports by
// relative path instead.
//
// Layout: types.ts (wire enums), abi/ (raw imports and exports), hostcalls.ts (safe wrappers, usable
// directly for anything the classes below do not cover), context.ts, accessors.ts, metrics.ts, metric-tags.ts
// (tags in metric names, per-tuple families), json/ (configuration), routes.ts (rules per host and path).

export * from "./types";
export { Header } from "./internal/headers";
export { BaseContext, ContextKind, RootContext, HttpStream, TcpStream, HttpContext, TcpContext } from "./context";
export { JsonValue, JsonObject, JsonArray, JsonKind, parseJson, parseJsonObject } from "./json/index";
export {
  HeaderMap, DataBuffer,
  requestHeaders, requestTrailers, responseHeaders, responseTrailers, requestBody, responseBody,
  downstreamData, upstreamData, httpCallResponseHeaders, httpCallResponseTrailers, httpCallResponseBody,
  grpcInitialMetadata, grpcTrailingMetadata, grpcMessage, vmConfiguration, pluginConfiguration, foreignFunctionArguments,
} from "./accessors";
export { registerRootContext } from "./dispatcher";
export { Route, RouteMatcher } from "./routes";
export { percentDecode, percentDecodeText, normalizePath, lowerAscii } from "./url";
export { Metric, Counter, Gauge, Histogram } from "./metrics";
export { metricName, tagSafe, MetricFamily, CounterFamily, GaugeFamily, HistogramFamily } from "./metric-tags";
export {
  log, getLogLevel, getCurrentTimeNanoseconds, getStatus, CallStatus,
  getProperty, setProperty, getSharedData, setSharedData, SharedData,
  registerSharedQueue, resolveSharedQueue, enqueueSharedQueue, dequeueSharedQueue,
  callForeignFunction, grpcSend, grpcCancel, grpcClose, setEffectiveContext,
} from "./hostcalls";
export { getPropertyString, setPropertyString } from "./properties";
