/**
 * The Proxy-Wasm ABI in one table: enums with their wire numbers, every host function the host provides
 * (module, name, signature, the ABI versions cpp-host registers it for) and every callback it looks up.
 * Sources: proxy-wasm/spec abi-versions, proxy-wasm-cpp-host (`src/exports.cc`, `src/wasm.cc`).
 */

export type AbiVersion = "0.1.0" | "0.2.0" | "0.2.1";
export const ABI_VERSIONS: readonly AbiVersion[] = ["0.1.0", "0.2.0", "0.2.1"];

/** The export a module carries to declare its ABI version. */
export function abiVersionExport(version: AbiVersion): string {
  return `proxy_abi_version_${version.replaceAll(".", "_")}`;
}

export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}
export type LogLevelName = "trace" | "debug" | "info" | "warn" | "error" | "critical";
export const LOG_LEVEL_NAMES: readonly LogLevelName[] = ["trace", "debug", "info", "warn", "error", "critical"];

/** proxy_status_t: the result of every host call. */
export enum WasmResult {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
}

/** What an HTTP headers callback returns. */
export enum FilterHeadersStatus {
  Continue = 0,
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** What an HTTP trailers callback returns. */
export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

/** What a TCP (network filter) callback returns. */
export enum FilterStatus {
  Continue = 0,
  StopIteration = 1,
}

/** What an HTTP body callback returns. */
export enum FilterDataStatus {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

export enum BufferType {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,
}
export const BUFFER_TYPE_MAX = BufferType.CallData;

export enum MapType {
  HttpRequestHeaders = 0,
  HttpRequestTrailers = 1,
  HttpResponseHeaders = 2,
  HttpResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
}
export const MAP_TYPE_MAX = MapType.HttpCallResponseTrailers;

export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}
export const STREAM_TYPE_MAX = StreamType.Upstream;

/** gRPC status codes (a local reply's grpc-status, a gRPC call's close); `InvalidCode` (-1) means none. */
export enum GrpcStatus {
  Ok = 0,
  Cancelled = 1,
  Unknown = 2,
  InvalidArgument = 3,
  DeadlineExceeded = 4,
  NotFound = 5,
  AlreadyExists = 6,
  PermissionDenied = 7,
  ResourceExhausted = 8,
  FailedPrecondition = 9,
  Aborted = 10,
  OutOfRange = 11,
  Unimplemented = 12,
  Internal = 13,
  Unavailable = 14,
  DataLoss = 15,
  Unauthenticated = 16,
  InvalidCode = -1,
}

export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}
export const METRIC_TYPE_NAMES = ["counter", "gauge", "histogram"] as const;
export type MetricTypeName = (typeof METRIC_TYPE_NAMES)[number];

/** WASI errno values the host returns. */
export enum Errno {
  Success = 0,
  Badf = 8,
  Fault = 21,
  Inval = 28,
  Noent = 44,
  Nosys = 52,
  Notsup = 58,
}

export type ValType = "i32" | "i64";

export interface FunctionSpec {
  name: string;
  params: ValType[];
  results: ValType[];
  /** ABI versions for which cpp-host registers (host functions) or calls (callbacks) it. */
  versions: readonly AbiVersion[];
}

const ALL = ABI_VERSIONS;
const V01: readonly AbiVersion[] = ["0.1.0"];
const V02: readonly AbiVersion[] = ["0.2.0", "0.2.1"];
const V021: readonly AbiVersion[] = ["0.2.1"];

function fn(name: string, params: number | ValType[], versions: readonly AbiVersion[] = ALL, results: ValType[] = ["i32"]): FunctionSpec {
  return { name, params: typeof params === "number" ? Array<ValType>(params).fill("i32") : params, results, versions };
}

/** Host functions under module `env`. */
export const ENV_FUNCTIONS: readonly FunctionSpec[] = [
  fn("proxy_log", 3),
  fn("proxy_get_log_level", 1, V021),
  fn("proxy_get_current_time_nanoseconds", 1),
  fn("proxy_set_tick_period_milliseconds", 1),
  fn("proxy_done", 0),
  fn("proxy_set_effective_context", 1),
  fn("proxy_call_foreign_function", 6),
  fn("proxy_get_property", 4),
  fn("proxy_set_property", 4),
  fn("proxy_get_status", 3),
  fn("proxy_get_buffer_bytes", 5),
  fn("proxy_get_buffer_status", 3),
  fn("proxy_set_buffer_bytes", 5),
  fn("proxy_get_header_map_size", 2),
  fn("proxy_get_header_map_pairs", 3),
  fn("proxy_set_header_map_pairs", 3),
  fn("proxy_get_header_map_value", 5),
  fn("proxy_add_header_map_value", 5),
  fn("proxy_replace_header_map_value", 5),
  fn("proxy_remove_header_map_value", 3),
  fn("proxy_continue_stream", 1, V02),
  fn("proxy_close_stream", 1, V02),
  fn("proxy_send_local_response", 8),
  fn("proxy_http_call", 10),
  fn("proxy_grpc_call", 12),
  fn("proxy_grpc_stream", 9),
  fn("proxy_grpc_send", 4),
  fn("proxy_grpc_cancel", 1),
  fn("proxy_grpc_close", 1),
  fn("proxy_set_shared_data", 5),
  fn("proxy_get_shared_data", 5),
  fn("proxy_register_shared_queue", 3),
  fn("proxy_resolve_shared_queue", 5),
  fn("proxy_enqueue_shared_queue", 3),
  fn("proxy_dequeue_shared_queue", 3),
  fn("proxy_define_metric", 4),
  fn("proxy_record_metric", ["i32", "i64"]),
  fn("proxy_increment_metric", ["i32", "i64"]),
  fn("proxy_get_metric", 2),
  // ABI 0.1.0 only (cpp-host registers them only for modules exporting proxy_abi_version_0_1_0).
  fn("proxy_get_configuration", 2, V01),
  fn("proxy_continue_request", 0, V01),
  fn("proxy_continue_response", 0, V01),
  fn("proxy_clear_route_cache", 0, V01),
];

/** WASI functions, registered under both module names below (cpp-host does the same). */
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
export const WASI_FUNCTIONS: readonly FunctionSpec[] = [
  fn("fd_write", 4),
  fn("fd_read", 4),
  fn("fd_seek", ["i32", "i64", "i32", "i32"]),
  fn("fd_close", 1),
  fn("fd_fdstat_get", 2),
  fn("fd_prestat_get", 2),
  fn("fd_prestat_dir_name", 3),
  fn("path_open", ["i32", "i32", "i32", "i32", "i32", "i64", "i64", "i32", "i32"]),
  fn("environ_get", 2),
  fn("environ_sizes_get", 2),
  fn("args_get", 2),
  fn("args_sizes_get", 2),
  fn("clock_time_get", ["i32", "i64", "i32"]),
  fn("random_get", 2),
  fn("sched_yield", 0),
  fn("poll_oneoff", 4),
  fn("proc_exit", 1, ALL, []),
];

/** Callbacks (module exports) the host calls when they are exported. */
export const CALLBACKS = {
  proxy_on_memory_allocate: fn("proxy_on_memory_allocate", 1),
  malloc: fn("malloc", 1),
  proxy_on_context_create: fn("proxy_on_context_create", 2, ALL, []),
  proxy_on_vm_start: fn("proxy_on_vm_start", 2),
  proxy_validate_configuration: fn("proxy_validate_configuration", 2),
  proxy_on_configure: fn("proxy_on_configure", 2),
  proxy_on_tick: fn("proxy_on_tick", 1, ALL, []),
  proxy_on_done: fn("proxy_on_done", 1),
  proxy_on_log: fn("proxy_on_log", 1, ALL, []),
  proxy_on_delete: fn("proxy_on_delete", 1, ALL, []),
  proxy_on_new_connection: fn("proxy_on_new_connection", 1),
  proxy_on_downstream_data: fn("proxy_on_downstream_data", 3),
  proxy_on_downstream_connection_close: fn("proxy_on_downstream_connection_close", 2, ALL, []),
  proxy_on_upstream_data: fn("proxy_on_upstream_data", 3),
  proxy_on_upstream_connection_close: fn("proxy_on_upstream_connection_close", 2, ALL, []),
  /** 2 params (no end_of_stream) for ABI 0.1.0, 3 from 0.2.0: see `headersCallbackArity`. */
  proxy_on_request_headers: fn("proxy_on_request_headers", 3),
  proxy_on_request_body: fn("proxy_on_request_body", 3),
  proxy_on_request_trailers: fn("proxy_on_request_trailers", 2),
  proxy_on_response_headers: fn("proxy_on_response_headers", 3),
  proxy_on_response_body: fn("proxy_on_response_body", 3),
  proxy_on_response_trailers: fn("proxy_on_response_trailers", 2),
  proxy_on_http_call_response: fn("proxy_on_http_call_response", 5, ALL, []),
  proxy_on_grpc_receive_initial_metadata: fn("proxy_on_grpc_receive_initial_metadata", 3, ALL, []),
  proxy_on_grpc_receive: fn("proxy_on_grpc_receive", 3, ALL, []),
  proxy_on_grpc_receive_trailing_metadata: fn("proxy_on_grpc_receive_trailing_metadata", 3, ALL, []),
  proxy_on_grpc_close: fn("proxy_on_grpc_close", 3, ALL, []),
  proxy_on_queue_ready: fn("proxy_on_queue_ready", 2, ALL, []),
  proxy_on_foreign_function: fn("proxy_on_foreign_function", 3, V02, []),
} as const satisfies Record<string, FunctionSpec>;
export type CallbackName = keyof typeof CALLBACKS;

/** Headers callbacks lost their end_of_stream argument in ABI 0.1.0. */
export function headersCallbackArity(version: AbiVersion): number {
  return version === "0.1.0" ? 2 : 3;
}

/** The host functions cpp-host registers for a module of this ABI version, as `module → specs`. */
export function hostFunctionsFor(version: AbiVersion): Map<string, FunctionSpec[]> {
  const env = ENV_FUNCTIONS.filter((f) => f.versions.includes(version));
  const wasi = WASI_FUNCTIONS.filter((f) => f.versions.includes(version));
  return new Map<string, FunctionSpec[]>([["env", env], ...WASI_MODULES.map((m) => [m, wasi] as [string, FunctionSpec[]])]);
}
