import { flagHint, prefixHint } from "../../manifests/hints.js";

/** Which flag of `manifest envoygateway` / `manifest higress` sets each field, for the hint under an error. */
const envoyGatewayFlags: [prefix: string, flag: string][] = [
  ["metadata.name", "--name"],
  ["metadata.namespace", "--namespace"],
  ["spec.targetRefs", "--target-ref"],
  ["spec.wasm[0].name", "--name"],
  ["spec.wasm[0].rootID", "--plugin-name"],
  ["spec.wasm[0].code.image.url", "--image"],
  ["spec.wasm[0].code.http.url", "--image"],
  ["spec.wasm[0].code.image.sha256", "--digest"],
  ["spec.wasm[0].code.http.sha256", "--sha256 or --wasm"],
  ["spec.wasm[0].code.image.pullSecretRef", "--image-pull-secret"],
  ["spec.wasm[0].code.pullPolicy", "--image-pull-policy"],
  ["spec.wasm[0].config", "--config"],
  ["spec.wasm[0].failOpen", "--fail-strategy"],
  ["spec.wasm[0].env", "--env-from-host"],
  ["spec", "--target-ref"],
];

/** Higress's own fields; the ones it shares with Istio's WasmPlugin take Istio's flags. */
const higressFlags: [prefix: string, flag: string][] = [
  ["spec.defaultConfig", "--config"],
  ["spec.matchRules", "--match-rule"],
  ["spec.failStrategy", "--fail-strategy"],
];

export function envoyGatewayHint(field: string): string | undefined {
  return prefixHint(envoyGatewayFlags, field);
}

export function higressHint(field: string): string | undefined {
  return prefixHint(higressFlags, field) ?? flagHint(field);
}
