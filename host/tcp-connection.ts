import { Action, PeerType, StreamType } from "./abi.js";
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
  if (ctx.onNewConnection() === Action.Continue) {
    const down = (scenario.downstream ?? []).map(toBytes);
    for (let i = 0; i < down.length && !closed(); i++) ctx.onDownstreamData(down[i]!, i === down.length - 1);
    // Held client data waits for proxy_continue_stream(DOWNSTREAM), which a callout answer may trigger.
    while (ctx.isHolding("downstream") && !closed() && (await plugin.deliverCallouts()) > 0);
    const up = (scenario.upstream ?? []).map(toBytes);
    for (let i = 0; i < up.length && !closed(); i++) ctx.onUpstreamData(up[i]!, i === up.length - 1);
  }
  await plugin.deliverCallouts();
  // Envoy: upstream end of stream, then the client's close; then onDone, onLog, onDelete (Context::onCloseTCP).
  ctx.onUpstreamClose(PeerType.Unknown);
  ctx.onDownstreamClose(closed() && ctx.closed.includes(StreamType.Downstream) ? PeerType.Local : PeerType.Remote);
  ctx.onDone();
  ctx.onLog();
  ctx.onDelete();
  const logs = host.logs.slice(logStart).map(({ level, message }) => ({ level, message }));
  return { upstream: toText(ctx.toUpstream), downstream: toText(ctx.toDownstream), closed: closed(), logs };
}
