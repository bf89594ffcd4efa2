// Typed views of the host's header maps and data buffers. Each view is just a map/buffer type number: the
// data stays in the host and every method is one host call, so reading one header never copies the map.
import * as host from "./hostcalls";
import { BufferType, MapType } from "./types";
import { Header } from "./internal/headers";

/** A header map of the host (request/response headers or trailers, callout and gRPC metadata). */
@final export class HeaderMap {
  constructor(public readonly type: MapType) {}

  /** The value of header `name` (UTF-8), or null when absent. With duplicates the host picks (Envoy: the first); `getAll()` has them all. */
  get(name: string): string | null {
    return host.getHeaderMapValue(this.type, name);
  }

  /** The raw bytes of header `name`, or null when absent. */
  getBytes(name: string): ArrayBuffer | null {
    return host.getHeaderMapValueBytes(this.type, name);
  }

  /** Whether header `name` is present. */
  has(name: string): bool {
    return host.getHeaderMapValueBytes(this.type, name) != null;
  }

  /** Adds a header (keeps existing ones of the same name). */
  add(name: string, value: string): void {
    host.addHeaderMapValue(this.type, name, value);
  }

  /** Sets a header, replacing all existing ones of that name. */
  replace(name: string, value: string): void {
    host.replaceHeaderMapValue(this.type, name, value);
  }

  /** Removes all headers of that name. */
  remove(name: string): void {
    host.removeHeaderMapValue(this.type, name);
  }

  /** Every header in order, duplicates kept. */
  getAll(): Header[] {
    return host.getHeaderMapPairs(this.type);
  }

  /** Replaces the whole map. */
  setAll(headers: Header[]): void {
    host.setHeaderMapPairs(this.type, headers);
  }
}

// A replacement from 0 drains up to this many bytes first: all of them, without asking the buffer's size
// (one host call fewer; the Go SDK passes the same), since hosts drain what there is.
const WHOLE: usize = <usize>i32.MAX_VALUE;

/** A data buffer of the host: an HTTP body, TCP data, a callout or gRPC message, configuration. */
@final export class DataBuffer {
  constructor(public readonly type: BufferType) {}

  /** Bytes from `start` (at most `maxSize`), or null when this buffer is not available in the current callback. */
  get(start: usize = 0, maxSize: usize = <usize>u32.MAX_VALUE): ArrayBuffer | null {
    return host.getBufferBytes(this.type, start, maxSize);
  }

  /** The whole buffer decoded as UTF-8 ("" when unavailable). */
  getText(): string {
    const bytes = host.getBufferBytes(this.type, 0, <usize>u32.MAX_VALUE);
    return bytes ? String.UTF8.decode(bytes) : "";
  }

  /** The current size in bytes, or -1 when unavailable. */
  size(): i64 {
    return host.getBufferSize(this.type);
  }

  /** Replaces the whole content with `data`; false when unavailable. */
  set(data: ArrayBuffer): bool {
    return host.setBufferBytes(this.type, 0, WHOLE, data);
  }

  /** Replaces the whole content with the UTF-8 of `text`; false when unavailable. */
  setText(text: string): bool {
    return host.setBufferText(this.type, 0, WHOLE, text);
  }

  /** Appends `data`; false when unavailable. */
  append(data: ArrayBuffer): bool {
    return host.setBufferBytes(this.type, <usize>u32.MAX_VALUE, 0, data);
  }

  /** Inserts `data` at the front; false when unavailable. */
  prepend(data: ArrayBuffer): bool {
    return host.setBufferBytes(this.type, 0, 0, data);
  }
}

// One view per map and buffer, created on first use (@lazy), so a filter pays only for those it touches.
// @ts-ignore: decorator
@lazy export const requestHeaders = new HeaderMap(MapType.HttpRequestHeaders);
// @ts-ignore: decorator
@lazy export const requestTrailers = new HeaderMap(MapType.HttpRequestTrailers);
// @ts-ignore: decorator
@lazy export const responseHeaders = new HeaderMap(MapType.HttpResponseHeaders);
// @ts-ignore: decorator
@lazy export const responseTrailers = new HeaderMap(MapType.HttpResponseTrailers);
// @ts-ignore: decorator
@lazy export const grpcInitialMetadata = new HeaderMap(MapType.GrpcReceiveInitialMetadata);
// @ts-ignore: decorator
@lazy export const grpcTrailingMetadata = new HeaderMap(MapType.GrpcReceiveTrailingMetadata);
// @ts-ignore: decorator
@lazy export const httpCallResponseHeaders = new HeaderMap(MapType.HttpCallResponseHeaders);
// @ts-ignore: decorator
@lazy export const httpCallResponseTrailers = new HeaderMap(MapType.HttpCallResponseTrailers);

// @ts-ignore: decorator
@lazy export const requestBody = new DataBuffer(BufferType.HttpRequestBody);
// @ts-ignore: decorator
@lazy export const responseBody = new DataBuffer(BufferType.HttpResponseBody);
// @ts-ignore: decorator
@lazy export const downstreamData = new DataBuffer(BufferType.DownstreamData);
// @ts-ignore: decorator
@lazy export const upstreamData = new DataBuffer(BufferType.UpstreamData);
// @ts-ignore: decorator
@lazy export const httpCallResponseBody = new DataBuffer(BufferType.HttpCallResponseBody);
// @ts-ignore: decorator
@lazy export const grpcMessage = new DataBuffer(BufferType.GrpcReceiveBuffer);
// @ts-ignore: decorator
@lazy export const vmConfiguration = new DataBuffer(BufferType.VmConfiguration);
// @ts-ignore: decorator
@lazy export const pluginConfiguration = new DataBuffer(BufferType.PluginConfiguration);
// @ts-ignore: decorator
@lazy export const foreignFunctionArguments = new DataBuffer(BufferType.CallData);
