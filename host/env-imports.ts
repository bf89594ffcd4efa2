// The host functions a module imports from `env`, as Envoy 1.40 answers them: one entry per function of
// the ABI (host/abi.ts lists them), which is why the file is long; the state they act on lives elsewhere.
import { BUFFER_TYPE_MAX, LOG_LEVEL_NAMES, MAP_TYPE_MAX, STREAM_TYPE_MAX, WasmResult, StreamType } from "./abi.js";
import { headersByteSize, lowercaseNames, serializeHeaders, toBytes, type HeaderList } from "./codec.js";
import { writeBuffer } from "./context.js";
import { faultsAs } from "./errors.js";
import type { Vm } from "./vm.js";

type HostFunction = (...args: never[]) => number;

/** The `env` host functions (all ABI versions; the VM picks those its version gets), after cpp-host's exports.cc. */
export function envImports(vm: Vm): Record<string, HostFunction> {
  const host = vm.host;
  const mem = () => vm.memory;
  const ctx = () => vm.context();
  const text = (ptr: number, size: number) => mem().readText(ptr, size);
  const u32 = (n: number) => n >>> 0;
  // As cpp-host: the map type is checked first, then the module's memory is read, then the map looked up.
  const badMapType = (type: number) => u32(type) > MAP_TYPE_MAX;
  const mutableMap = (type: number) => ctx().getMap(type, true);
  const editMap = (
    type: number,
    keyPtr: number,
    keySize: number,
    valuePtr: number,
    valueSize: number,
    edit: (map: HeaderList, key: string, value: string) => void,
  ) => {
    if (badMapType(type)) return WasmResult.BadArgument;
    const key = text(keyPtr, keySize).toLowerCase();
    const value = text(valuePtr, valueSize);
    const map = mutableMap(type);
    if (!map) return WasmResult.BadArgument;
    edit(map, key, value);
    return WasmResult.Ok;
  };

  const getHeaderMapValue = (type: number, keyPtr: number, keySize: number, retPtr: number, retSize: number): number => {
    if (badMapType(type)) return WasmResult.BadArgument;
    const key = text(keyPtr, keySize).toLowerCase();
    const context = ctx();
    const map = context.getMap(type, false);
    const legacy = vm.abiVersion === "0.1.0";
    if (!map) {
      if (!context.inLogPhase()) return WasmResult.BadArgument;
      if (!legacy) return WasmResult.NotFound;
    }
    const value = map?.find(([k]) => k === key)?.[1];
    if (value === undefined && !legacy) return WasmResult.NotFound;
    mem().copyOut(toBytes(value ?? ""), retPtr, retSize);
    return WasmResult.Ok;
  };

  const functions: Record<string, HostFunction> = {
    proxy_log: (level: number, ptr: number, size: number) => {
      const name = LOG_LEVEL_NAMES[level];
      if (!name) return WasmResult.BadArgument;
      host.log(name, text(ptr, size), vm.vmId, ctx().id);
      return WasmResult.Ok;
    },
    proxy_get_log_level: (retPtr: number) => {
      mem().writeU32(retPtr, LOG_LEVEL_NAMES.indexOf(host.logLevel));
      return WasmResult.Ok;
    },
    proxy_get_current_time_nanoseconds: (retPtr: number) => {
      mem().writeU64(retPtr, host.nowNanoseconds());
      return WasmResult.Ok;
    },
    proxy_set_tick_period_milliseconds: (period: number) => {
      ctx().plugin.setTickPeriod(u32(period));
      return WasmResult.Ok;
    },
    proxy_done: () => vm.done(ctx()),
    proxy_set_effective_context: (id: number) => vm.setEffectiveContext(u32(id)),
    proxy_call_foreign_function: (namePtr: number, nameSize: number, argsPtr: number, argsSize: number, retPtr: number, retSize: number) => {
      const f = host.foreignFunctions.get(text(namePtr, nameSize));
      const args = mem().read(argsPtr, argsSize);
      if (!f) return WasmResult.NotFound;
      const result = toBytes(f(args));
      if (u32(retPtr) !== 0) mem().writeU32(retPtr, mem().allocateAndWrite(result));
      if (u32(retSize) !== 0) mem().writeU32(retSize, result.length);
      return WasmResult.Ok;
    },
    proxy_get_property: (pathPtr: number, pathSize: number, retPtr: number, retSize: number) => {
      const value = vm.getProperty(ctx(), text(pathPtr, pathSize));
      if (value === undefined) return WasmResult.NotFound;
      mem().copyOut(value, retPtr, retSize);
      return WasmResult.Ok;
    },
    proxy_set_property: (pathPtr: number, pathSize: number, valuePtr: number, valueSize: number) => {
      const key = text(pathPtr, pathSize);
      ctx().filterState.set(key, mem().read(valuePtr, valueSize));
      return WasmResult.Ok;
    },
    proxy_get_status: (codePtr: number, msgPtr: number, msgSize: number) => {
      const { code, message } = ctx().plugin.status;
      mem().writeU32(codePtr, code);
      mem().copyOut(toBytes(message), msgPtr, msgSize);
      return WasmResult.Ok;
    },

    // Buffers
    proxy_get_buffer_bytes: (type: number, start: number, length: number, retPtr: number, retSize: number) => {
      if (u32(type) > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buffer = ctx().getBuffer(type);
      if (!buffer) return WasmResult.NotFound;
      const data = buffer.get();
      const from = u32(start);
      const count = from > data.length ? 0 : Math.min(u32(length), data.length - from);
      mem().copyOut(data.subarray(from, from + count), retPtr, retSize);
      return WasmResult.Ok;
    },
    proxy_get_buffer_status: (type: number, lengthPtr: number, flagsPtr: number) => {
      if (u32(type) > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buffer = ctx().getBuffer(type);
      if (!buffer) return WasmResult.NotFound;
      mem().writeU32(lengthPtr, buffer.get().length);
      mem().writeU32(flagsPtr, 0);
      return WasmResult.Ok;
    },
    proxy_set_buffer_bytes: (type: number, start: number, length: number, dataPtr: number, dataSize: number) => {
      if (u32(type) > BUFFER_TYPE_MAX) return WasmResult.BadArgument;
      const buffer = ctx().getBuffer(type);
      if (!buffer) return WasmResult.NotFound;
      return writeBuffer(buffer, u32(start), u32(length), mem().read(dataPtr, dataSize));
    },

    // Header maps
    proxy_get_header_map_size: (type: number, retPtr: number) => {
      if (badMapType(type)) return WasmResult.BadArgument;
      const map = mutableMap(type);
      if (!map) return WasmResult.BadArgument;
      mem().writeU32(retPtr, headersByteSize(map));
      return WasmResult.Ok;
    },
    proxy_get_header_map_pairs: (type: number, retPtr: number, retSize: number) => {
      if (badMapType(type)) return WasmResult.BadArgument;
      mem().copyOut(serializeHeaders(ctx().getMap(type, false) ?? []), retPtr, retSize);
      return WasmResult.Ok;
    },
    proxy_set_header_map_pairs: (type: number, ptr: number, size: number) => {
      if (badMapType(type)) return WasmResult.BadArgument;
      const pairs = lowercaseNames(mem().readHeaders(ptr, size));
      const map = mutableMap(type);
      if (!map) return WasmResult.BadArgument;
      map.splice(0);
      for (const [key, value] of pairs) insertHeader(map, key, value);
      return WasmResult.Ok;
    },
    proxy_get_header_map_value: getHeaderMapValue,
    proxy_add_header_map_value: (type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) =>
      editMap(type, keyPtr, keySize, valuePtr, valueSize, insertHeader),
    proxy_replace_header_map_value: (type: number, keyPtr: number, keySize: number, valuePtr: number, valueSize: number) =>
      // Envoy's setCopy (http_set_copy_replace_all_headers): every existing value goes, the new one is appended.
      editMap(type, keyPtr, keySize, valuePtr, valueSize, (map, key, value) => {
        removeAll(map, key);
        insertHeader(map, key, value);
      }),
    proxy_remove_header_map_value: (type: number, keyPtr: number, keySize: number) => editMap(type, keyPtr, keySize, 0, 0, (map, key) => removeAll(map, key)),

    // Stream control
    proxy_continue_stream: (type: number) => (u32(type) > STREAM_TYPE_MAX ? WasmResult.BadArgument : ctx().continueStream(type)),
    proxy_close_stream: (type: number) => (u32(type) > STREAM_TYPE_MAX ? WasmResult.BadArgument : ctx().closeStream(type)),
    proxy_continue_request: () => ctx().continueStream(StreamType.HttpRequest),
    proxy_continue_response: () => ctx().continueStream(StreamType.HttpResponse),
    proxy_clear_route_cache: () => WasmResult.Ok,
    proxy_send_local_response: (
      status: number,
      detailsPtr: number,
      detailsSize: number,
      bodyPtr: number,
      bodySize: number,
      headersPtr: number,
      headersSize: number,
      grpcStatus: number,
    ) => {
      const details = text(detailsPtr, detailsSize).replace(/\s/g, "_");
      const body = mem().read(bodyPtr, bodySize);
      const headers = lowercaseNames(mem().readHeaders(headersPtr, headersSize));
      ctx().sendLocalResponse({ status: u32(status), details, body, headers, grpcStatus: grpcStatus | 0 });
      return WasmResult.Ok;
    },
    proxy_get_configuration: (retPtr: number, retSize: number) => {
      mem().copyOut(vm.startingVm ? vm.vmConfig : ctx().plugin.configuration, retPtr, retSize);
      return WasmResult.Ok;
    },

    // HTTP callouts
    proxy_http_call: (
      uriPtr: number,
      uriSize: number,
      headersPtr: number,
      headersSize: number,
      bodyPtr: number,
      bodySize: number,
      trailersPtr: number,
      trailersSize: number,
      timeout: number,
      tokenPtr: number,
    ) => {
      const cluster = text(uriPtr, uriSize);
      const headers = mem().readHeaders(headersPtr, headersSize);
      const body = mem().read(bodyPtr, bodySize);
      const trailers = mem().readHeaders(trailersPtr, trailersSize);
      mem().writeU32(tokenPtr, 0);
      const { status, id } = vm.callouts.httpCall(ctx(), cluster, headers, body, trailers, timeout);
      mem().writeU32(tokenPtr, id);
      return status;
    },

    // gRPC
    proxy_grpc_call: (
      svcPtr: number,
      svcSize: number,
      namePtr: number,
      nameSize: number,
      methodPtr: number,
      methodSize: number,
      mdPtr: number,
      mdSize: number,
      msgPtr: number,
      msgSize: number,
      timeout: number,
      tokenPtr: number,
    ) => {
      const call = {
        cluster: text(svcPtr, svcSize),
        service: text(namePtr, nameSize),
        method: text(methodPtr, methodSize),
        initialMetadata: mem().readHeaders(mdPtr, mdSize),
        message: mem().read(msgPtr, msgSize),
        timeoutMs: u32(timeout),
        stream: false,
      };
      const { status, id } = vm.callouts.grpcCall(ctx(), call);
      if (status === WasmResult.Ok) mem().writeU32(tokenPtr, id);
      return status;
    },
    proxy_grpc_stream: (
      svcPtr: number,
      svcSize: number,
      namePtr: number,
      nameSize: number,
      methodPtr: number,
      methodSize: number,
      mdPtr: number,
      mdSize: number,
      tokenPtr: number,
    ) => {
      const call = {
        cluster: text(svcPtr, svcSize),
        service: text(namePtr, nameSize),
        method: text(methodPtr, methodSize),
        initialMetadata: mem().readHeaders(mdPtr, mdSize),
        message: new Uint8Array(0),
        timeoutMs: 0,
        stream: true,
      };
      const { status, id } = vm.callouts.grpcCall(ctx(), call);
      if (status === WasmResult.Ok) mem().writeU32(tokenPtr, id);
      return status;
    },
    proxy_grpc_send: (token: number, msgPtr: number, msgSize: number, endStream: number) => {
      const message = mem().read(msgPtr, msgSize);
      const call = vm.callouts.findGrpc(u32(token));
      if (!call || !call.stream) return WasmResult.NotFound;
      call.sent.push(message);
      if (endStream !== 0) call.closedByModule = true;
      return WasmResult.Ok;
    },
    proxy_grpc_cancel: (token: number) => {
      const call = vm.callouts.findGrpc(u32(token));
      if (!call) return WasmResult.NotFound;
      call.cancelled = true;
      vm.callouts.endGrpc(call.id);
      return WasmResult.Ok;
    },
    proxy_grpc_close: (token: number) => {
      const call = vm.callouts.findGrpc(u32(token));
      if (!call) return WasmResult.NotFound;
      // Closing a unary call cancels it; closing a stream half-closes the module's side.
      if (call.stream) call.closedByModule = true;
      else {
        call.cancelled = true;
        vm.callouts.endGrpc(call.id);
      }
      return WasmResult.Ok;
    },

    // Shared data and queues
    proxy_set_shared_data: (keyPtr: number, keySize: number, valuePtr: number, valueSize: number, cas: number) =>
      host.setSharedData(text(keyPtr, keySize), mem().read(valuePtr, valueSize), vm.vmId, u32(cas), vm),
    proxy_get_shared_data: (keyPtr: number, keySize: number, retPtr: number, retSize: number, casPtr: number) => {
      const entry = host.getSharedData(text(keyPtr, keySize), vm.vmId, vm);
      if (!entry) return WasmResult.NotFound;
      mem().copyOut(entry.value, retPtr, retSize);
      mem().writeU32(casPtr, entry.cas);
      return WasmResult.Ok;
    },
    proxy_register_shared_queue: (namePtr: number, nameSize: number, tokenPtr: number) => {
      const root = ctx().plugin;
      const id = host.registerQueue(vm.vmId, text(namePtr, nameSize), (queueId) => {
        if (!vm.failed && !root.deleted) vm.callback("proxy_on_queue_ready", root, [root.id, queueId]);
      });
      mem().writeU32(tokenPtr, id);
      return WasmResult.Ok;
    },
    proxy_resolve_shared_queue: (vmIdPtr: number, vmIdSize: number, namePtr: number, nameSize: number, tokenPtr: number) => {
      const id = host.resolveQueue(text(vmIdPtr, vmIdSize), text(namePtr, nameSize));
      if (id === undefined) return WasmResult.NotFound;
      mem().writeU32(tokenPtr, id);
      return WasmResult.Ok;
    },
    proxy_enqueue_shared_queue: (token: number, ptr: number, size: number) => host.enqueueById(u32(token), mem().read(ptr, size)),
    proxy_dequeue_shared_queue: (token: number, retPtr: number, retSize: number) => {
      const item = host.dequeueById(u32(token));
      if (typeof item === "number") return item;
      mem().copyOut(item, retPtr, retSize);
      return WasmResult.Ok;
    },

    // Metrics
    proxy_define_metric: (type: number, namePtr: number, nameSize: number, idPtr: number) => {
      const id = host.defineMetric(u32(type), text(namePtr, nameSize));
      if (id === undefined) return WasmResult.BadArgument;
      mem().writeU32(idPtr, id);
      return WasmResult.Ok;
    },
    proxy_record_metric: (id: number, value: bigint) => host.recordMetric(u32(id), BigInt.asUintN(64, value)),
    proxy_increment_metric: (id: number, delta: bigint) => host.incrementMetric(u32(id), delta),
    proxy_get_metric: (id: number, retPtr: number) => {
      const value = host.getMetricById(u32(id));
      if (typeof value === "number") return value;
      mem().writeU64(retPtr, value);
      return WasmResult.Ok;
    },
  };
  // A bad pointer from the module becomes INVALID_MEMORY_ACCESS, as in cpp-host.
  return Object.fromEntries(Object.entries(functions).map(([name, f]) => [name, faultsAs(WasmResult.InvalidMemoryAccess, f)]));
}

/**
 * Appends a header as Envoy's header map does: pseudo-headers (`:path`, …) stay ahead of the others, so a
 * new or replaced one goes after the last pseudo-header (differential case probe-headers-pseudo).
 */
function insertHeader(map: HeaderList, key: string, value: string): void {
  const firstRegular = key.startsWith(":") ? map.findIndex(([k]) => !k.startsWith(":")) : -1;
  if (firstRegular < 0) map.push([key, value]);
  else map.splice(firstRegular, 0, [key, value]);
}

function removeAll(map: HeaderList, key: string): void {
  for (let i = map.length - 1; i >= 0; i--) if (map[i]![0] === key) map.splice(i, 1);
}
