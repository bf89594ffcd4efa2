import { BufferType, FilterStatus, PeerType, WasmResult, StreamType, type CallbackName } from "./abi.js";
import { concatBytes, toBytes, type Bytes } from "./codec.js";
import { StreamContext, heldBuffer, type BufferAccess } from "./context.js";

const EMPTY = new Uint8Array(0);
type Side = "downstream" | "upstream";

/**
 * One TCP connection through a network filter. Like Envoy, data a callback stops on stays in the
 * connection's buffer and the next callback sees it again with the new bytes appended.
 */
export class TcpContext extends StreamContext {
  /** Data held by the filter (read buffer from the client / write buffer from the upstream). */
  downstreamData: Uint8Array = EMPTY;
  upstreamData: Uint8Array = EMPTY;
  /** Bytes passed on: client → upstream, and upstream → client. */
  toUpstream: Uint8Array = EMPTY;
  toDownstream: Uint8Array = EMPTY;
  readonly continued: StreamType[] = [];
  readonly closed: StreamType[] = [];
  private readonly access = { downstream: false, upstream: false };

  onNewConnection(): number {
    return this.vm.callback("proxy_on_new_connection", this, [this.id]) ?? FilterStatus.Continue;
  }

  onDownstreamData(chunk: Bytes, endOfStream: boolean): number {
    return this.dataCallback("downstream", "proxy_on_downstream_data", toBytes(chunk), endOfStream);
  }

  onUpstreamData(chunk: Bytes, endOfStream: boolean): number {
    return this.dataCallback("upstream", "proxy_on_upstream_data", toBytes(chunk), endOfStream);
  }

  onDownstreamClose(peer: PeerType = PeerType.Remote): void {
    this.vm.callback("proxy_on_downstream_connection_close", this, [this.id, peer]);
  }

  onUpstreamClose(peer: PeerType = PeerType.Unknown): void {
    this.vm.callback("proxy_on_upstream_connection_close", this, [this.id, peer]);
  }

  onLog(): void {
    this.vm.callback("proxy_on_log", this, [this.id]);
  }

  isHolding(side: Side): boolean {
    return this.access[side];
  }

  private dataCallback(side: Side, name: CallbackName, chunk: Uint8Array, endOfStream: boolean): number {
    const data = concatBytes(side === "downstream" ? this.downstreamData : this.upstreamData, chunk);
    this.setData(side, data);
    this.access[side] = true;
    const action = this.vm.callback(name, this, [this.id, data.length, endOfStream ? 1 : 0]) ?? FilterStatus.Continue;
    if (action === FilterStatus.Continue) this.forward(side);
    return action;
  }

  private setData(side: Side, data: Uint8Array): void {
    if (side === "downstream") this.downstreamData = data;
    else this.upstreamData = data;
  }

  private forward(side: Side): void {
    if (side === "downstream") {
      this.toUpstream = concatBytes(this.toUpstream, this.downstreamData);
      this.downstreamData = EMPTY;
    } else {
      this.toDownstream = concatBytes(this.toDownstream, this.upstreamData);
      this.upstreamData = EMPTY;
    }
    this.access[side] = false;
  }

  override getBuffer(type: BufferType): BufferAccess | null {
    if (type === BufferType.DownstreamData)
      return heldBuffer(
        this.access.downstream,
        () => this.downstreamData,
        (b) => void (this.downstreamData = b),
      );
    if (type === BufferType.UpstreamData)
      return heldBuffer(
        this.access.upstream,
        () => this.upstreamData,
        (b) => void (this.upstreamData = b),
      );
    return super.getBuffer(type);
  }

  override continueStream(type: StreamType): WasmResult {
    if (type === StreamType.Downstream) {
      this.continued.push(type);
      if (this.access.downstream) this.forward("downstream");
      return WasmResult.Ok;
    }
    return super.continueStream(type);
  }

  override closeStream(type: StreamType): WasmResult {
    if (type === StreamType.Downstream || type === StreamType.Upstream) this.closed.push(type);
    return WasmResult.Ok;
  }
}
