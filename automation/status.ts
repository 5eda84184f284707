/**
 * `status`: the DR stacks in the backend with mode, age, endpoints and last
 * report. Kept apart from the journeys so it loads no AWS SDK and no program.
 */
import type { DrMode, DrStackOutputs } from "../stacks/args.js";
import type { JourneyContext } from "./run/context.js";
import type { Plan } from "./plan.js";
import { fileBackendHasNoStacks, fileBackendStackOutputs } from "./backend-files.js";
import type { RunReport } from "./report/model.js";
import { listReports } from "./report/store.js";
import { backendUrlOf, parseStackName } from "./vocabulary.js";

export interface StackStatus {
  stackName: string;
  mode: DrMode | "unknown";
  targetRegion?: string;
  lastUpdate?: string;
  ageMs?: number;
  resourceCount?: number;
  endpoints?: RunReport["endpoints"];
  lastReport?: { runId: string; result: string; rtoMs?: number; finishedAt: string };
  /** A drill stack kept longer than `maxDrillAgeMs`: it costs money and drifts from production. */
  stale?: boolean;
}

/** Drill stacks older than this are flagged by `status` (`--max-drill-age`). */
export const DEFAULT_MAX_DRILL_AGE_MS = 24 * 3_600_000;

/**
 * The DR stacks in the backend with their mode, age, endpoints and last report.
 * A constant number of Pulumi CLI calls however many stacks there are: one
 * `stack ls`; each stack's outputs come from its checkpoint (file backend) or
 * its last report, and only a stack with neither costs a `stack output`.
 */
export async function getStatus(
  ctx: Pick<JourneyContext, "workspace"> & { plan?: Plan; maxDrillAgeMs?: number },
): Promise<StackStatus[]> {
  // An empty local backend (the default, e.g. before the first drill) needs no Pulumi CLI call.
  if (await fileBackendHasNoStacks(backendUrlOf(ctx.workspace))) return [];
  const { openWorkspace, PROJECT_NAME } = await import("./workspace.js");
  const workspace = await openWorkspace(ctx.workspace);
  const [summaries, reports] = await Promise.all([workspace.listStacks(), listReports(ctx.workspace.stateDir)]);
  const lastReport = new Map<string, RunReport>();
  for (const report of reports) lastReport.set(report.stackName, report);
  const statuses: StackStatus[] = [];
  for (const summary of summaries) {
    if (ctx.plan && !summary.name.startsWith(`${ctx.plan.app}-`)) continue;
    const report = lastReport.get(summary.name);
    const outputs = ((await fileBackendStackOutputs(backendUrlOf(ctx.workspace), PROJECT_NAME, summary.name)) ??
      (report?.endpoints
        ? {
            serviceName: report.endpoints.serviceName,
            loadBalancerDnsName: report.endpoints.loadBalancer,
            databaseAddress: report.endpoints.database,
            cacheAddress: report.endpoints.cache?.replace(/:\d+$/, ""),
            cachePort: report.endpoints.cache ? Number(report.endpoints.cache.split(":").pop()) : undefined,
          }
        : await stackOutputs(workspace, summary.name))) as Partial<DrStackOutputs>;
    const named = parseStackName(ctx.plan?.app, summary.name);
    const mode: StackStatus["mode"] = named?.mode ?? "unknown";
    const lastUpdate = summary.lastUpdate ? new Date(summary.lastUpdate) : undefined;
    const ageMs = lastUpdate ? Date.now() - lastUpdate.getTime() : undefined;
    statuses.push({
      stackName: summary.name,
      mode,
      // The name says it: the reports are only on the machine that ran the journey.
      targetRegion: report?.targetRegion ?? named?.targetRegion,
      lastUpdate: lastUpdate?.toISOString(),
      ageMs,
      stale: mode === "drill" && ageMs !== undefined && ageMs > (ctx.maxDrillAgeMs ?? DEFAULT_MAX_DRILL_AGE_MS),
      resourceCount: summary.resourceCount,
      endpoints: outputs.serviceName
        ? {
            serviceName: outputs.serviceName,
            loadBalancer: outputs.loadBalancerDnsName,
            database: outputs.databaseAddress,
            cache: outputs.cacheAddress ? `${outputs.cacheAddress}:${outputs.cachePort}` : undefined,
          }
        : undefined,
      lastReport: report
        ? { runId: report.runId, result: report.result, rtoMs: report.rto?.achievedMs, finishedAt: report.finishedAt }
        : undefined,
    });
  }
  return statuses;
}

/** The slow path (one CLI call per stack): a stack of another backend that no report of this state dir describes. */
async function stackOutputs(
  workspace: import("@pulumi/pulumi/automation/index.js").LocalWorkspace,
  stackName: string,
): Promise<Record<string, unknown>> {
  const outputs = await workspace.stackOutputs(stackName).catch(() => ({}));
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
}
