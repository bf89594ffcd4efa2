import { ExitError } from "../errors.js";
import type { Io } from "../io.js";
import { loadWasmFile } from "./load.js";
import { formatReport, reportJson } from "./report.js";
import { judgeModule } from "./verdict.js";

export interface InspectOptions {
  json?: boolean;
}

/** `inspect`: prints the module's interface and verdict; exit 1 when a host would refuse it. */
export async function inspect(file: string, options: InspectOptions, io: Io): Promise<void> {
  const { info } = await loadWasmFile(file, io.cwd);
  const verdict = judgeModule(info);
  io.stdout.write(options.json ? `${JSON.stringify(reportJson(file, info, verdict), null, 2)}\n` : formatReport(file, info, verdict, io.stdout));
  if (!verdict.loadable) throw new ExitError(1);
}
