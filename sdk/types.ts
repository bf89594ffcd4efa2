// Wire enums of Proxy-Wasm ABI 0.2.1 with their numbers spelled out (values from proxy_wasm_common.h and
// proxy_wasm_enums.h of proxy-wasm-cpp-sdk; see abi.md §3). A number crosses the ABI, so each is explicit.

/** Log levels of `proxy_log` / `proxy_get_log_level`. */
export enum LogLevel {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
}

/** `proxy_status_t`: the result of every host call. */
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

/** What an HTTP headers callback tells the host to do next. */
export enum FilterHeadersStatus {
  /** Pass the headers on to the next filter. */
  Continue = 0,
  /** Pause the stream until `continueRequest()`/`continueResponse()` (hosts treat it like StopAllIterationAndBuffer). */
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
}

/** What an HTTP body callback tells the host to do next. */
export enum FilterDataStatus {
  /** Pass this chunk on. */
  Continue = 0,
  /** Hold this chunk and the following ones in the host's buffer (the next callback sees them all). */
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
}

/** What an HTTP trailers callback tells the host to do next. */
export enum FilterTrailersStatus {
  Continue = 0,
  StopIteration = 1,
}

/** What a TCP callback tells the host to do next. */
export enum FilterStatus {
  Continue = 0,
  StopIteration = 1,
}

/** `proxy_buffer_type_t`. */
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

/** `proxy_map_type_t`. */
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

/** `proxy_stream_type_t`: which direction `continue_stream`/`close_stream` act on. */
export enum StreamType {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
}

/** `proxy_peer_type_t`: who closed a TCP connection. */
export enum PeerType {
  Unknown = 0,
  Local = 1,
  Remote = 2,
}

/** `proxy_metric_type_t`. */
export enum MetricType {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
}

/** gRPC status codes (for local responses and `onGrpcClose`); `InvalidCode` (-1) means "no gRPC status". */
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
