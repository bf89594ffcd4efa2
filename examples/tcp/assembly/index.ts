// A network (TCP) filter: byte counters per direction, and connections opening with a blocked prefix closed.
import { Counter, FilterStatus, LogLevel, PeerType, RootContext, TcpContext, log, registerRootContext } from "as-proxy-wasm";
export * from "as-proxy-wasm/exports";

class TcpRoot extends RootContext {
  blockedPrefix: string = "";
  received: Counter | null = null;
  sent: Counter | null = null;

  onConfigure(configurationSize: usize): bool {
    const config = this.parseConfig();
    if (!config) return false; // malformed JSON: parseConfig logged what and where
    this.blockedPrefix = config.getString("blockedPrefix", "");
    if (!config.ok()) return false;
    this.received = new Counter("tcp_filter.bytes_received");
    this.sent = new Counter("tcp_filter.bytes_sent");
    return true;
  }

  createTcpContext(contextId: u32): Connection {
    return new Connection(contextId, this);
  }
}

class Connection extends TcpContext<TcpRoot> {
  bytesIn: u64 = 0;
  bytesOut: u64 = 0;
  /** The connection's first bytes were checked against the blocked prefix. */
  checked: bool = false;

  onDownstreamData(dataSize: usize, endOfStream: bool): FilterStatus {
    const root = this.root;
    const prefix = root.blockedPrefix;
    if (!this.checked && prefix.length > 0) {
      // TCP has no message boundaries: the prefix may arrive split over several reads. Held data stays in
      // Envoy's buffer and comes back, with what follows, in the next call.
      const start = this.downstreamData.getText();
      if (start.length < prefix.length && prefix.startsWith(start) && !endOfStream) return FilterStatus.StopIteration;
      this.checked = true;
      if (start.startsWith(prefix)) {
        log(LogLevel.Warn, "tcp: closing a connection that opened with the blocked prefix");
        this.closeDownstream();
        return FilterStatus.StopIteration;
      }
    }
    // What is passed on now is the whole buffer, held bytes included.
    this.bytesIn += dataSize;
    changetype<Counter>(root.received).increment(<i64>dataSize);
    return FilterStatus.Continue;
  }

  onUpstreamData(dataSize: usize, endOfStream: bool): FilterStatus {
    this.bytesOut += dataSize;
    changetype<Counter>(this.root.sent).increment(<i64>dataSize);
    return FilterStatus.Continue;
  }

  onDownstreamConnectionClose(peer: PeerType): void {
    log(LogLevel.Info, "tcp: connection closed, " + this.bytesIn.toString() + " bytes in, " + this.bytesOut.toString() + " bytes out");
  }
}

registerRootContext((contextId: u32): RootContext => new TcpRoot(contextId));
