import { createConnection, createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { TcpResult } from "../../host/index.js";
import type { EnvoyProcess } from "./process.js";
import { withEnvoy, type EnvoyRunOptions } from "./run-http.js";

export interface TcpRunInput {
  /** Chunks the client sends, then it half-closes. */
  downstream: string[];
  /** Chunks the upstream answers once the client's data has arrived, then it closes. */
  upstream: string[];
}

/** Gap between chunks, so Envoy reads them as separate chunks as the emulator delivers them (best effort). */
const chunkGapMs = 50;

/**
 * One TCP connection through a network filter in a real Envoy: the client sends the scenario's downstream
 * chunks and half-closes, a loopback upstream answers its chunks and closes. The result has the emulator's
 * shape; `closed` is whether the filter called `proxy_close_stream`, read from Envoy's trace of host calls.
 */
export async function envoyTcpConnection(options: EnvoyRunOptions, scenario: TcpRunInput): Promise<TcpResult> {
  const upstream = await startTcpUpstream(scenario.upstream);
  try {
    return await withEnvoy(options, { type: "NETWORK", upstreamPort: upstream.port, calloutClusters: {} }, async (envoy) => {
      const from = envoy.lines.length;
      const received = await tcpClient(envoy.listenerPort("listener_tcp"), scenario.downstream, options.timeoutMs ?? 30_000);
      await connectionsClosed(envoy);
      return {
        upstream: Buffer.concat(upstream.received).toString("utf8"),
        downstream: received.toString("utf8"),
        closed: envoy.lines.slice(from).some((l) => l.logger === "wasm" && l.message.includes("env.proxy_close_stream(")),
        logs: envoy.wasmLogs(from),
      };
    });
  } finally {
    await new Promise((resolve) => upstream.server.close(resolve));
  }
}

function startTcpUpstream(answer: string[]): Promise<{ server: Server; port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  const server = createServer((socket) => {
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("error", () => undefined);
    socket.on("end", async () => {
      for (const chunk of answer) {
        if (socket.destroyed) return;
        socket.write(chunk);
        await sleep(chunkGapMs);
      }
      socket.end();
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, received })));
}

function tcpClient(port: number, chunks: string[], timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket: Socket = createConnection({ port, host: "127.0.0.1" }, async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) break;
        socket.write(chunk);
        await sleep(chunkGapMs);
      }
      if (!socket.destroyed) socket.end();
    });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(received));
    });
  });
}

async function connectionsClosed(envoy: EnvoyProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const stats = await envoy.stats("^listener\\.127\\.0\\.0\\.1_\\d+\\.downstream_cx_active$");
    if ([...stats.values()].every((v) => v === "0")) return;
    await sleep(10);
  }
}
