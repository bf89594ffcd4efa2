/** The Proxy-Wasm host emulator: `import { Host } from "as-proxy-wasm/host"`. See host/README.md. */
export { Host, type HostOptions, type LogEntry, type MetricValue, type ForeignFunction } from "./host.js";
export { Vm, type VmOptions } from "./vm.js";
export { Plugin, type PluginOptions } from "./plugin.js";
export { HttpContext } from "./http-context.js";
export { TcpContext } from "./tcp-context.js";
export type { LocalResponse } from "./context.js";
export type { HttpScenario, HttpStreamOptions, HttpStreamResult, HttpMessage, LocalResponseResult } from "./http-stream.js";
export type { TcpScenario, TcpResult } from "./tcp-connection.js";
export {
  CalloutRequest,
  GrpcCall,
  type CalloutAnswer,
  type CalloutFailure,
  type CalloutHandler,
  type HttpAnswer,
  type GrpcAnswer,
  type GrpcHandler,
} from "./callouts.js";
export { HostError, WasmTrapError } from "./errors.js";
export { serializeHeaders, parseHeaders, type HeaderList, type Bytes } from "./codec.js";
export type { PropertyValue } from "./properties.js";
export { checkModule, type ModuleCheck, type ModuleInterface } from "./module-check.js";
export { readWasmInterface, type WasmInterface, type WasmImport, type WasmExport } from "./wasm-binary.js";
export * from "./abi.js";
export { checkLeaks, pluginServer, tcpServer, type LeakCheckOptions, type LeakReport, type StreamServer } from "./leak.js";
export { ConcurrentHost, Workers, type WorkersOptions } from "./workers.js";
