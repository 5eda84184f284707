import { formatDuration } from "../../automation/clock.js";
import type { GlobalOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { err, out } from "../render/output.js";

export interface StatusCommandOptions {
  plan?: string;
  maxDrillAge: string;
}

export async function statusCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  options: StatusCommandOptions,
): Promise<void> {
  const { getStatus } = await import("../../automation/status.js");
  const { loadPlan, parseDuration } = await import("../../automation/plan.js");
  const { UsageError } = await import("../../automation/errors.js");
  const maxDrillAgeMs = parseDuration(options.maxDrillAge);
  if (maxDrillAgeMs === undefined) {
    throw new UsageError("MAX_DRILL_AGE_INVALID", `--max-drill-age ${options.maxDrillAge} is not a duration`, {
      hint: 'Give a duration like "24h", "90m" or "1h30m".',
    });
  }
  const plan = options.plan ? await loadPlan(options.plan) : undefined;
  const statuses = await getStatus({
    plan,
    maxDrillAgeMs,
    workspace: {
      stateDir: globals.stateDir,
      backendUrl: globals.backend,
      secretsProvider: globals.secretsProvider,
      requireSecrets: false,
    },
  });
  if (globals.json) return outJson({ type: "status", stacks: statuses });
  if (statuses.length === 0) return out("no DR stacks");
  for (const status of statuses) {
    out(
      `${status.stackName}  ${status.mode}  age ${status.ageMs === undefined ? "?" : formatDuration(status.ageMs)}  resources ${status.resourceCount ?? "?"}`,
    );
    if (status.endpoints?.loadBalancer)
      out(`  service ${status.endpoints.loadBalancer}  database ${status.endpoints.database}`);
    if (status.lastReport) out(`  last run ${status.lastReport.runId}: ${status.lastReport.result}`);
    if (status.stale) {
      err(
        `⚠ DRILL_STACK_KEPT: ${status.stackName} has been kept for ${formatDuration(status.ageMs ?? 0)} (more than ${options.maxDrillAge}); remove it with: dr-failover destroy --stack ${status.stackName}`,
      );
    }
  }
}
