/** Preview: what a failover would create or change; changes nothing (a stack created only for the preview is removed). */
import { checkTargetRegion } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import { engineError } from "../run/engine-errors.js";
import { newRunId } from "../run/ids.js";
import { configureStack, preflightPhase } from "../run/phases.js";
import { Run } from "../run/run.js";
import { stackArgsFor, stackResourceNamesFor } from "../run/stack-args.js";
import { stackNameFor } from "../vocabulary.js";
import { findStack, openWorkspace } from "../workspace.js";
import type { JourneyContext, ProvisionOptions } from "../run/context.js";

export interface PreviewResult {
  stackName: string;
  changeSummary: Record<string, number>;
  preflight: PreflightResult;
  stdout: string;
}

/** What a failover would create or change; changes nothing (a stack created only for the preview is removed). */
export async function runPreview(ctx: JourneyContext, options: ProvisionOptions = {}): Promise<PreviewResult> {
  checkTargetRegion(ctx.plan, ctx.targetRegion);
  const runId = newRunId("preview");
  const run = new Run(ctx, "failover", runId, stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId));
  const names = stackResourceNamesFor(ctx.plan, ctx.targetRegion, "failover", runId);
  const preflight = await preflightPhase(run, "preview", options, names);
  const workspace = await openWorkspace(ctx.workspace);
  const existed = Boolean(await findStack(workspace, run.stackName));
  const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.sharedEndpoint);
  const stack = await configureStack(run, args, preflight);
  try {
    const result = await stack.preview({ color: "never", diff: false });
    return {
      stackName: run.stackName,
      changeSummary: result.changeSummary as Record<string, number>,
      preflight,
      stdout: run.redact(result.stdout),
    };
  } catch (error) {
    throw engineError(run, "preview", error);
  } finally {
    if (!existed) await workspace.removeStack(run.stackName);
  }
}
