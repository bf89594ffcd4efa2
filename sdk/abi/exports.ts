// Every function the host looks for in a proxy-wasm module (abi.md §1). Each is one line into the dispatcher
// (sdk/dispatcher.ts), which owns the contexts. A filter's entry file re-exports this module:
//   export * from "as-proxy-wasm/exports";
import * as d from "../dispatcher";
import { allocateForHost } from "../internal/memory";

/** ABI version marker: hosts refuse modules without one. Never called. */
export function proxy_abi_version_0_2_1(): void {}

// The host's allocator: it writes results into memory it gets here. cpp-host looks up `malloc` first.
export function proxy_on_memory_allocate(size: usize): usize { return allocateForHost(size); }
export function malloc(size: usize): usize { return allocateForHost(size); }

// Lifecycle
export function proxy_on_context_create(id: u32, parentId: u32): void { d.onContextCreate(id, parentId); }
export function proxy_on_done(id: u32): bool { return d.onDone(id); }
export function proxy_on_log(id: u32): void { d.onLog(id); }
export function proxy_on_delete(id: u32): void { d.onDelete(id); }

// Root context
export function proxy_on_vm_start(id: u32, vmConfigurationSize: usize): bool { return d.onVmStart(id, vmConfigurationSize); }
export function proxy_on_configure(id: u32, configurationSize: usize): bool { return d.onConfigure(id, configurationSize); }
export function proxy_on_tick(id: u32): void { d.onTick(id); }
export function proxy_on_queue_ready(id: u32, queueId: u32): void { d.onQueueReady(id, queueId); }
export function proxy_on_foreign_function(id: u32, functionId: u32, argsSize: usize): void { d.onForeignFunction(id, functionId, argsSize); }

// HTTP streams
export function proxy_on_request_headers(id: u32, numHeaders: u32, endOfStream: bool): u32 { return d.onRequestHeaders(id, numHeaders, endOfStream); }
export function proxy_on_request_body(id: u32, bodySize: usize, endOfStream: bool): u32 { return d.onRequestBody(id, bodySize, endOfStream); }
export function proxy_on_request_trailers(id: u32, numTrailers: u32): u32 { return d.onRequestTrailers(id, numTrailers); }
export function proxy_on_response_headers(id: u32, numHeaders: u32, endOfStream: bool): u32 { return d.onResponseHeaders(id, numHeaders, endOfStream); }
export function proxy_on_response_body(id: u32, bodySize: usize, endOfStream: bool): u32 { return d.onResponseBody(id, bodySize, endOfStream); }
export function proxy_on_response_trailers(id: u32, numTrailers: u32): u32 { return d.onResponseTrailers(id, numTrailers); }

// TCP connections
export function proxy_on_new_connection(id: u32): u32 { return d.onNewConnection(id); }
export function proxy_on_downstream_data(id: u32, dataSize: usize, endOfStream: bool): u32 { return d.onDownstreamData(id, dataSize, endOfStream); }
export function proxy_on_downstream_connection_close(id: u32, peerType: u32): void { d.onDownstreamConnectionClose(id, peerType); }
export function proxy_on_upstream_data(id: u32, dataSize: usize, endOfStream: bool): u32 { return d.onUpstreamData(id, dataSize, endOfStream); }
export function proxy_on_upstream_connection_close(id: u32, peerType: u32): void { d.onUpstreamConnectionClose(id, peerType); }

// Answers to HTTP callouts and gRPC calls/streams
export function proxy_on_http_call_response(id: u32, token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void { d.onHttpCallResponse(id, token, numHeaders, bodySize, numTrailers); }
export function proxy_on_grpc_receive_initial_metadata(id: u32, token: u32, numElements: u32): void { d.onGrpcReceiveInitialMetadata(id, token, numElements); }
export function proxy_on_grpc_receive(id: u32, token: u32, messageSize: usize): void { d.onGrpcReceive(id, token, messageSize); }
export function proxy_on_grpc_receive_trailing_metadata(id: u32, token: u32, numElements: u32): void { d.onGrpcReceiveTrailingMetadata(id, token, numElements); }
export function proxy_on_grpc_close(id: u32, token: u32, statusCode: u32): void { d.onGrpcClose(id, token, statusCode); }
