import type { GlobalOptions } from "../options.js";
import { out } from "../render/output.js";

export interface ReportCommandOptions {
  format: "md" | "html" | "json";
}

export async function reportCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  runId: string,
  options: ReportCommandOptions,
): Promise<void> {
  const { readReport } = await import("../../automation/report/store.js");
  const { UsageError } = await import("../../automation/errors.js");
  const report = await readReport(globals.stateDir, runId);
  if (!report) {
    throw new UsageError("RUN_NOT_FOUND", `no report for run ${runId} in ${globals.stateDir}`, {
      hint: "`dr-failover history` and the runs folder list the runs.",
    });
  }
  // report.json carries its own schemaVersion (the report schema's).
  if (globals.json) return out(JSON.stringify(report));
  if (options.format === "json") return out(JSON.stringify(report, null, 2));
  if (options.format === "html")
    return out((await import("../../automation/report/html.js")).renderHtml(report, { lang: globals.lang }));
  out((await import("../../automation/report/markdown.js")).renderMarkdown(report, { lang: globals.lang }));
}
