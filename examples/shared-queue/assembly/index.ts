// A shared-queue producer/consumer across two VMs, in one module: configured with "role": "producer" it is
// an HTTP filter (in the workers' VMs) that sends one compact record per request to a named queue;
// configured with "role": "consumer" it is a wasm service (its own vm_id, a singleton on the main thread)
// that registers the queue, aggregates the records as they arrive and periodically flushes a summary.
import { FilterHeadersStatus, HttpContext, RootContext, getCurrentTimeNanoseconds, registerRootContext, registerSharedQueue } from "as-proxy-wasm";
import { QueueConfig, Role, readConfig } from "./config";
import { Consumer } from "./consumer";
import { Producer, recordedPath } from "./producer";
import { RequestRecord } from "./record";
export * from "as-proxy-wasm/exports";

const COLLECTOR_TIMEOUT_MS: u32 = 5000;

class QueueRoot extends RootContext {
  producer: Producer | null = null;
  consumer: Consumer | null = null;
  queueId: u32 = 0;

  onConfigure(configurationSize: usize): bool {
    const config = readConfig(this.parseConfig());
    if (config == null) return false;
    if (config.role == Role.Producer) {
      this.producer = new Producer(config);
      return true;
    }
    this.consumer = new Consumer(config);
    this.queueId = registerSharedQueue(config.queue);
    this.setTickPeriod(config.flushIntervalMs);
    return true;
  }

  onQueueReady(queueId: u32): void {
    const consumer = this.consumer;
    if (consumer != null && queueId == this.queueId) consumer.drain(queueId);
  }

  onTick(): void {
    const consumer = this.consumer;
    if (consumer == null) return;
    const summary = consumer.flush();
    const config = consumer.config;
    if (summary.length == 0 || config.collectorCluster.length == 0) return;
    const token = this.httpCall(config.collectorCluster, consumer.collectorHeaders(), String.UTF8.encode(summary), [], COLLECTOR_TIMEOUT_MS);
    if (token == 0) consumer.collectorRefused();
  }

  onHttpCallResponse(token: u32, numHeaders: u32, bodySize: usize, numTrailers: u32): void {
    const consumer = this.consumer;
    if (consumer != null) consumer.collectorAnswered(numHeaders);
  }

  // The consumer (a wasm service) sees no traffic; as an HTTP filter by mistake, it passes requests on.
  createHttpContext(contextId: u32): Recorder | null {
    return this.producer != null ? new Recorder(contextId, this) : null;
  }
}

/** One request, recorded when its stream ends (also when it ends without a response). */
class Recorder extends HttpContext<QueueRoot> {
  method: string | null = null;
  path: string = "";
  status: u16 = 0;
  startNs: u64 = 0;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const method = this.requestHeaders.get(":method");
    const path = this.requestHeaders.get(":path");
    this.method = method == null ? "" : method;
    this.path = recordedPath(path == null ? "/" : path, this.root.producer!.config.maxPathLength);
    this.startNs = getCurrentTimeNanoseconds();
    return FilterHeadersStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const status = this.responseHeaders.get(":status");
    this.status = status == null ? 0 : <u16>I32.parseInt(status);
    return FilterHeadersStatus.Continue;
  }

  onLog(): void {
    const method = this.method;
    if (method == null) return; // the stream ended before its request headers
    this.method = null;
    const now = getCurrentTimeNanoseconds();
    const durationMs = now > this.startNs ? <u32>((now - this.startNs + 500_000) / 1_000_000) : 0;
    this.root.producer!.send(new RequestRecord(method, this.path, this.status, durationMs));
  }
}

registerRootContext((contextId: u32): RootContext => new QueueRoot(contextId));
