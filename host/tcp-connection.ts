import { FilterStatus, PeerType } from "./abi.js";
import { toBytes, toText, type Bytes } from "./codec.js";
import type { Plugin } from "./plugin.js";

export interface TcpScenario {
  /** Chunks the client sends. */
  downstream?: Bytes[];
  /** Chunks the upstream answers. */
  upstream?: Bytes[];
}

export interface TcpResult {
  /** Bytes forwarded to the upstream. */
  upstream: string;
  /** Bytes forwarded to the client. */
  downstream: string;
  /** The filter closed the connection (`proxy_close_stream`). */
  closed: boolean;
  logs: { level: string; message: string }[];
}

/** Drives one connection the way Envoy's network filter calls a wasm filter. */
export async function runTcpConnection(plugin: Plugin, scenario: TcpScenario): Promise<TcpResult> {
  const host = plugin.vm.host;
  const logStart = host.logs.length;
  const ctx = plugin.newTcpContext();
  const closed = () => ctx.closed.length > 0;
  if (ctx.onNewConnection() === FilterStatus.Continue) {
    // Each side's end of stream comes as its own empty chunk, as Envoy reads a half-close that follows the
    // data (differential case tcp-fixture-chunks).
    const down = [...(scenario.downstream ?? []).map(toBytes), new Uint8Array(0)];
    for (let i = 0; i < down.length && !closed(); i++) ctx.onDownstreamData(down[i]!, i === down.length - 1);
    // Held client data waits for proxy_continue_stream(DOWNSTREAM), which a callout answer may trigger.
    while (ctx.isHolding("downstream") && !closed() && (await plugin.deliverCallouts()) > 0);
    const up = [...(scenario.upstream ?? []).map(toBytes), new Uint8Array(0)];
    for (let i = 0; i < up.length && !closed(); i++) ctx.onUpstreamData(up[i]!, i === up.length - 1);
    // Envoy's wasm filter reports the upstream's close when its end of stream passes through onWrite, not on
    // a connection event: a connection the filter closed first never gets it.
    if (!closed()) ctx.onUpstreamClose(PeerType.Unknown);
  }
  await plugin.deliverCallouts();
  // The client's connection is closed by Envoy itself (tcp_proxy after the upstream closed, or the filter):
  // a local close. Then onDone, onLog, onDelete (Context::onCloseTCP).
  ctx.onDownstreamClose(PeerType.Local);
  ctx.onDone();
  ctx.onLog();
  ctx.onDelete();
  const logs = host.logs.slice(logStart).map(({ level, message }) => ({ level, message }));
  return { upstream: toText(ctx.toUpstream), downstream: toText(ctx.toDownstream), closed: closed(), logs };
}
