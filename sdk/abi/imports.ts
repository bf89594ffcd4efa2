// The raw Proxy-Wasm ABI 0.2.1 as the host provides it: declarations only, grouped like abi.md §2.
// Every function returns a proxy_status_t (see WasmResult) and writes results through `ret*` pointers.
// Only what a module actually calls ends up in its import section, so declaring all of them costs nothing.
// `usize` marks a pointer or a byte count in guest memory; everything else is a plain u32.

// --- Logging, time, timers, lifecycle ---
@external("env", "proxy_log")
export declare function proxy_log(level: u32, messagePtr: usize, messageSize: usize): u32;
@external("env", "proxy_get_log_level")
export declare function proxy_get_log_level(retLevelPtr: usize): u32;
/** Deprecated by the spec in favour of WASI `clock_time_get`; declared for completeness. */
@external("env", "proxy_get_current_time_nanoseconds")
export declare function proxy_get_current_time_nanoseconds(retTimePtr: usize): u32;
@external("env", "proxy_set_tick_period_milliseconds")
export declare function proxy_set_tick_period_milliseconds(periodMs: u32): u32;
@external("env", "proxy_done")
export declare function proxy_done(): u32;
@external("env", "proxy_set_effective_context")
export declare function proxy_set_effective_context(contextId: u32): u32;

// --- Buffers ---
@external("env", "proxy_get_buffer_bytes")
export declare function proxy_get_buffer_bytes(bufferType: u32, start: usize, maxSize: usize, retDataPtrPtr: usize, retSizePtr: usize): u32;
@external("env", "proxy_get_buffer_status")
export declare function proxy_get_buffer_status(bufferType: u32, retSizePtr: usize, retFlagsPtr: usize): u32;
@external("env", "proxy_set_buffer_bytes")
export declare function proxy_set_buffer_bytes(bufferType: u32, start: usize, size: usize, dataPtr: usize, dataSize: usize): u32;

// --- Header maps ---
@external("env", "proxy_get_header_map_size")
export declare function proxy_get_header_map_size(mapType: u32, retSizePtr: usize): u32;
@external("env", "proxy_get_header_map_pairs")
export declare function proxy_get_header_map_pairs(mapType: u32, retDataPtrPtr: usize, retSizePtr: usize): u32;
@external("env", "proxy_set_header_map_pairs")
export declare function proxy_set_header_map_pairs(mapType: u32, dataPtr: usize, dataSize: usize): u32;
@external("env", "proxy_get_header_map_value")
export declare function proxy_get_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, retDataPtrPtr: usize, retSizePtr: usize): u32;
@external("env", "proxy_add_header_map_value")
export declare function proxy_add_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_replace_header_map_value")
export declare function proxy_replace_header_map_value(mapType: u32, keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize): u32;
@external("env", "proxy_remove_header_map_value")
export declare function proxy_remove_header_map_value(mapType: u32, keyPtr: usize, keySize: usize): u32;

// --- Stream control and local responses ---
@external("env", "proxy_continue_stream")
export declare function proxy_continue_stream(streamType: u32): u32;
@external("env", "proxy_close_stream")
export declare function proxy_close_stream(streamType: u32): u32;
@external("env", "proxy_send_local_response")
export declare function proxy_send_local_response(statusCode: u32, detailsPtr: usize, detailsSize: usize, bodyPtr: usize, bodySize: usize, headersPtr: usize, headersSize: usize, grpcStatus: i32): u32;
@external("env", "proxy_get_status")
export declare function proxy_get_status(retCodePtr: usize, retMessagePtrPtr: usize, retMessageSizePtr: usize): u32;

// --- HTTP callouts ---
@external("env", "proxy_http_call")
export declare function proxy_http_call(upstreamPtr: usize, upstreamSize: usize, headersPtr: usize, headersSize: usize, bodyPtr: usize, bodySize: usize, trailersPtr: usize, trailersSize: usize, timeoutMs: u32, retTokenPtr: usize): u32;

// --- gRPC calls and streams ---
@external("env", "proxy_grpc_call")
export declare function proxy_grpc_call(upstreamPtr: usize, upstreamSize: usize, servicePtr: usize, serviceSize: usize, methodPtr: usize, methodSize: usize, initialMetadataPtr: usize, initialMetadataSize: usize, messagePtr: usize, messageSize: usize, timeoutMs: u32, retTokenPtr: usize): u32;
@external("env", "proxy_grpc_stream")
export declare function proxy_grpc_stream(upstreamPtr: usize, upstreamSize: usize, servicePtr: usize, serviceSize: usize, methodPtr: usize, methodSize: usize, initialMetadataPtr: usize, initialMetadataSize: usize, retTokenPtr: usize): u32;
@external("env", "proxy_grpc_send")
export declare function proxy_grpc_send(token: u32, messagePtr: usize, messageSize: usize, endStream: u32): u32;
@external("env", "proxy_grpc_cancel")
export declare function proxy_grpc_cancel(token: u32): u32;
@external("env", "proxy_grpc_close")
export declare function proxy_grpc_close(token: u32): u32;

// --- Shared data and shared queues ---
@external("env", "proxy_get_shared_data")
export declare function proxy_get_shared_data(keyPtr: usize, keySize: usize, retValuePtrPtr: usize, retSizePtr: usize, retCasPtr: usize): u32;
@external("env", "proxy_set_shared_data")
export declare function proxy_set_shared_data(keyPtr: usize, keySize: usize, valuePtr: usize, valueSize: usize, cas: u32): u32;
@external("env", "proxy_register_shared_queue")
export declare function proxy_register_shared_queue(namePtr: usize, nameSize: usize, retQueueIdPtr: usize): u32;
@external("env", "proxy_resolve_shared_queue")
export declare function proxy_resolve_shared_queue(vmIdPtr: usize, vmIdSize: usize, namePtr: usize, nameSize: usize, retQueueIdPtr: usize): u32;
@external("env", "proxy_dequeue_shared_queue")
export declare function proxy_dequeue_shared_queue(queueId: u32, retValuePtrPtr: usize, retSizePtr: usize): u32;
@external("env", "proxy_enqueue_shared_queue")
export declare function proxy_enqueue_shared_queue(queueId: u32, valuePtr: usize, valueSize: usize): u32;

// --- Metrics ---
@external("env", "proxy_define_metric")
export declare function proxy_define_metric(metricType: u32, namePtr: usize, nameSize: usize, retMetricIdPtr: usize): u32;
@external("env", "proxy_increment_metric")
export declare function proxy_increment_metric(metricId: u32, offset: i64): u32;
@external("env", "proxy_record_metric")
export declare function proxy_record_metric(metricId: u32, value: u64): u32;
@external("env", "proxy_get_metric")
export declare function proxy_get_metric(metricId: u32, retValuePtr: usize): u32;

// --- Properties ---
@external("env", "proxy_get_property")
export declare function proxy_get_property(pathPtr: usize, pathSize: usize, retValuePtrPtr: usize, retSizePtr: usize): u32;
@external("env", "proxy_set_property")
export declare function proxy_set_property(pathPtr: usize, pathSize: usize, valuePtr: usize, valueSize: usize): u32;

// --- Foreign functions ---
@external("env", "proxy_call_foreign_function")
export declare function proxy_call_foreign_function(namePtr: usize, nameSize: usize, argsPtr: usize, argsSize: usize, retResultPtrPtr: usize, retSizePtr: usize): u32;

// --- WASI (wasi_snapshot_preview1): the clock for the current time, random bytes for seeding ---
@external("wasi_snapshot_preview1", "clock_time_get")
export declare function clock_time_get(clockId: u32, precision: u64, retTimePtr: usize): u16;
@external("wasi_snapshot_preview1", "random_get")
export declare function random_get(bufPtr: usize, bufLen: usize): u16;
