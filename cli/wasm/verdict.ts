import { checkModule, type ModuleCheck } from "../../host/module-check.js";
import type { ModuleInfo } from "./module-info.js";

/**
 * Whether Envoy/Istio would load a module, and why not: the host emulator's own module check
 * (`host/module-check.ts`), so `build`, `inspect` and a `Vm` load give the same answer.
 */
export type Verdict = ModuleCheck;

export function judgeModule(info: ModuleInfo): Verdict {
  return checkModule(info);
}
