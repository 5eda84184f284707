/** Failover: rebuild, then point the production record at the DR service. Needs nothing from the source region. */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { DrStackOutputs } from "../../stacks/args.js";
import { PREVIOUS_RECORD_KEY } from "../../stacks/config.js";
import { drValueFor, recordTarget, upsertRecord, type DnsRecordValue } from "../dns.js";
import { RefusedError } from "../errors.js";
import { checkFailoverConfirmation } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import type { RunReport } from "../report/model.js";
import { newRunId } from "../run/ids.js";
import {
  configureStack,
  preflightPhase,
  prepareWorkspace,
  provisionPhase,
  readyTimeoutFor,
  recordCriticalPath,
  verificationPhase,
} from "../run/phases.js";
import type { Run } from "../run/run.js";
import { endpointsOf, stackArgsFor, stackResourceNamesFor } from "../run/stack-args.js";
import { stackNameFor } from "../vocabulary.js";
import type { JourneyContext, ProvisionOptions } from "../run/context.js";
import { runJourney } from "./skeleton.js";

export interface FailoverOptions extends ProvisionOptions {
  /** Must equal the production record name. */
  confirm?: string;
}

/** Failover: rebuild, then point the production record at the DR service. Needs nothing from the source region. */
export async function runFailover(ctx: JourneyContext, options: FailoverOptions = {}): Promise<RunReport> {
  checkFailoverConfirmation(ctx.plan, options.confirm);
  const productionName = ctx.plan.dns.productionRecord;
  const runId = newRunId("failover");
  const stackName = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId);
  return runJourney(ctx, { journey: "failover", runId, stackName }, async (run) => {
    const workspaceReady = prepareWorkspace(ctx);
    const names = stackResourceNamesFor(ctx.plan, ctx.targetRegion, "failover", runId);
    const preflight = await preflightPhase(run, "failover", options, names, workspaceReady);
    const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.sharedEndpoint);
    args.readyTimeout = readyTimeoutFor(run);
    const stack = await configureStack(run, args, preflight, workspaceReady);
    const outputs = await provisionPhase(run, stack);
    run.report.endpoints = endpointsOf(outputs);
    await switchProductionRecord(run, stack, preflight, outputs);
    await verificationPhase(run, outputs, productionName, preflight.productionRecord?.ttl ?? ctx.plan.dns.ttl);
    await recordCriticalPath(run, stack);
  });
}

/** Records the previous value (once: a re-run keeps the original), then UPSERTs and waits for INSYNC. */
async function switchProductionRecord(
  run: Run,
  stack: Stack,
  preflight: PreflightResult,
  outputs: DrStackOutputs,
): Promise<void> {
  const { ctx } = run;
  await run.phase("dns", async () => {
    const current = preflight.productionRecord!;
    const drTarget = outputs.loadBalancerDnsName.toLowerCase();
    const recorded = await stack.getConfig(PREVIOUS_RECORD_KEY).catch(() => undefined);
    let previous: DnsRecordValue;
    if (recorded) previous = JSON.parse(recorded.value) as DnsRecordValue;
    else if (recordTarget(current) === drTarget) {
      throw new RefusedError(
        "PREVIOUS_RECORD_UNKNOWN",
        `${current.name} already points at this DR stack but no previous value is recorded`,
        {
          hint: "Someone switched it by hand; note the value to restore later, then re-run.",
        },
      );
    } else {
      previous = current;
      // Durable before the change: destroy/failback restores exactly this.
      await stack.setConfig(PREVIOUS_RECORD_KEY, { value: JSON.stringify(previous) });
      await run.journal.write("dns-previous-recorded", "info", JSON.stringify(previous));
    }
    run.report.dns = { record: current.name, previous: recordTarget(previous) };
    if (recordTarget(current) === drTarget) {
      run.report.dns.current = drTarget;
      run.emit({ type: "info", message: `${current.name} already points at ${drTarget}` });
      return;
    }
    const started = performance.now();
    // INSYNC usually takes under a minute: wait at most what is left of the RTO budget (1–10 min).
    await upsertRecord(
      ctx.aws.route53(),
      preflight.zoneId,
      drValueFor(
        previous,
        { dnsName: outputs.loadBalancerDnsName, zoneId: outputs.loadBalancerZoneId },
        ctx.plan.dns.ttl,
      ),
      `dr-failover ${run.runId}: fail over to ${ctx.targetRegion}`,
      {
        timeoutMs: Math.min(10 * 60_000, Math.max(60_000, run.budgetLeftMs())),
        signal: ctx.signal,
        initialIntervalMs: ctx.dnsPollIntervalMs,
      },
    );
    run.report.dns.insyncMs = Math.round(performance.now() - started);
    run.report.dns.current = drTarget;
    run.emit({ type: "info", message: `${current.name} now points at ${drTarget} (INSYNC)` });
    run.emit({ type: "dns-switched", record: current.name, target: drTarget });
  });
}
