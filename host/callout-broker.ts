// The calls a module makes out of the proxy (HTTP callouts, gRPC calls and streams) while they wait for an
// answer: who made them, their timeouts, and how answers reach the module, the way Envoy's async clients do.
import { WasmResult, type CallbackName } from "./abi.js";
import {
  CalloutRequest,
  GrpcCall,
  answerHeaders,
  envoyFailureAnswer,
  isFailure,
  type CalloutAnswer,
  type CalloutHandler,
  type GrpcDelivery,
  type GrpcHandler,
} from "./callouts.js";
import { lowercaseNames, toBytes, type HeaderList } from "./codec.js";
import type { Context } from "./context.js";
import type { Host } from "./host.js";
import type { Plugin } from "./plugin.js";

type Pending = { kind: "http"; request: CalloutRequest; handler: CalloutHandler } | { kind: "grpc"; call: GrpcCall; handler: GrpcHandler };

export type Timer = { at: number; fire: () => void };

/** When Envoy's async client answers a pending HTTP callout itself: at its timeout, with a 504 (`envoyFailureAnswer`). */
function calloutTimeout(pending: Pending): Timer | undefined {
  if (pending.kind !== "http") return undefined;
  const { request } = pending;
  return request.answered || request.deadline === undefined ? undefined : { at: request.deadline, fire: () => request.respond({ failure: "timeout" }) };
}

/** When Envoy closes an open gRPC call itself: at its timeout, with UNAVAILABLE (`envoyGrpcTimeout`). */
function grpcTimeout(call: GrpcCall): Timer | undefined {
  return call.finished || call.cancelled || call.deadline === undefined ? undefined : { at: call.deadline, fire: () => call.timeOut() };
}

/** What the broker needs of its VM: whether it failed, and a way to call the module back. */
export interface CalloutTarget {
  readonly failed: boolean;
  callback(name: CallbackName, context: Context, args: number[]): number | undefined;
}

/** One VM's outgoing calls (Envoy's async HTTP and gRPC clients, as the module sees them). */
export class CalloutBroker {
  private readonly pending: Pending[] = [];
  private nextHttpCallId = 1;
  private nextGrpcCallId = 1;
  private nextGrpcStreamId = 2;
  private readonly grpcCalls = new Map<number, GrpcCall>();

  constructor(
    private readonly host: Host,
    private readonly vm: CalloutTarget,
  ) {}

  /** The calls' own timers: an HTTP callout or a gRPC call reaching its timeout. */
  timers(): Timer[] {
    // gRPC calls from the open ones: a call whose handler said "pending" has left `pending` but still times out.
    return [...this.pending.map(calloutTimeout), ...[...this.grpcCalls.values()].map(grpcTimeout)].filter((t): t is Timer => t !== undefined);
  }

  // HTTP callouts

  httpCall(
    context: Context,
    cluster: string,
    headers: HeaderList,
    body: Uint8Array,
    trailers: HeaderList,
    timeoutMs: number,
  ): { status: WasmResult; id: number } {
    const handler = context.calloutOverride(cluster) ?? this.host.calloutHandlers.get(cluster);
    if (timeoutMs < 0) return { status: WasmResult.BadArgument, id: 0 };
    if (!handler) {
      this.host.refusedCallouts.push(cluster);
      return { status: WasmResult.BadArgument, id: 0 };
    }
    const names = new Set(headers.map(([k]) => k.toLowerCase()));
    if (!names.has(":path") || !names.has(":method") || !names.has(":authority")) return { status: WasmResult.BadArgument, id: 0 };
    const sent = lowercaseNames(headers);
    if (body.length > 0) sent.push(["content-length", String(body.length)]);
    const root = context.plugin;
    const id = this.nextHttpCallId++;
    // A timeout of 0 means none, as in Envoy.
    const deadline = timeoutMs > 0 ? this.host.elapsed() + timeoutMs : undefined;
    const request = new CalloutRequest(id, cluster, sent, body, lowercaseNames(trailers), timeoutMs, deadline, context.id, (r, a) =>
      this.deliverHttpAnswer(root, r, a),
    );
    this.host.callouts.push(request);
    this.pending.push({ kind: "http", request, handler });
    return { status: WasmResult.Ok, id };
  }

  /**
   * A failed call still gets an answer in Envoy: its async client runs the router, which replies locally
   * (503 for a reset or refused connection, 504 for a timeout), so the module sees headers and a body, never
   * "zero headers" (checked against Envoy 1.40 in test/differential).
   */
  private deliverHttpAnswer(root: Plugin, request: CalloutRequest, answer: CalloutAnswer): void {
    if (root.deleted || this.vm.failed) return;
    if (isFailure(answer)) answer = envoyFailureAnswer[answer.failure];
    const headers = answerHeaders(answer);
    const body = toBytes(answer.body);
    const trailers = lowercaseNames(answer.trailers);
    root.status = { code: WasmResult.Ok, message: "" };
    root.httpCallResponse = { headers, body, trailers };
    try {
      this.vm.callback("proxy_on_http_call_response", root, [root.id, request.id, headers.length, body.length, trailers.length]);
    } finally {
      root.httpCallResponse = null;
    }
  }

  // gRPC

  grpcCall(
    context: Context,
    call: { cluster: string; service: string; method: string; initialMetadata: HeaderList; message: Uint8Array; timeoutMs: number; stream: boolean },
  ): { status: WasmResult; id: number } {
    const handler = this.host.grpcHandlers.get(call.cluster);
    // Envoy answers PARSE_FAILURE when the service is neither a GrpcService proto nor a known cluster.
    if (!handler) return { status: WasmResult.ParseFailure, id: 0 };
    const id = call.stream ? (this.nextGrpcStreamId += 2) - 2 : (this.nextGrpcCallId += 2) - 2;
    // A timeout of 0 means none, as for HTTP callouts.
    const deadline = call.timeoutMs > 0 ? this.host.elapsed() + call.timeoutMs : undefined;
    const grpc = new GrpcCall(
      id,
      call.cluster,
      call.service,
      call.method,
      lowercaseNames(call.initialMetadata),
      call.message,
      call.timeoutMs,
      call.stream,
      context.id,
      deadline,
      this.grpcDelivery(context.plugin),
    );
    this.grpcCalls.set(id, grpc);
    this.host.grpcCalls.push(grpc);
    this.pending.push({ kind: "grpc", call: grpc, handler });
    return { status: WasmResult.Ok, id };
  }

  findGrpc(id: number): GrpcCall | undefined {
    return this.grpcCalls.get(id);
  }

  endGrpc(id: number): void {
    this.grpcCalls.delete(id);
  }

  private grpcDelivery(root: Plugin): GrpcDelivery {
    const deliver = (name: CallbackName, args: number[], set: () => void, reset: () => void) => {
      if (root.deleted || this.vm.failed) return;
      set();
      try {
        this.vm.callback(name, root, [root.id, ...args]);
      } finally {
        reset();
      }
    };
    return {
      initialMetadata: (call, md) =>
        deliver(
          "proxy_on_grpc_receive_initial_metadata",
          [call.id, md.length],
          () => void (root.grpcInitialMetadata = lowercaseNames(md)),
          () => void (root.grpcInitialMetadata = null),
        ),
      // Envoy forgets a unary call once its answer is delivered (after the callback, so it may still cancel it).
      message: (call, message) =>
        deliver(
          "proxy_on_grpc_receive",
          [call.id, message.length],
          () => void (root.grpcReceiveBuffer = message),
          () => {
            root.grpcReceiveBuffer = null;
            if (!call.stream) this.grpcCalls.delete(call.id);
          },
        ),
      trailingMetadata: (call, md) =>
        deliver(
          "proxy_on_grpc_receive_trailing_metadata",
          [call.id, md.length],
          () => void (root.grpcTrailingMetadata = lowercaseNames(md)),
          () => void (root.grpcTrailingMetadata = null),
        ),
      close: (call, status, message) => {
        this.grpcCalls.delete(call.id);
        deliver(
          "proxy_on_grpc_close",
          [call.id, status],
          () => void (root.status = { code: status, message }),
          () => {},
        );
      },
    };
  }

  /** Answers the oldest pending callout or gRPC call whose handler gives an answer; false when none is left. */
  async deliverNextPending(): Promise<boolean> {
    while (this.pending.length > 0) {
      const next = this.pending.shift()!;
      if (next.kind === "http") {
        if (next.request.answered) continue;
        const answer = typeof next.handler === "function" ? await next.handler(next.request) : next.handler;
        if (answer === "pending" || next.request.answered) continue;
        next.request.respond(answer);
        return true;
      }
      if (next.call.finished || next.call.cancelled) continue;
      const answer = typeof next.handler === "function" ? await next.handler(next.call) : next.handler;
      if (!answer || answer === "pending" || next.call.finished) continue;
      next.call.respond(answer);
      return true;
    }
    return false;
  }

  /**
   * Drops the calls a stream context made that are still unanswered: Envoy cancels them when the stream's
   * context goes away, so their answers never reach the module (differential case probe-callout-no-pause).
   */
  cancelPending(contextId: number): void {
    const owned = (p: Pending) => (p.kind === "http" ? p.request.contextId : p.call.contextId) === contextId;
    for (let i = this.pending.length - 1; i >= 0; i--) if (owned(this.pending[i]!)) this.pending.splice(i, 1);
    // Its gRPC calls are over too: no answer and no timeout reaches the module.
    for (const call of this.grpcCalls.values()) {
      if (call.contextId === contextId) {
        call.cancelled = true;
        this.grpcCalls.delete(call.id);
      }
    }
  }
}
