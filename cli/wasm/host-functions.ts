import type { FunctionType, ValueType } from "./module-info.js";

/**
 * What an Envoy/Istio host (proxy-wasm-cpp-host) links into a module, per ABI version: the functions it
 * registers under `env`, with their wasm signatures, and the WASI modules. `inspect` and `build` judge
 * imports against this list. Source: ../shared/abi.md (cpp-host `src/wasm.cc`, `include/proxy-wasm/exports.h`).
 */

export const ABI_VERSIONS = ["0.1.0", "0.2.0", "0.2.1"] as const;
export type AbiVersion = (typeof ABI_VERSIONS)[number];

export interface HostFunction extends FunctionType {
  /** ABI versions whose modules get this function. */
  versions: readonly AbiVersion[];
}

const ALL = ABI_VERSIONS;
const V0_1 = ["0.1.0"] as const;
const V0_2 = ["0.2.0", "0.2.1"] as const;
const V0_2_1 = ["0.2.1"] as const;

/** `n` i32 parameters returning a proxy_status_t. */
function status(n: number, versions: readonly AbiVersion[] = ALL): HostFunction {
  return { params: Array<ValueType>(n).fill("i32"), results: ["i32"], versions };
}

export const ENV_FUNCTIONS: Readonly<Record<string, HostFunction>> = {
  proxy_log: status(3),
  proxy_get_log_level: status(1, V0_2_1),
  proxy_get_current_time_nanoseconds: status(1),
  proxy_set_tick_period_milliseconds: status(1),
  proxy_done: status(0),
  proxy_set_effective_context: status(1),
  proxy_set_buffer_bytes: status(5),
  proxy_get_buffer_bytes: status(5),
  proxy_get_buffer_status: status(3),
  proxy_get_header_map_size: status(2),
  proxy_get_header_map_pairs: status(3),
  proxy_set_header_map_pairs: status(3),
  proxy_get_header_map_value: status(5),
  proxy_add_header_map_value: status(5),
  proxy_replace_header_map_value: status(5),
  proxy_remove_header_map_value: status(3),
  proxy_continue_stream: status(1, V0_2),
  proxy_close_stream: status(1, V0_2),
  proxy_get_status: status(3),
  proxy_send_local_response: status(8),
  proxy_http_call: status(10),
  proxy_grpc_call: status(12),
  proxy_grpc_stream: status(9),
  proxy_grpc_send: status(4),
  proxy_grpc_cancel: status(1),
  proxy_grpc_close: status(1),
  proxy_set_shared_data: status(5),
  proxy_get_shared_data: status(5),
  proxy_register_shared_queue: status(3),
  proxy_resolve_shared_queue: status(5),
  proxy_enqueue_shared_queue: status(3),
  proxy_dequeue_shared_queue: status(3),
  proxy_define_metric: status(4),
  proxy_record_metric: { params: ["i32", "i64"], results: ["i32"], versions: ALL },
  proxy_increment_metric: { params: ["i32", "i64"], results: ["i32"], versions: ALL },
  proxy_get_metric: status(2),
  proxy_get_property: status(4),
  proxy_set_property: status(4),
  proxy_call_foreign_function: status(6),
  proxy_get_configuration: status(2, V0_1),
  proxy_continue_request: status(0, V0_1),
  proxy_continue_response: status(0, V0_1),
  proxy_clear_route_cache: status(0, V0_1),
};

/** cpp-host registers the whole wasi_snapshot_preview1 set (most as stubs) under both module names. */
export const WASI_MODULES = ["wasi_snapshot_preview1", "wasi_unstable"] as const;
export const WASI_FUNCTIONS: ReadonlySet<string> = new Set([
  "args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_res_get", "clock_time_get",
  "fd_advise", "fd_allocate", "fd_close", "fd_datasync", "fd_fdstat_get", "fd_fdstat_set_flags",
  "fd_fdstat_set_rights", "fd_filestat_get", "fd_filestat_set_size", "fd_filestat_set_times", "fd_pread",
  "fd_prestat_get", "fd_prestat_dir_name", "fd_pwrite", "fd_read", "fd_readdir", "fd_renumber", "fd_seek",
  "fd_sync", "fd_tell", "fd_write", "path_create_directory", "path_filestat_get", "path_filestat_set_times",
  "path_link", "path_open", "path_readlink", "path_remove_directory", "path_rename", "path_symlink",
  "path_unlink_file", "poll_oneoff", "proc_exit", "proc_raise", "sched_yield", "random_get", "sock_accept",
  "sock_recv", "sock_send", "sock_shutdown",
]);
