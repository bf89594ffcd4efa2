/** HTTP callouts and gRPC calls/streams made by a module, and the answers a test gives them. */

import { GrpcStatus } from "./abi.js";
import { lowercaseNames, type Bytes, type HeaderList } from "./codec.js";

export interface HttpAnswer {
  /** Becomes the `:status` header when `headers` has none (default 200). */
  status?: number;
  headers?: HeaderList;
  body?: Bytes;
  trailers?: HeaderList;
}
/**
 * A failed call: the upstream reset it, or it timed out. As in Envoy, the module still gets an answer: the
 * router's local reply (`envoyFailureAnswer`).
 */
export interface CalloutFailure {
  failure: "reset" | "timeout";
}
export type CalloutAnswer = HttpAnswer | CalloutFailure;
export type CalloutHandler = CalloutAnswer | ((request: CalloutRequest) => CalloutAnswer | "pending" | Promise<CalloutAnswer | "pending">);

/** What Envoy's async client hands the module for a failed call: its router's local reply. */
export const envoyFailureAnswer: Record<CalloutFailure["failure"], HttpAnswer> = {
  reset: localReply(503, "upstream connect error or disconnect/reset before headers. reset reason: remote reset"),
  timeout: localReply(504, "upstream request timeout"),
};

function localReply(status: number, body: string): HttpAnswer {
  return {
    headers: [
      [":status", String(status)],
      ["content-length", String(body.length)],
      ["content-type", "text/plain"],
    ],
    body,
  };
}

/** An answer's headers as the module (or a client) gets them: names lowercased, `:status` from `status` (default 200) when absent. */
export function answerHeaders(answer: HttpAnswer): HeaderList {
  const headers = lowercaseNames(answer.headers);
  if (!headers.some(([k]) => k === ":status")) headers.unshift([":status", String(answer.status ?? 200)]);
  return headers;
}

export function isFailure(answer: CalloutAnswer): answer is CalloutFailure {
  return "failure" in answer;
}

/** One `proxy_http_call`, as the module made it. */
export class CalloutRequest {
  answered = false;
  constructor(
    readonly id: number,
    readonly cluster: string,
    readonly headers: HeaderList,
    readonly body: Uint8Array,
    readonly trailers: HeaderList,
    readonly timeoutMs: number,
    /** Host time (ms since start) when Envoy would time the call out; undefined for no timeout. */
    readonly deadline: number | undefined,
    /** The context that made the call (the effective context); the answer goes to its root context. */
    readonly contextId: number,
    private readonly deliver: (request: CalloutRequest, answer: CalloutAnswer) => void,
  ) {}

  /** Answers the call now: runs `proxy_on_http_call_response` in the module. */
  respond(answer: CalloutAnswer): void {
    if (this.answered) throw new Error(`http call ${this.id} to ${this.cluster} was already answered`);
    this.answered = true;
    this.deliver(this, answer);
  }
}

export interface GrpcAnswer {
  /** Delivered on a stream only: Envoy's client for a unary call drops the metadata. */
  initialMetadata?: HeaderList;
  message?: Bytes;
  /** Delivered on a stream only, as `initialMetadata`. */
  trailingMetadata?: HeaderList;
  /** gRPC status code (default 0, OK). */
  status?: number;
  /** The status details the server's application gives; the module reads them as Envoy words them (`envoyGrpcMessage`). */
  statusMessage?: string;
}
export type GrpcHandler = GrpcAnswer | ((call: GrpcCall) => GrpcAnswer | "pending" | void | Promise<GrpcAnswer | "pending" | void>);

/** The events a gRPC call or stream delivers to the module, in the order the test triggers them. */
export interface GrpcDelivery {
  initialMetadata(call: GrpcCall, metadata: HeaderList): void;
  message(call: GrpcCall, message: Uint8Array): void;
  trailingMetadata(call: GrpcCall, metadata: HeaderList): void;
  close(call: GrpcCall, status: number, message: string): void;
}

/**
 * The status message the module reads (`proxy_get_status`) when a call closes: the `grpc-message` as it came,
 * not decoded, then the stream's response code details in braces, or the details alone when there was no
 * message (`enhancedGrpcMessage` in Envoy's source/common/grpc/async_client_impl.cc).
 */
export function envoyGrpcMessage(grpcMessage: string, details: string): string {
  if (grpcMessage === "") return details;
  return details === "" ? grpcMessage : `${grpcMessage}{${details}}`;
}

/**
 * The `grpc-message` a server sends for its status details: percent-encoded as @grpc/grpc-js encodes it
 * (`encodeURI`, spaces included; grpc-go and grpc-java leave printable ASCII but `%` as it is).
 */
export function serverGrpcMessage(details: string): string {
  return encodeURI(details);
}

/** How Envoy closes a call past its timeout: its router's 504 local reply, seen through the gRPC client. */
export const envoyGrpcTimeout = { status: GrpcStatus.Unavailable, message: envoyGrpcMessage("upstream request timeout", "response_timeout") };

/** One `proxy_grpc_call` or `proxy_grpc_stream`. */
export class GrpcCall {
  /** Messages the module sent on a stream (`proxy_grpc_send`). */
  readonly sent: Uint8Array[] = [];
  /** The module half-closed its side (`end_stream` on send, or `proxy_grpc_close`). */
  closedByModule = false;
  cancelled = false;
  /** The call is over: answered or closed by the test, timed out, or cancelled by the module. */
  finished = false;

  constructor(
    readonly id: number,
    readonly cluster: string,
    readonly service: string,
    readonly method: string,
    readonly initialMetadata: HeaderList,
    /** The request message of a unary call (empty for a stream). */
    readonly message: Uint8Array,
    readonly timeoutMs: number,
    readonly stream: boolean,
    readonly contextId: number,
    /** Host time (ms since start) when Envoy times the call out; undefined for none (a stream, or timeout 0). */
    readonly deadline: number | undefined,
    private readonly delivery: GrpcDelivery,
  ) {}

  get answered(): boolean {
    return this.finished;
  }

  /**
   * Answers the call as a server would. A unary call gets one callback, as Envoy's client gives it: the
   * message (`proxy_on_grpc_receive`) when the status is OK, else the close. A stream gets initial metadata,
   * message, trailing metadata and the close.
   */
  respond(answer: GrpcAnswer): void {
    this.ensureOpen();
    if (!this.stream) return this.finishUnary(answer.status ?? 0, answer.message, answer.statusMessage ?? "");
    if (answer.initialMetadata) this.delivery.initialMetadata(this, answer.initialMetadata);
    if (answer.message !== undefined) this.receive(answer.message);
    if (answer.trailingMetadata) this.delivery.trailingMetadata(this, answer.trailingMetadata);
    this.close(answer.status ?? 0, answer.statusMessage ?? "");
  }

  /** Delivers initial metadata on a stream. */
  sendInitialMetadata(metadata: HeaderList): void {
    this.ensureOpen();
    this.delivery.initialMetadata(this, metadata);
  }

  /** Delivers one message to the module (`proxy_on_grpc_receive`); on a unary call it is the OK answer. */
  receive(message: Bytes): void {
    this.ensureOpen();
    if (!this.stream) this.finished = true;
    this.delivery.message(this, typeof message === "string" ? new TextEncoder().encode(message) : message);
  }

  /** The server ends the call with a status and its details (`proxy_on_grpc_close`). */
  close(status = 0, details = ""): void {
    this.ensureOpen();
    if (!this.stream) return this.finishUnary(status, undefined, details);
    this.closeFromServer(status, details);
  }

  /** Envoy's own close of a call past its deadline. */
  timeOut(): void {
    this.ensureOpen();
    this.closeWith(envoyGrpcTimeout.status, envoyGrpcTimeout.message);
  }

  /** Envoy's unary client (`AsyncRequestImpl::onRemoteClose`): OK with a message, OK without one, or failed. */
  private finishUnary(status: number, message: Bytes | undefined, details: string): void {
    if (status !== 0) this.closeFromServer(status, details);
    else if (message !== undefined) this.receive(message);
    else this.closeWith(GrpcStatus.Internal, "");
  }

  /** A close the server sent: its status, and its details as they reach the module through Envoy. */
  private closeFromServer(status: number, details: string): void {
    this.closeWith(status, envoyGrpcMessage(serverGrpcMessage(details), "via_upstream"));
  }

  private closeWith(status: number, message: string): void {
    this.finished = true;
    this.delivery.close(this, status, message);
  }

  private ensureOpen(): void {
    if (this.finished) throw new Error(`gRPC ${this.stream ? "stream" : "call"} ${this.id} is already finished`);
  }
}
