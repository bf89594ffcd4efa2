// Safe wrappers over the raw imports (sdk/abi/imports.ts), one per host function. Out-params become return
// values; the statuses a caller should expect (NotFound, Empty, CasMismatch, ...) become null/false/a
// WasmResult; any other status is a bug in the filter or the host and aborts with a log line naming the call.
// Long because the ABI has that many host functions: one short wrapper each.
import * as abi from "./abi/imports";
import { BufferType, GrpcStatus, LogLevel, MapType, MetricType, StreamType, WasmResult } from "./types";
import { Header, deserializeHeaders, serializeHeaders } from "./internal/headers";
import { RET, adoptResult, clearResult, lengthOf, ptrOf, stage, stagedA, stagedALength, stagedB, stagedBLength } from "./internal/memory";

/** Aborts (log at Critical + trap) unless `status` is Ok: for calls where any failure is a bug. */
function check(status: u32, call: string): void {
  // The status as a number (see WasmResult): a name table would cost every filter ~400 bytes.
  if (status != WasmResult.Ok) abort(call + " failed with status " + String.fromCharCode(0x30 + status / 10) + String.fromCharCode(0x30 + status % 10));
}

/** Ok → true, `expected` → false, anything else aborts. */
function okOr(status: u32, expected: WasmResult, call: string): bool {
  if (status == WasmResult.Ok) return true;
  if (status != expected) check(status, call);
  return false;
}

// --- Logging, time, timers, lifecycle ---

/** Writes `message` to the host's log at `level`. */
export function log(level: LogLevel, message: string): void {
  stage(message);
  abi.proxy_log(level, stagedA, stagedALength);
}

/** The host's current log level: messages below it are dropped by the host. */
export function getLogLevel(): LogLevel {
  check(abi.proxy_get_log_level(RET), "proxy_get_log_level");
  return load<u32>(RET);
}

/** Wall-clock time in nanoseconds since the Unix epoch (WASI `clock_time_get`, realtime clock). */
export function getCurrentTimeNanoseconds(): u64 {
  abi.clock_time_get(0, 0, RET + 8);
  return load<u64>(RET + 8);
}

/** Calls the root context's `onTick` every `periodMs` milliseconds; 0 stops the timer. */
export function setTickPeriodMilliseconds(periodMs: u32): void {
  check(abi.proxy_set_tick_period_milliseconds(periodMs), "proxy_set_tick_period_milliseconds");
}

/** Tells the host that the effective context, which returned false from `onDone`, has finished. */
export function done(): bool {
  return okOr(abi.proxy_done(), WasmResult.NotFound, "proxy_done");
}

/** Makes `contextId` the context later host calls act on (for callbacks that arrive on another context). */
export function setEffectiveContext(contextId: u32): bool {
  return okOr(abi.proxy_set_effective_context(contextId), WasmResult.BadArgument, "proxy_set_effective_context");
}

// --- Buffers ---

/** Up to `maxSize` bytes of a buffer from `start`, or null when the buffer does not exist in this callback. */
export function getBufferBytes(type: BufferType, start: usize, maxSize: usize): ArrayBuffer | null {
  clearResult();
  const status = abi.proxy_get_buffer_bytes(type, start, maxSize, RET, RET + 4);
  const data = adoptResult();
  if (!okOr(status, WasmResult.NotFound, "proxy_get_buffer_bytes")) return null;
  return data ? data : new ArrayBuffer(0);
}

/** The current byte size of a buffer, or -1 when it does not exist in this callback. */
export function getBufferSize(type: BufferType): i64 {
  const status = abi.proxy_get_buffer_status(type, RET, RET + 4);
  return okOr(status, WasmResult.NotFound, "proxy_get_buffer_status") ? <i64>load<u32>(RET) : -1;
}

/**
 * Replaces `size` bytes at `start` with `data`: start=0,size=0 prepends, start ≥ length appends.
 * Returns false when the buffer does not exist in this callback.
 */
export function setBufferBytes(type: BufferType, start: usize, size: usize, data: ArrayBuffer | null): bool {
  const status = abi.proxy_set_buffer_bytes(type, start, size, ptrOf(data), lengthOf(data));
  return okOr(status, WasmResult.NotFound, "proxy_set_buffer_bytes");
}

/** `setBufferBytes` with the UTF-8 of `text`, encoded without allocating. */
export function setBufferText(type: BufferType, start: usize, size: usize, text: string): bool {
  stage(text);
  const status = abi.proxy_set_buffer_bytes(type, start, size, stagedA, stagedALength);
  return okOr(status, WasmResult.NotFound, "proxy_set_buffer_bytes");
}

// --- Header maps ---

/** The byte size of a serialized header map. */
export function getHeaderMapSize(type: MapType): usize {
  check(abi.proxy_get_header_map_size(type, RET), "proxy_get_header_map_size");
  return load<u32>(RET);
}

/** Every header of a map, in order, duplicates kept. */
export function getHeaderMapPairs(type: MapType): Header[] {
  clearResult();
  const status = abi.proxy_get_header_map_pairs(type, RET, RET + 4);
  const data = adoptResult();
  check(status, "proxy_get_header_map_pairs");
  return deserializeHeaders(data);
}

/** Replaces a whole header map. */
export function setHeaderMapPairs(type: MapType, headers: Header[]): void {
  const data = serializeHeaders(headers);
  check(abi.proxy_set_header_map_pairs(type, changetype<usize>(data), data.byteLength), "proxy_set_header_map_pairs");
}

/** The raw bytes of a header's value, or null when absent. */
export function getHeaderMapValueBytes(type: MapType, name: string): ArrayBuffer | null {
  stage(name);
  clearResult();
  const status = abi.proxy_get_header_map_value(type, stagedA, stagedALength, RET, RET + 4);
  const data = adoptResult();
  if (!okOr(status, WasmResult.NotFound, "proxy_get_header_map_value")) return null;
  return data ? data : new ArrayBuffer(0);
}

/** A header's value (UTF-8 decoded), or null when absent. */
export function getHeaderMapValue(type: MapType, name: string): string | null {
  const data = getHeaderMapValueBytes(type, name);
  return data ? String.UTF8.decode(data) : null;
}

/** Adds a header, keeping existing ones of the same name. */
export function addHeaderMapValue(type: MapType, name: string, value: string): void {
  stage(name, value);
  check(abi.proxy_add_header_map_value(type, stagedA, stagedALength, stagedB, stagedBLength), "proxy_add_header_map_value");
}

/** Sets a header, replacing every existing one of the same name (adds it when absent). */
export function replaceHeaderMapValue(type: MapType, name: string, value: string): void {
  stage(name, value);
  check(abi.proxy_replace_header_map_value(type, stagedA, stagedALength, stagedB, stagedBLength), "proxy_replace_header_map_value");
}

/** Removes every header of that name (nothing happens when absent). */
export function removeHeaderMapValue(type: MapType, name: string): void {
  stage(name);
  check(abi.proxy_remove_header_map_value(type, stagedA, stagedALength), "proxy_remove_header_map_value");
}

// --- Stream control and local responses ---

/** Resumes a paused stream direction. False when the host refuses (nothing paused, or not supported). */
export function continueStream(type: StreamType): bool {
  const status = abi.proxy_continue_stream(type);
  if (status == WasmResult.Unimplemented) return false;
  return okOr(status, WasmResult.BadArgument, "proxy_continue_stream");
}

/** Closes (resets) a stream direction. */
export function closeStream(type: StreamType): bool {
  return okOr(abi.proxy_close_stream(type), WasmResult.BadArgument, "proxy_close_stream");
}

/** Answers the client directly; the request goes no further upstream. */
export function sendLocalResponse(statusCode: u32, details: string, body: ArrayBuffer | null, headers: Header[], grpcStatus: GrpcStatus): void {
  const serialized = serializeHeaders(headers);
  stage(details);
  check(abi.proxy_send_local_response(statusCode, stagedA, stagedALength, ptrOf(body), lengthOf(body),
    changetype<usize>(serialized), serialized.byteLength, grpcStatus), "proxy_send_local_response");
}

/** The status of the call whose response is being delivered (`onHttpCallResponse`, `onGrpcClose`). */
export class CallStatus {
  constructor(public code: u32, public message: string) {}
}

/** Code and message of the callout or gRPC call the current callback is about. */
export function getStatus(): CallStatus {
  clearResult();
  const status = abi.proxy_get_status(RET + 8, RET, RET + 4);
  const data = adoptResult();
  check(status, "proxy_get_status");
  return new CallStatus(load<u32>(RET + 8), data ? String.UTF8.decode(data) : "");
}

// --- HTTP callouts ---

/**
 * Sends an HTTP request to cluster `upstream` (headers must include `:method`, `:path`, `:authority`).
 * Returns the call's token, or 0 when the host refused it (unknown cluster, missing pseudo-headers).
 */
export function httpCall(upstream: string, headers: Header[], body: ArrayBuffer | null, trailers: Header[], timeoutMs: u32): u32 {
  const h = serializeHeaders(headers);
  const t = serializeHeaders(trailers);
  stage(upstream);
  const status = abi.proxy_http_call(stagedA, stagedALength, changetype<usize>(h), h.byteLength, ptrOf(body), lengthOf(body),
    changetype<usize>(t), t.byteLength, timeoutMs, RET);
  return status == WasmResult.Ok ? load<u32>(RET) : 0;
}

// --- gRPC calls and streams ---

/** A unary gRPC call. Returns its token, or 0 when the host refused it. */
export function grpcCall(upstream: string, service: string, method: string, initialMetadata: Header[], message: ArrayBuffer | null, timeoutMs: u32): u32 {
  const md = serializeHeaders(initialMetadata);
  const up = String.UTF8.encode(upstream);
  stage(service, method);
  const status = abi.proxy_grpc_call(changetype<usize>(up), up.byteLength, stagedA, stagedALength, stagedB, stagedBLength,
    changetype<usize>(md), md.byteLength, ptrOf(message), lengthOf(message), timeoutMs, RET);
  return status == WasmResult.Ok ? load<u32>(RET) : 0;
}

/** Opens a gRPC stream. Returns its token, or 0 when the host refused it. */
export function grpcStream(upstream: string, service: string, method: string, initialMetadata: Header[]): u32 {
  const md = serializeHeaders(initialMetadata);
  const up = String.UTF8.encode(upstream);
  stage(service, method);
  const status = abi.proxy_grpc_stream(changetype<usize>(up), up.byteLength, stagedA, stagedALength, stagedB, stagedBLength,
    changetype<usize>(md), md.byteLength, RET);
  return status == WasmResult.Ok ? load<u32>(RET) : 0;
}

/** Sends a message on a gRPC stream; false when the stream is unknown or closed. */
export function grpcSend(token: u32, message: ArrayBuffer | null, endStream: bool): bool {
  const status = abi.proxy_grpc_send(token, ptrOf(message), lengthOf(message), endStream);
  return status == WasmResult.Ok;
}

/** Cancels a gRPC call or stream (no further callbacks); false when unknown. */
export function grpcCancel(token: u32): bool {
  return abi.proxy_grpc_cancel(token) == WasmResult.Ok;
}

/** Half-closes a gRPC call or stream; false when unknown. */
export function grpcClose(token: u32): bool {
  return abi.proxy_grpc_close(token) == WasmResult.Ok;
}

// --- Shared data and shared queues ---

/** A shared-data value with its compare-and-swap version. */
export class SharedData {
  constructor(public value: ArrayBuffer, public cas: u32) {}
}

/** The value stored under `key` (shared by all VMs of the host), or null when absent. */
export function getSharedData(key: string): SharedData | null {
  stage(key);
  clearResult();
  const status = abi.proxy_get_shared_data(stagedA, stagedALength, RET, RET + 4, RET + 8);
  const data = adoptResult();
  if (!okOr(status, WasmResult.NotFound, "proxy_get_shared_data")) return null;
  return new SharedData(data ? data : new ArrayBuffer(0), load<u32>(RET + 8));
}

/** Stores `value` under `key`; with `cas` ≠ 0 only if the stored version still equals it. Ok or CasMismatch. */
export function setSharedData(key: string, value: ArrayBuffer | null, cas: u32 = 0): WasmResult {
  stage(key);
  const status = abi.proxy_set_shared_data(stagedA, stagedALength, ptrOf(value), lengthOf(value), cas);
  return okOr(status, WasmResult.CasMismatch, "proxy_set_shared_data") ? WasmResult.Ok : WasmResult.CasMismatch;
}

/** Creates (or opens) a queue owned by this VM; returns its id. Its consumer gets `onQueueReady`. */
export function registerSharedQueue(name: string): u32 {
  stage(name);
  check(abi.proxy_register_shared_queue(stagedA, stagedALength, RET), "proxy_register_shared_queue");
  return load<u32>(RET);
}

/** The id of queue `name` registered by VM `vmId`, or 0 when there is none. */
export function resolveSharedQueue(vmId: string, name: string): u32 {
  stage(vmId, name);
  const status = abi.proxy_resolve_shared_queue(stagedA, stagedALength, stagedB, stagedBLength, RET);
  return okOr(status, WasmResult.NotFound, "proxy_resolve_shared_queue") ? load<u32>(RET) : 0;
}

/** Appends a message to a queue; false when the queue does not exist. */
export function enqueueSharedQueue(queueId: u32, value: ArrayBuffer | null): bool {
  return okOr(abi.proxy_enqueue_shared_queue(queueId, ptrOf(value), lengthOf(value)), WasmResult.NotFound, "proxy_enqueue_shared_queue");
}

/** Takes the oldest message of a queue, or null when it is empty or does not exist. */
export function dequeueSharedQueue(queueId: u32): ArrayBuffer | null {
  clearResult();
  const status = abi.proxy_dequeue_shared_queue(queueId, RET, RET + 4);
  const data = adoptResult();
  if (status == WasmResult.Empty || !okOr(status, WasmResult.NotFound, "proxy_dequeue_shared_queue")) return null;
  return data ? data : new ArrayBuffer(0);
}

// --- Metrics ---

/** Defines (or finds) a metric by name; returns its id. */
export function defineMetric(type: MetricType, name: string): u32 {
  stage(name);
  check(abi.proxy_define_metric(type, stagedA, stagedALength, RET), "proxy_define_metric");
  return load<u32>(RET);
}

/** Adds `delta` to a counter or gauge (gauges may go down). */
export function incrementMetric(metricId: u32, delta: i64): void {
  check(abi.proxy_increment_metric(metricId, delta), "proxy_increment_metric");
}

/** Sets a gauge, or records a histogram sample. */
export function recordMetric(metricId: u32, value: u64): void {
  check(abi.proxy_record_metric(metricId, value), "proxy_record_metric");
}

/** The current value of a counter or gauge. */
export function getMetric(metricId: u32): u64 {
  check(abi.proxy_get_metric(metricId, RET + 8), "proxy_get_metric");
  return load<u64>(RET + 8);
}

// --- Properties ---

/** A property's raw value (e.g. `["request", "path"]`, `["plugin_root_id"]`), or null when it does not exist. */
export function getProperty(path: string[]): ArrayBuffer | null {
  // Hosts expect the segments joined with NUL: ["request", "path"] → "request\0path".
  stage(path.join("\0"));
  clearResult();
  const status = abi.proxy_get_property(stagedA, stagedALength, RET, RET + 4);
  const data = adoptResult();
  if (status == WasmResult.SerializationFailure || !okOr(status, WasmResult.NotFound, "proxy_get_property")) return null;
  return data ? data : new ArrayBuffer(0);
}

/** Sets a property; false when the host does not know it. */
export function setProperty(path: string[], value: ArrayBuffer | null): bool {
  stage(path.join("\0"));
  const status = abi.proxy_set_property(stagedA, stagedALength, ptrOf(value), lengthOf(value));
  return okOr(status, WasmResult.NotFound, "proxy_set_property");
}

// --- Foreign functions ---

/** Calls a host extension function by name; its result bytes, or null when the host has no such function. */
export function callForeignFunction(name: string, args: ArrayBuffer | null): ArrayBuffer | null {
  stage(name);
  clearResult();
  const status = abi.proxy_call_foreign_function(stagedA, stagedALength, ptrOf(args), lengthOf(args), RET, RET + 4);
  const data = adoptResult();
  if (!okOr(status, WasmResult.NotFound, "proxy_call_foreign_function")) return null;
  return data ? data : new ArrayBuffer(0);
}
