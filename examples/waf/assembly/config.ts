// The filter's configuration, read with the SDK's JSON reader once per plugin in onConfigure and checked
// whole: anything the filter could not apply exactly as written refuses the plugin, with one critical log
// line saying what to fix (Envoy then fails closed rather than running a WAF with a rule missing).
import { JsonObject, LogLevel, log, lowerAscii } from "as-proxy-wasm";
import { MatchKind, Rule, Target } from "./rules";

const MAX_BODY_CAP: i64 = 1 << 20;

export class WafConfig {
  detectOnly: bool = false;
  maxBodyBytes: i32 = 65536;
  rejectUninspectable: bool = true;
  /** Lower-case media types; one ending in "/" covers the whole type. */
  inspectTypes: string[] = ["application/x-www-form-urlencoded", "application/json", "application/xml", "multipart/form-data", "text/"];
  rules: Rule[] = [];
  hasBodyRules: bool = false;

  inspectsMediaType(mediaType: string): bool {
    for (let i = 0; i < this.inspectTypes.length; i++) {
      const type = this.inspectTypes[i];
      if (type.endsWith("/") ? mediaType.startsWith(type) : mediaType == type) return true;
    }
    return false;
  }
}

function refuse(reason: string): WafConfig | null {
  log(LogLevel.Critical, "waf: configuration refused: " + reason);
  return null;
}

/** The configuration `json` (from RootContext.parseConfig) describes, or null (logged) when it cannot be applied. */
export function readConfig(json: JsonObject | null): WafConfig | null {
  if (json == null) return refuse("it is not a JSON object");
  const config = new WafConfig();
  const mode = json.getString("mode", "block");
  if (mode != "block" && mode != "detect") return refuse('"mode" must be "block" or "detect"');
  config.detectOnly = mode == "detect";
  const cap = json.get("maxBodyBytes");
  if (cap != null) {
    if (!cap.isInteger() || cap.asInt() < 1 || cap.asInt() > MAX_BODY_CAP) return refuse('"maxBodyBytes" must be an integer from 1 to 1048576');
    config.maxBodyBytes = <i32>cap.asInt();
  }
  const uninspectable = json.getString("uninspectableBody", "reject");
  if (uninspectable != "reject" && uninspectable != "pass") return refuse('"uninspectableBody" must be "reject" or "pass"');
  config.rejectUninspectable = uninspectable == "reject";
  const types = json.getStrings("inspectContentTypes", config.inspectTypes);
  for (let i = 0; i < types.length; i++) types[i] = lowerAscii(types[i].trim());
  config.inspectTypes = types;
  if (json.problem.length > 0) return refuse(json.problem);

  const rules = json.getArray("rules");
  const count = rules == null ? 0 : rules.length;
  if (rules == null || count == 0) return refuse('"rules" must be a non-empty array of {"id", "in", and "contains", "prefix" or "equals"}');
  for (let i = 0; i < count; i++) {
    const where = "rules[" + i.toString() + "]: ";
    const object = rules.at(i).asObject();
    if (object == null) return refuse(where + "must be an object");
    const rule = readRule(object);
    if (rule == null) return refuse(where + ruleProblem);
    for (let j = 0; j < config.rules.length; j++) {
      if (config.rules[j].id == rule.id) return refuse(where + 'the "id" ' + rule.id + " is used twice");
    }
    config.rules.push(rule);
    if (rule.inspects(Target.Body)) config.hasBodyRules = true;
  }
  return config;
}

/** Why readRule returned null. */
let ruleProblem = "";

function readRule(object: JsonObject): Rule | null {
  const id = object.getString("id", "");
  if (!isRuleId(id)) return ruleError('"id" must be 1 to 64 letters, digits, "_", ".", ":" or "-" (it is sent in x-waf-rule)');
  const places = object.getStrings("in", []);
  if (places.length == 0) return ruleError('"in" must list where to look: method, path, query, headers, header:<name>, body');
  const targets = new Array<Target>();
  const headerNames = new Array<string>();
  let allHeaders = false;
  for (let i = 0; i < places.length; i++) {
    const place = places[i];
    if (place == "method") targets.push(Target.Method);
    else if (place == "path") targets.push(Target.Path);
    else if (place == "query") targets.push(Target.Query);
    else if (place == "body") targets.push(Target.Body);
    else if (place == "headers") allHeaders = true;
    else if (place.startsWith("header:") && place.length > 7 && place == lowerAscii(place)) headerNames.push(place.substring(7));
    else return ruleError('"in": ' + place + " is not one of method, path, query, headers, header:<lower-case name>, body");
  }
  if (allHeaders || headerNames.length > 0) targets.push(Target.Headers);
  let kind = MatchKind.Contains;
  let pattern = "";
  let patterns = 0;
  const names: StaticArray<string> = ["contains", "prefix", "equals"];
  for (let k = 0; k < names.length; k++) {
    if (!object.has(names[k])) continue;
    patterns++;
    kind = <MatchKind>k;
    pattern = object.getString(names[k], "");
  }
  if (patterns != 1 || pattern.length == 0) return ruleError('give exactly one of "contains", "prefix", "equals" (a non-empty string)');
  if (object.problem.length > 0) return ruleError(object.problem);
  return new Rule(id, targets, allHeaders ? [] : headerNames, kind, lowerAscii(pattern));
}

function ruleError(problem: string): Rule | null {
  ruleProblem = problem;
  return null;
}

function isRuleId(id: string): bool {
  if (id.length == 0 || id.length > 64) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    const ok = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) || c == 0x5f || c == 0x2e || c == 0x3a || c == 0x2d;
    if (!ok) return false;
  }
  return true;
}
