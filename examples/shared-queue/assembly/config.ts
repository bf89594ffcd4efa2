// The configuration of either role, read with the SDK's JSON reader and checked whole in onConfigure: a
// value that cannot be applied refuses the plugin with one log line saying what to fix.
import { JsonObject, LogLevel, log } from "as-proxy-wasm";

export const enum Role { Producer, Consumer }

export class QueueConfig {
  role: Role = Role.Producer;
  /** The queue's name; the consumer registers it, producers resolve it in the consumer's VM. */
  queue: string = "request_records";

  // Producer
  /** The vm_id of the consumer's VM (the wasm service in bootstrap_extensions). */
  consumerVmId: string = "";
  /** Records enqueued per second by all workers together; more are dropped and counted. */
  maxRecordsPerSecond: u32 = 1000;
  /** A longer path (the query is never sent) is cut to this many characters. */
  maxPathLength: u32 = 128;

  // Consumer
  flushIntervalMs: u32 = 10_000;
  /** Distinct (method, path, status class) keys per flush; records of further keys count under "other". */
  maxKeys: u32 = 100;
  /** Paths are aggregated by their first segments: 2 makes /api/users/7 into /api/users. */
  pathSegments: u32 = 2;
  /** When set, each summary is also POSTed as JSON to this cluster. */
  collectorCluster: string = "";
  collectorPath: string = "/summaries";
  collectorAuthority: string = "";
}

function refuse(reason: string): QueueConfig | null {
  log(LogLevel.Critical, "shared-queue: configuration refused: " + reason);
  return null;
}

/** `json.getInt(key)` when within [min, max]; -1 (after logging) when not. */
function intIn(json: JsonObject, key: string, fallback: i64, min: i64, max: i64): i64 {
  const value = json.getInt(key, fallback);
  if (json.problem.length > 0) return -1;
  if (value < min || value > max) {
    refuse('"' + key + '" must be ' + min.toString() + " to " + max.toString());
    return -1;
  }
  return value;
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): QueueConfig | null {
  if (json == null) return refuse("it is not a JSON object");
  const config = new QueueConfig();
  const role = json.getString("role", "producer");
  if (role == "consumer") config.role = Role.Consumer;
  else if (role != "producer") return refuse('"role" must be "producer" (the HTTP filter) or "consumer" (the wasm service)');
  config.queue = json.getString("queue", config.queue);
  if (config.queue.length == 0) return refuse('"queue" must not be empty');
  if (json.problem.length > 0) return refuse(json.problem);
  return config.role == Role.Producer ? readProducer(json, config) : readConsumer(json, config);
}

function readProducer(json: JsonObject, config: QueueConfig): QueueConfig | null {
  config.consumerVmId = json.getString("consumerVmId", "");
  if (json.problem.length > 0) return refuse(json.problem);
  if (config.consumerVmId.length == 0) return refuse('"consumerVmId" is required: the vm_id of the consumer\'s wasm service');
  const perSecond = intIn(json, "maxRecordsPerSecond", 1000, 1, 1_000_000);
  const pathLength = intIn(json, "maxPathLength", 128, 1, 4096);
  if (perSecond < 0 || pathLength < 0) return json.problem.length > 0 ? refuse(json.problem) : null;
  config.maxRecordsPerSecond = <u32>perSecond;
  config.maxPathLength = <u32>pathLength;
  return config;
}

function readConsumer(json: JsonObject, config: QueueConfig): QueueConfig | null {
  const interval = intIn(json, "flushIntervalMs", 10_000, 100, 3_600_000);
  const maxKeys = intIn(json, "maxKeys", 100, 1, 10_000);
  const segments = intIn(json, "pathSegments", 2, 0, 32);
  if (interval < 0 || maxKeys < 0 || segments < 0) return json.problem.length > 0 ? refuse(json.problem) : null;
  config.flushIntervalMs = <u32>interval;
  config.maxKeys = <u32>maxKeys;
  config.pathSegments = <u32>segments;
  config.collectorCluster = json.getString("collectorCluster", "");
  config.collectorPath = json.getString("collectorPath", config.collectorPath);
  config.collectorAuthority = json.getString("collectorAuthority", config.collectorCluster);
  if (json.problem.length > 0) return refuse(json.problem);
  if (!config.collectorPath.startsWith("/")) return refuse('"collectorPath" must start with /');
  return config;
}
