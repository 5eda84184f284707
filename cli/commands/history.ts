import type { GlobalOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { err, out } from "../render/output.js";

export async function historyCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  options: { plan?: string },
): Promise<void> {
  const { listReports } = await import("../../automation/report/store.js");
  const { buildHistory, renderHistoryTable } = await import("../../automation/history.js");
  const { loadPlan } = await import("../../automation/plan.js");
  const app = options.plan ? (await loadPlan(options.plan)).app : undefined;
  const history = buildHistory(await listReports(globals.stateDir), { app });
  if (globals.json) return outJson({ type: "history", ...history });
  renderHistoryTable(history).forEach(out);
  for (const warning of history.warnings) err(`⚠ ${warning.code}: ${warning.message}`);
}
