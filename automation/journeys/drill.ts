/** Drill: rebuild in the target region, verify, report, tear down. Production DNS is never touched. */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { checkSameRegionRecovery } from "../plan.js";
import type { RunReport } from "../report/model.js";
import { newRunId, shortId } from "../run/ids.js";
import {
  configureStack,
  preflightPhase,
  prepareWorkspace,
  completePointInTimeRestore,
  provisionPhase,
  readinessPhase,
  recordCriticalPath,
  teardownStack,
  verificationPhase,
} from "../run/phases.js";
import { endpointsOf, stackArgsFor, stackResourceNamesFor } from "../run/stack-args.js";
import { stackNameFor } from "../vocabulary.js";
import type { JourneyContext, ProvisionOptions } from "../run/context.js";
import { runJourney } from "./skeleton.js";

export interface DrillOptions extends ProvisionOptions {
  /** Keep the drill environment instead of tearing it down. */
  keep?: boolean;
}

/** Drill: rebuild in the target region, verify, report, tear down. Production DNS is never touched. */
export async function runDrill(ctx: JourneyContext, options: DrillOptions = {}): Promise<RunReport> {
  checkSameRegionRecovery(ctx.plan, ctx.targetRegion, options);
  const runId = newRunId("drill");
  const stackName = stackNameFor(ctx.plan.app, "drill", ctx.targetRegion, shortId(runId));
  return runJourney(ctx, { journey: "drill", runId, stackName }, async (run) => {
    let stack: Stack | undefined;
    let failure: unknown;
    try {
      const workspaceReady = prepareWorkspace(ctx);
      const names = stackResourceNamesFor(ctx.plan, ctx.targetRegion, "drill", runId);
      const preflight = await preflightPhase(run, "drill", options, names, workspaceReady);
      const args = stackArgsFor(ctx.plan, ctx.targetRegion, "drill", runId, preflight, ctx.aws.sharedEndpoint);
      stack = await configureStack(run, args, preflight, workspaceReady);
      const spansBefore = run.clock.spans.length;
      const outputs = await provisionPhase(run, stack);
      await completePointInTimeRestore(run, args, spansBefore);
      run.report.endpoints = endpointsOf(outputs);
      await readinessPhase(run, outputs, args.service.desiredCount);
      run.report.dns = { record: ctx.plan.dns.drillRecord, current: outputs.loadBalancerDnsName };
      await verificationPhase(run, outputs, ctx.plan.dns.drillRecord, undefined);
    } catch (error) {
      failure = error;
    } finally {
      if (stack) await recordCriticalPath(run, stack);
      // A drill that fails half-way still removes what it created, unless asked to keep it.
      if (stack && !options.keep) {
        try {
          await teardownStack(run, stack);
          run.report.teardown = { performed: true, ok: true, detail: "drill stack destroyed and removed" };
        } catch (error) {
          run.report.teardown = {
            performed: true,
            ok: false,
            detail: run.redact(error instanceof Error ? error.message : String(error)),
          };
          failure ??= error;
        }
      } else {
        run.report.teardown = {
          performed: false,
          ok: true,
          detail: stack
            ? `kept (--keep); remove with: dr-failover destroy --stack ${run.stackName}`
            : "nothing was created",
        };
      }
    }
    if (failure) throw failure;
  });
}
