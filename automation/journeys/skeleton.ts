/** The shape every journey shares: a Run started, its body, the report written in every case, the failure rethrown. */
import { checkTargetRegion } from "../plan.js";
import type { RunReport } from "../report/model.js";
import { Run } from "../run/run.js";
import { checkSecretsUsable } from "../workspace.js";
import type { JourneyContext } from "../run/context.js";

/** Runs `body` as one journey: whatever it throws is recorded in the report (and the journal) before it is rethrown. */
export async function runJourney(
  ctx: JourneyContext,
  run: { journey: RunReport["journey"]; runId: string; stackName: string },
  body: (run: Run) => Promise<void>,
): Promise<RunReport> {
  // Usage errors are refused before the run is journaled or reported: they are not runs (history stays clean).
  checkTargetRegion(ctx.plan, ctx.targetRegion);
  checkSecretsUsable(ctx.workspace);
  const started = new Run(ctx, run.journey, run.runId, run.stackName);
  await started.start();
  let failure: unknown;
  try {
    await body(started);
  } catch (error) {
    failure = error;
  }
  const report = await started.finish(failure).finally(() => started.journeyLock?.release());
  if (failure) throw failure;
  return report;
}
