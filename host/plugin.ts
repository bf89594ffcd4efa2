import { Context } from "./context.js";
import { toBytes, type Bytes, type HeaderList } from "./codec.js";
import { HttpContext } from "./http-context.js";
import { runHttpStream, type HttpScenario, type HttpStreamOptions, type HttpStreamResult } from "./http-stream.js";
import { TcpContext } from "./tcp-context.js";
import { runTcpConnection, type TcpScenario, type TcpResult } from "./tcp-connection.js";
import type { Vm } from "./vm.js";

export interface PluginOptions {
  configuration?: string | Uint8Array;
  name?: string;
  rootId?: string;
}

/** A root (plugin) context: configuration, timers, callouts and the streams it creates. */
export class Plugin extends Context {
  name = "";
  rootId = "";
  configuration: Uint8Array = new Uint8Array(0);
  /** PLUGIN_CONFIGURATION is readable only while the plugin is being created and configured. */
  configuring = false;
  tickPeriodMs = 0;
  private nextTickAt: number | undefined;
  /** Set while `proxy_on_http_call_response` runs. */
  httpCallResponse: { headers: HeaderList; body: Uint8Array; trailers: HeaderList } | null = null;
  grpcInitialMetadata: HeaderList | null = null;
  grpcTrailingMetadata: HeaderList | null = null;
  grpcReceiveBuffer: Uint8Array | null = null;
  /** Set while `proxy_on_foreign_function` runs. */
  callData: Uint8Array | null = null;
  /** What `proxy_get_status` returns (set by callout and gRPC answers). */
  status = { code: 0, message: "" };
  /** `proxy_on_done` returned false: on_delete waits for `proxy_done`. */
  pendingDone = false;
  deleted = false;

  constructor(vm: Vm, id: number) {
    super(vm, id);
  }

  get plugin(): Plugin {
    return this;
  }

  get contextId(): number {
    return this.id;
  }

  // Timers

  setTickPeriod(ms: number): void {
    this.tickPeriodMs = ms;
    this.nextTickAt = ms > 0 ? this.vm.host.elapsed() + ms : undefined;
  }

  /** The next tick due, for the host's clock. */
  dueTick(): { at: number; fire: () => void } | undefined {
    if (this.nextTickAt === undefined || this.deleted) return undefined;
    const at = this.nextTickAt;
    return {
      at,
      fire: () => {
        this.nextTickAt = at + this.tickPeriodMs;
        this.tick();
      },
    };
  }

  /** Calls `proxy_on_tick` once. */
  tick(): void {
    this.vm.callback("proxy_on_tick", this, [this.id]);
  }

  // Streams

  newHttpContext(): HttpContext {
    return new HttpContext(this.vm, this.vm.allocContextId(), this).create();
  }

  newTcpContext(): TcpContext {
    return new TcpContext(this.vm, this.vm.allocContextId(), this).create();
  }

  httpStream(scenario: HttpScenario = {}, options: HttpStreamOptions = {}): Promise<HttpStreamResult> {
    return runHttpStream(this, scenario, options);
  }

  tcpConnection(scenario: TcpScenario = {}): Promise<TcpResult> {
    return runTcpConnection(this, scenario);
  }

  /** Answers every pending callout and gRPC call whose handler gives an answer; returns how many. */
  async deliverCallouts(): Promise<number> {
    let delivered = 0;
    while (await this.vm.callouts.deliverNextPending()) delivered++;
    return delivered;
  }

  /**
   * `proxy_on_foreign_function(root, function_id, args_size)`: how a host function of the proxy calls back
   * into the module; the arguments are readable as the CALL_DATA buffer (8) during the callback.
   */
  onForeignFunction(functionId: number, args: Bytes): void {
    this.callData = toBytes(args);
    try {
      this.vm.callback("proxy_on_foreign_function", this, [this.id, functionId, this.callData.length]);
    } finally {
      this.callData = null;
    }
  }

  // Lifecycle

  /** `proxy_on_done`; false means the plugin will call `proxy_done` later (then on_delete runs). */
  done(): boolean {
    const finished = (this.vm.callback("proxy_on_done", this, [this.id]) ?? 1) !== 0;
    if (finished) this.delete();
    else this.pendingDone = true;
    return finished;
  }

  delete(): void {
    if (this.deleted) return;
    this.deleted = true;
    this.vm.callback("proxy_on_delete", this, [this.id]);
    this.vm.forgetContext(this.id);
  }

  override derivedProperty(key: string): Uint8Array | undefined {
    const text = (s: string) => new TextEncoder().encode(s);
    switch (key) {
      case "plugin_name":
        return text(this.name);
      case "plugin_root_id":
        return text(this.rootId);
      case "plugin_vm_id":
        return text(this.vm.vmId);
      default:
        return undefined;
    }
  }
}
