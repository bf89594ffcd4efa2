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

/** What is wrong with `value` of `key` when it is outside [min, max], else "". */
function outOfRange(key: string, value: i64, min: i64, max: i64): string {
  return value < min || value > max ? '"' + key + '" must be ' + min.toString() + " to " + max.toString() : "";
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): QueueConfig | null {
  if (json == null) return null; // parseConfig logged why (not JSON, or not an object)
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
  const perSecond = json.getInt("maxRecordsPerSecond", 1000);
  const pathLength = json.getInt("maxPathLength", 128);
  if (json.problem.length > 0) return refuse(json.problem);
  let problem = outOfRange("maxRecordsPerSecond", perSecond, 1, 1_000_000);
  if (problem.length == 0) problem = outOfRange("maxPathLength", pathLength, 1, 4096);
  if (problem.length > 0) return refuse(problem);
  config.maxRecordsPerSecond = <u32>perSecond;
  config.maxPathLength = <u32>pathLength;
  return config;
}

function readConsumer(json: JsonObject, config: QueueConfig): QueueConfig | null {
  const interval = json.getInt("flushIntervalMs", 10_000);
  const maxKeys = json.getInt("maxKeys", 100);
  const segments = json.getInt("pathSegments", 2);
  if (json.problem.length > 0) return refuse(json.problem);
  let problem = outOfRange("flushIntervalMs", interval, 100, 3_600_000);
  if (problem.length == 0) problem = outOfRange("maxKeys", maxKeys, 1, 10_000);
  if (problem.length == 0) problem = outOfRange("pathSegments", segments, 0, 32);
  if (problem.length > 0) return refuse(problem);
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
