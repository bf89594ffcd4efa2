// Guest-only cost: the same callbacks as a host stream, called straight on the module with imports that do
// the least a host can (no header maps, no logs, no rules), so what is timed is the module's own work: the
// SDK's dispatch, allocation and encoding against the raw module's.
import { readWasmInterface } from "../host/index.js";
import type { BenchModule } from "./modules.js";
import type { Batch } from "./measure.js";
import { WORKLOADS, type Workload } from "./workloads.js";

type Export = (...args: number[]) => number;

const OK = 0;
const NOT_FOUND = 1;
const REQUEST_HEADERS = 0;
const RESPONSE_BODY = 1;
const PLUGIN_CONFIGURATION = 7;
const ROOT_ID = 1;

/** The least a host can answer; counts what the filter did so the work can be checked. */
class MinimalImports {
  memory!: WebAssembly.Memory;
  allocate!: (size: number) => number;
  headerAdds = 0;
  bodyWrites = 0;
  // Every answer is encoded once, up front.
  private readonly userAgent: Uint8Array;
  private readonly body: Uint8Array | undefined;
  private readonly configuration: Uint8Array | undefined;
  private readonly rootId: Uint8Array | undefined;
  private dataView: DataView | undefined;

  constructor(
    workload: Workload,
    private readonly module: BenchModule,
  ) {
    const encode = (text: string | undefined) => (text ? new TextEncoder().encode(text) : undefined);
    this.userAgent = encode(workload.requestHeaders.find(([name]) => name === "user-agent")?.[1]) ?? new Uint8Array();
    this.body = encode(workload.responseBody);
    this.configuration = encode(module.plugin.configuration);
    this.rootId = encode(module.plugin.rootId);
  }

  /** The import object: a real answer for each call whose result a filter reads, 0 (Ok) for the rest. */
  imports(): WebAssembly.Imports {
    const answers: Record<string, (...args: number[]) => number> = {
      proxy_add_header_map_value: () => (this.headerAdds++, OK),
      proxy_set_buffer_bytes: () => (this.bodyWrites++, OK),
      proxy_get_header_map_value: (map, _keyPtr, _keySize, ptrPtr, sizePtr) =>
        map === REQUEST_HEADERS ? this.answer(this.userAgent, ptrPtr!, sizePtr!) : NOT_FOUND,
      proxy_get_buffer_status: (type, sizePtr, flagsPtr) => {
        const bytes = this.buffer(type!);
        if (!bytes) return NOT_FOUND;
        this.view().setUint32(sizePtr!, bytes.length, true);
        this.view().setUint32(flagsPtr!, 0, true);
        return OK;
      },
      proxy_get_buffer_bytes: (type, _start, _length, ptrPtr, sizePtr) => {
        const bytes = this.buffer(type!);
        return bytes ? this.answer(bytes, ptrPtr!, sizePtr!) : NOT_FOUND;
      },
      // proxy-runtime picks its root context by this property (asked once, when the root context is created).
      proxy_get_property: (pathPtr, pathSize, ptrPtr, sizePtr) => {
        const path = new TextDecoder().decode(new Uint8Array(this.memory.buffer, pathPtr, pathSize));
        return path === "plugin_root_id" && this.rootId ? this.answer(this.rootId, ptrPtr!, sizePtr!) : NOT_FOUND;
      },
      proc_exit: (code) => {
        throw new Error(`${this.module.name} exited with code ${code}`);
      },
    };
    const imports: Record<string, Record<string, (...args: number[]) => number | bigint>> = {};
    for (const imp of readWasmInterface(this.module.wasm).imports) {
      if (imp.kind !== "function") continue;
      const fallback = imp.type?.results[0] === "i64" ? () => 0n : () => OK;
      (imports[imp.module] ??= {})[imp.name] = answers[imp.name] ?? fallback;
    }
    return imports;
  }

  private buffer(type: number): Uint8Array | undefined {
    return type === RESPONSE_BODY ? this.body : type === PLUGIN_CONFIGURATION ? this.configuration : undefined;
  }

  /** Hands `bytes` to the module the way a host does: memory from its allocator, pointer and size written back. */
  private answer(bytes: Uint8Array, ptrPtr: number, sizePtr: number): number {
    const ptr = this.allocate(bytes.length);
    new Uint8Array(this.memory.buffer, ptr, bytes.length).set(bytes);
    const view = this.view();
    view.setUint32(ptrPtr, ptr, true);
    view.setUint32(sizePtr, bytes.length, true);
    return OK;
  }

  /** A view of the module's memory, made again only after the memory grew (which replaces its buffer). */
  private view(): DataView {
    if (this.dataView?.buffer !== this.memory.buffer) this.dataView = new DataView(this.memory.buffer);
    return this.dataView;
  }
}

/** Instantiates `module` with minimal imports, starts its plugin, checks one request's work, returns a batch. */
export async function guestBatch(module: BenchModule): Promise<Batch> {
  const workload = WORKLOADS[module.group];
  const host = new MinimalImports(workload, module);
  const {
    instance: { exports },
  } = await WebAssembly.instantiate(module.wasm as Uint8Array<ArrayBuffer>, host.imports());
  host.memory = exports.memory as WebAssembly.Memory;
  host.allocate = (exports.malloc ?? exports.proxy_on_memory_allocate) as Export;
  // Looked up once: a callback the module does not export costs nothing, as in a host.
  const callback = (name: string): Export => (exports[name] as Export | undefined) ?? (() => 0);
  const call = (name: string, ...args: number[]) => callback(name)(...args);

  if (exports._initialize) call("_initialize");
  else call("_start");
  call("proxy_on_context_create", ROOT_ID, 0);
  const configurationSize = module.plugin.configuration ? new TextEncoder().encode(module.plugin.configuration).length : 0;
  if (call("proxy_on_vm_start", ROOT_ID, 0) === 0 || call("proxy_on_configure", ROOT_ID, configurationSize) === 0) {
    throw new Error(`${module.name} refused to start`);
  }

  const bodySize = workload.responseBody === undefined ? 0 : new TextEncoder().encode(workload.responseBody).length;
  const [create, requestHeaders, responseHeaders, responseBody, log, done, destroy] = [
    "proxy_on_context_create",
    "proxy_on_request_headers",
    "proxy_on_response_headers",
    "proxy_on_response_body",
    "proxy_on_log",
    "proxy_on_done",
    "proxy_on_delete",
  ].map(callback) as Export[];
  let nextId = ROOT_ID + 1;
  const request = () => {
    const id = nextId++;
    create(id, ROOT_ID);
    requestHeaders(id, workload.requestHeaders.length, 0);
    responseHeaders(id, workload.responseHeaders.length, bodySize ? 0 : 1);
    if (bodySize) responseBody(id, bodySize, 1);
    log(id);
    done(id);
    destroy(id);
  };

  request();
  const expectedAdds = workload.addsToRequest + workload.addsToResponse;
  if (host.headerAdds !== expectedAdds || host.bodyWrites !== (workload.rewritesBody ? 1 : 0)) {
    throw new Error(`${module.name} (${module.group}) did not do the benchmark's work: ${host.headerAdds} header adds, ${host.bodyWrites} body writes`);
  }
  return (iterations) => {
    for (let i = 0; i < iterations; i++) request();
  };
}
