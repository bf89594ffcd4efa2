// The consumer side, in its own VM (a singleton wasm service on Envoy's main thread): takes every record
// as it arrives, aggregates per (method, path prefix, status class) and, every flushIntervalMs, logs the
// window's summary and optionally POSTs it as JSON to a collector. Memory is bounded by maxKeys.
import { Counter, Header, LogLevel, dequeueSharedQueue, getCurrentTimeNanoseconds, httpCallResponseHeaders, log } from "as-proxy-wasm";
import { QueueConfig } from "./config";
import { jsonString } from "./json";
import { decodeRecord } from "./record";

const OTHER = "other";

class Totals {
  count: u64 = 0;
  totalMs: u64 = 0;
  maxMs: u32 = 0;
  constructor(readonly method: string, readonly path: string, readonly statusClass: string) {}
}

/** What arrived since the last flush. */
class Window {
  keys: string[] = [];
  totals: Map<string, Totals> = new Map();
  records: u64 = 0;
  overflow: u64 = 0;
  malformed: u64 = 0;
  constructor(readonly startMs: u64) {}
}

export class Consumer {
  private window: Window;
  private readonly received: Counter = new Counter("shared_queue.received");
  private readonly malformed: Counter = new Counter("shared_queue.malformed");
  private readonly overflow: Counter = new Counter("shared_queue.overflow");
  private readonly flushFailed: Counter = new Counter("shared_queue.flush_failed");

  constructor(readonly config: QueueConfig) {
    this.window = new Window(nowMs());
  }

  /** Takes every record waiting in `queue` (one notification may stand for several). */
  drain(queue: u32): void {
    for (let bytes = dequeueSharedQueue(queue); bytes != null; bytes = dequeueSharedQueue(queue)) {
      const record = decodeRecord(bytes);
      if (record == null) {
        this.window.malformed++;
        this.malformed.increment(1);
        continue;
      }
      this.received.increment(1);
      this.add(record.method, pathKey(record.path, this.config.pathSegments), statusClass(record.status), record.durationMs);
    }
  }

  private add(method: string, path: string, cls: string, durationMs: u32): void {
    const window = this.window;
    window.records++;
    let key = method + " " + path + " " + cls;
    if (!window.totals.has(key) && <u32>window.keys.length >= this.config.maxKeys) {
      window.overflow++;
      this.overflow.increment(1);
      key = OTHER;
      if (!window.totals.has(key)) window.totals.set(key, new Totals(OTHER, OTHER, OTHER));
    } else if (!window.totals.has(key)) {
      window.keys.push(key);
      window.totals.set(key, new Totals(method, path, cls));
    }
    const totals = window.totals.get(key);
    totals.count++;
    totals.totalMs += durationMs;
    if (durationMs > totals.maxMs) totals.maxMs = durationMs;
  }

  /**
   * Ends the window: logs its summary and returns it as JSON for the collector, or "" when nothing arrived.
   */
  flush(): string {
    const window = this.window;
    const end = nowMs();
    this.window = new Window(end);
    if (window.records == 0 && window.malformed == 0) return "";
    log(LogLevel.Info, "shared-queue: " + window.records.toString() + " requests in " + (end - window.startMs).toString() + " ms (" +
      window.keys.length.toString() + " keys, " + window.overflow.toString() + " over maxKeys, " + window.malformed.toString() + " malformed records)");
    const keys = window.keys.slice();
    if (window.overflow > 0) keys.push(OTHER);
    let routes = "";
    for (let i = 0; i < keys.length; i++) {
      const t = window.totals.get(keys[i]);
      const avg = t.totalMs / t.count;
      log(LogLevel.Info, "shared-queue: " + keys[i] + " count=" + t.count.toString() + " avg_ms=" + avg.toString() + " max_ms=" + t.maxMs.toString());
      routes += (i > 0 ? "," : "") + '{"method":' + jsonString(t.method) + ',"path":' + jsonString(t.path) + ',"status":' + jsonString(t.statusClass) +
        ',"count":' + t.count.toString() + ',"avgMs":' + avg.toString() + ',"maxMs":' + t.maxMs.toString() + "}";
    }
    return '{"startMs":' + window.startMs.toString() + ',"endMs":' + end.toString() + ',"requests":' + window.records.toString() +
      ',"overflow":' + window.overflow.toString() + ',"malformed":' + window.malformed.toString() + ',"routes":[' + routes + "]}";
  }

  /** The headers of the POST carrying a summary to the collector. */
  collectorHeaders(): Header[] {
    const config = this.config;
    return [new Header(":method", "POST"), new Header(":path", config.collectorPath), new Header(":authority", config.collectorAuthority), new Header("content-type", "application/json")];
  }

  /** The collector's answer (or Envoy's local reply for a failed call): anything but 2xx is counted and logged. */
  collectorAnswered(numHeaders: u32): void {
    const answered: string | null = numHeaders > 0 ? httpCallResponseHeaders.get(":status") : null;
    const status = answered == null ? "nothing" : answered;
    if (status.length == 3 && status.charCodeAt(0) == 0x32) return;
    this.flushFailed.increment(1);
    log(LogLevel.Warn, "shared-queue: the collector answered " + status + "; that summary is only in this log");
  }

  /** A refused call (unknown cluster): counted and logged. */
  collectorRefused(): void {
    this.flushFailed.increment(1);
    log(LogLevel.Warn, "shared-queue: the call to cluster " + this.config.collectorCluster + " was refused (is it defined?); that summary is only in this log");
  }
}

function nowMs(): u64 {
  return getCurrentTimeNanoseconds() / 1_000_000;
}

/** The first `segments` segments of `path` ("/" for none left; the whole path for 0). */
export function pathKey(path: string, segments: u32): string {
  if (segments == 0) return path.length == 0 ? "/" : path;
  let seen: u32 = 0;
  for (let i = 1; i < path.length; i++) {
    if (path.charCodeAt(i) == 0x2f && ++seen == segments) return path.substring(0, i);
  }
  return path.length == 0 ? "/" : path;
}

function statusClass(status: u16): string {
  if (status < 100 || status > 599) return "none";
  return (status / 100).toString() + "xx";
}
