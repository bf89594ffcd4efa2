/**
 * Loopback servers and a client for the real-Envoy suites: an HTTP upstream (or callout service) that
 * records every request it received and answers as the test says, a TCP upstream that records the bytes
 * and the close it saw, and small HTTP/TCP clients that report exactly what came back.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { connect, createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A request as the upstream saw it: header names lowercase, in order, duplicates kept. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: [string, string][];
  body: string;
}

/** What the server answers with; `chunks` are written one by one with a pause between them. */
export interface Answer {
  status?: number;
  headers?: [string, string][];
  body?: string;
  chunks?: string[];
  /** Never answer (the connection stays open until the server closes). */
  hang?: boolean;
}

export interface HttpUpstream {
  port: number;
  requests: ReceivedRequest[];
  /** The answer for each request (default: 200, text/plain, "hi"). */
  answer: (request: ReceivedRequest) => Answer;
  close(): Promise<void>;
}

/** The value of header `name` in a [name, value] list, or undefined (the first when repeated). */
export function header(headers: [string, string][], name: string): string | undefined {
  return headers.find(([n]) => n === name)?.[1];
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), raw[i + 1]!]);
  return out;
}

async function readBody(stream: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function listen(server: Server | TcpServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** A node:http server on 127.0.0.1, port 0, recording every request before answering it. */
export async function startHttpUpstream(answer: HttpUpstream["answer"] = () => ({})): Promise<HttpUpstream> {
  const sockets = new Set<Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const received: ReceivedRequest = { method: req.method ?? "", path: req.url ?? "", headers: pairs(req.rawHeaders), body: await readBody(req) };
    upstream.requests.push(received);
    const reply = upstream.answer(received);
    if (reply.hang) return;
    const headers = reply.headers ?? [["content-type", "text/plain"]];
    res.writeHead(reply.status ?? 200, headers.flat());
    if (reply.chunks) {
      for (const chunk of reply.chunks) {
        res.write(chunk);
        await sleep(20);
      }
      res.end();
    } else {
      res.end(reply.body ?? (reply.status === undefined || reply.status === 200 ? "hi" : ""));
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const upstream: HttpUpstream = {
    port: await listen(server),
    requests: [],
    answer,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

/** A port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ClientResponse {
  status: number;
  headers: [string, string][];
  body: string;
}

/** One HTTP/1.1 request on a new connection (no keep-alive pool left behind). */
export function send(port: number, options: { method?: string; path?: string; headers?: [string, string][]; body?: string } = {}): Promise<ClientResponse> {
  // Raw header pairs (kept in order, empty values allowed) make node add no Host of its own.
  const headers = options.headers ?? [];
  const raw = headers.some(([n]) => n.toLowerCase() === "host") ? headers : [["host", "example.com"], ...headers];
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path ?? "/", headers: raw.flat(), agent: false },
      (res) => {
        readBody(res).then((body) => resolve({ status: res.statusCode ?? 0, headers: pairs(res.rawHeaders), body }), reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** One TCP connection the upstream accepted: the bytes it got, whether the peer closed it. */
export interface TcpPeer {
  received: string;
  closed: boolean;
  socket: Socket;
}

export interface TcpUpstream {
  port: number;
  connections: TcpPeer[];
  close(): Promise<void>;
}

/** A node:net server on 127.0.0.1, port 0: records what each connection sends; `reply` answers each chunk. */
export async function startTcpUpstream(reply: (data: string) => string | undefined = () => undefined): Promise<TcpUpstream> {
  const server = createTcpServer((socket) => {
    const peer: TcpPeer = { received: "", closed: false, socket };
    upstream.connections.push(peer);
    socket.on("data", (data) => {
      peer.received += data.toString("utf8");
      const answer = reply(data.toString("utf8"));
      if (answer !== undefined) socket.write(answer);
    });
    socket.on("end", () => socket.end());
    socket.on("close", () => (peer.closed = true));
    socket.on("error", () => undefined);
  });
  const upstream: TcpUpstream = {
    port: await listen(server),
    connections: [],
    close: async () => {
      for (const { socket } of upstream.connections) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return upstream;
}

/** A TCP client: what it received and how the connection ended. */
export interface TcpClient {
  socket: Socket;
  received(): string;
  /** Resolves when the connection is closed (by either side), with whether the peer ended it first. */
  closed: Promise<{ byPeer: boolean; error?: string }>;
  /** Resolves once at least `text` (as a prefix of everything received) has arrived. */
  waitFor(text: string, timeoutMs?: number): Promise<boolean>;
}

export async function tcpConnect(port: number): Promise<TcpClient> {
  const socket = connect(port, "127.0.0.1");
  let received = "";
  let ended = false;
  socket.on("data", (data) => (received += data.toString("utf8")));
  socket.on("end", () => {
    ended = true;
    socket.end();
  });
  const closed = new Promise<{ byPeer: boolean; error?: string }>((resolve) => {
    let error: string | undefined;
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on("close", () => resolve({ byPeer: ended || error !== undefined, error }));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return {
    socket,
    received: () => received,
    closed,
    waitFor: async (text, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      while (!received.startsWith(text) || received.length < text.length) {
        if (Date.now() > deadline || socket.destroyed) return received.startsWith(text);
        await sleep(5);
      }
      return true;
    },
  };
}

/** An upstream whose handler writes the answer itself (bytes, held streams). */
export async function startRawUpstream(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer(handler);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
