import { createConnection, createServer, type AddressInfo, type Socket } from "node:net";
import type { TcpResult } from "../../host/index.js";
import { upstreamClusterName } from "../manifests/envoy-bootstrap.js";
import type { EnvoyProcess } from "./process.js";
import { withEnvoy, type EnvoyRunOptions } from "./run-http.js";

export interface TcpRunInput {
  /** Chunks the client sends, then it half-closes. */
  downstream: string[];
  /** Chunks the upstream answers once the client's data has arrived, then it closes. */
  upstream: string[];
}

/**
 * One TCP connection through a network filter in a real Envoy: the client sends the scenario's downstream
 * chunks and half-closes, a loopback upstream answers its chunks and closes. The result has the emulator's
 * shape; `closed` is whether the filter called `proxy_close_stream`, read from Envoy's trace of host calls.
 */
export async function envoyTcpConnection(options: EnvoyRunOptions, scenario: TcpRunInput): Promise<TcpResult> {
  const atUpstream = new Receiver();
  const atClient = new Receiver();
  let readFromUpstream: EnvoyRead = async () => undefined;
  // Half-open allowed: Node would otherwise end the socket as soon as Envoy half-closes it, sending its FIN
  // right behind the answer's first chunk, which a loaded Envoy then reads together with that chunk.
  const upstream = createServer({ allowHalfOpen: true }, (socket) => {
    socket.on("data", (chunk) => atUpstream.push(chunk));
    socket.on("error", () => undefined);
    socket.on("end", () => void sendChunks(socket, scenario.upstream, readFromUpstream, atClient).catch(() => socket.destroy()));
  });
  await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
  try {
    const upstreamPort = (upstream.address() as AddressInfo).port;
    return await withEnvoy(options, { type: "NETWORK", upstreamPort, calloutClusters: {} }, async (envoy) => {
      const from = envoy.lines.length;
      readFromUpstream = envoyRead(envoy, `cluster.${upstreamClusterName}.upstream_cx_rx_bytes_total`);
      const readFromClient = envoyRead(envoy, "tcp.ingress_tcp.downstream_cx_rx_bytes_total");
      await tcpClient(envoy.listenerPort("listener_tcp"), scenario.downstream, readFromClient, atClient, atUpstream, options.timeoutMs ?? 30_000);
      await envoy.untilZero("^listener\\.127\\.0\\.0\\.1_\\d+\\.downstream_cx_active$");
      return {
        upstream: Buffer.concat(atUpstream.chunks).toString("utf8"),
        downstream: Buffer.concat(atClient.chunks).toString("utf8"),
        closed: envoy.lines.slice(from).some((l) => l.logger === "wasm" && l.message.includes("env.proxy_close_stream(")),
        logs: envoy.wasmLogs(from),
      };
    });
  } finally {
    await new Promise((resolve) => upstream.close(resolve));
  }
}

/**
 * Each chunk goes out only once Envoy has read the previous one (its byte counter for that side says so) and
 * the previous one came through Envoy to the other side (or, when the filter holds data, after this long), and
 * each side half-closes only after that too: so Envoy reads every chunk, and each end of stream, on its own,
 * as the emulator delivers them, however slow the machine (a timer alone let a loaded Envoy read the
 * upstream's last chunk and its close together).
 */
const holdMs = 500;
const readTimeoutMs = 10_000;

/** Resolves once Envoy has read `total` bytes from one side of the connection. */
type EnvoyRead = (total: number, socket: Socket) => Promise<void>;

function envoyRead(envoy: EnvoyProcess, counter: string): EnvoyRead {
  return (total, socket) => envoy.untilAtLeast(counter, total, readTimeoutMs, () => socket.destroyed);
}

/** Bytes a side has received so far, and a way to wait until more arrive. */
class Receiver {
  readonly chunks: Buffer[] = [];
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when bytes arrive past `size`, or after `holdMs`. */
  async progress(size: number): Promise<void> {
    if (this.size > size) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, holdMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Writes the chunks one by one, each after Envoy read the previous one and the other side saw it, then half-closes. */
async function sendChunks(socket: Socket, chunks: string[], readByEnvoy: EnvoyRead, otherSide: Receiver): Promise<void> {
  let sent = 0;
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    const before = otherSide.size;
    socket.write(chunk);
    sent += Buffer.byteLength(chunk);
    await readByEnvoy(sent, socket);
    await otherSide.progress(before);
  }
  if (!socket.destroyed) socket.end();
}

/** Connects, sends the chunks, and resolves once the connection closed (or after `timeoutMs`). */
function tcpClient(port: number, chunks: string[], readByEnvoy: EnvoyRead, received: Receiver, atUpstream: Receiver, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const socket: Socket = createConnection(
      { port, host: "127.0.0.1" },
      () => void sendChunks(socket, chunks, readByEnvoy, atUpstream).catch(() => socket.destroy()),
    );
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
