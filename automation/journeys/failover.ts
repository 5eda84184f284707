/** Failover: rebuild, then point the production record at the DR service. Needs nothing from the source region. */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { DrStackOutputs } from "../../stacks/args.js";
import { PREVIOUS_RECORD_KEY } from "../../stacks/config.js";
import {
  changeRecords,
  drValueFor,
  maxTtl,
  parsePreviousRecords,
  readNameRecords,
  recordTarget,
  switchChanges,
  targetsOf,
  type DnsRecordValue,
} from "../dns.js";
import { PreconditionError, RefusedError } from "../errors.js";
import { checkFailoverConfirmation, checkSameRegionRecovery } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import type { RunReport } from "../report/model.js";
import { newRunId } from "../run/ids.js";
import { plainStackConfig } from "../workspace.js";
import {
  configureStack,
  continuedIncident,
  preflightPhase,
  prepareWorkspace,
  completePointInTimeRestore,
  provisionPhase,
  readinessPhase,
  recordCriticalPath,
  resumeHalfCreated,
  verificationPhase,
} from "../run/phases.js";
import { reportInterruptedRuns } from "../run/interrupted.js";
import type { Run } from "../run/run.js";
import { endpointsOf, stackArgsFor, stackResourceNamesFor } from "../run/stack-args.js";
import { stackNameFor } from "../vocabulary.js";
import type { JourneyContext, ProvisionOptions } from "../run/context.js";
import { runJourney } from "./skeleton.js";
import { writeStackConfig } from "../workspace.js";

export interface FailoverOptions extends ProvisionOptions {
  /** Must equal the production record name. */
  confirm?: string;
}

/** Failover: rebuild, then point the production record at the DR service. Needs nothing from the source region. */
export async function runFailover(ctx: JourneyContext, options: FailoverOptions = {}): Promise<RunReport> {
  checkFailoverConfirmation(ctx.plan, options.confirm);
  checkSameRegionRecovery(ctx.plan, ctx.targetRegion, options);
  const productionName = ctx.plan.dns.productionRecord;
  const commandStart = new Date();
  const runId = newRunId("failover");
  const stackName = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId);
  const workspaceReady = prepareWorkspace(ctx);
  const continued = await continuedIncident(ctx, stackName, workspaceReady);
  const incidentStart = ctx.incidentStart ?? continued?.start ?? commandStart;
  const runCtx = { ...ctx, incidentStart, incidentStartGiven: ctx.incidentStart !== undefined };
  return runJourney(runCtx, { journey: "failover", runId, stackName }, async (run) => {
    const reported = await reportInterruptedRuns(ctx, stackName, incidentStart, runId);
    if (reported.length) run.emit({ type: "info", message: `reported the interrupted run(s) ${reported.join(", ")}` });
    if (continued) {
      run.report.incidentClockOf = continued.runId;
      run.emit({
        type: "warning",
        code: "INCIDENT_CLOCK_CONTINUED",
        message: `continuing the incident clock of the interrupted run ${continued.runId}: incident start ${continued.start.toISOString()}, so the RTO counts the time lost (--incident-start sets another)`,
      });
    }
    const names = stackResourceNamesFor(ctx.plan, ctx.targetRegion, "failover", runId);
    const preflight = await preflightPhase(run, "failover", options, names, workspaceReady);
    const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.sharedEndpoint);
    const stack = await configureStack(run, args, preflight, workspaceReady);
    await resumeHalfCreated(run, stack, args);
    const spansBefore = run.clock.spans.length;
    const outputs = await provisionPhase(run, stack);
    await completePointInTimeRestore(run, args, spansBefore);
    run.report.endpoints = endpointsOf(outputs);
    // Production DNS moves only once the driver itself saw the database and the service ready.
    await readinessPhase(run, outputs, args.service.desiredCount);
    await switchProductionRecord(run, stack, preflight, outputs);
    await verificationPhase(run, outputs, productionName, maxTtl(preflight.productionRecords) ?? ctx.plan.dns.ttl);
    await recordCriticalPath(run, stack);
  });
}

/**
 * Records the previous values (once: a re-run keeps the originals), then
 * switches every routing set of the production name (A, AAAA, CNAME) in one
 * batch and waits for INSYNC.
 */
async function switchProductionRecord(
  run: Run,
  stack: Stack,
  preflight: PreflightResult,
  outputs: DrStackOutputs,
): Promise<void> {
  const { ctx } = run;
  await run.phase("dns", async () => {
    const name = ctx.plan.dns.productionRecord;
    const route53 = ctx.aws.route53();
    const drTarget = outputs.loadBalancerDnsName.toLowerCase();
    const pointsHere = (value: DnsRecordValue) => recordTarget(value) === drTarget;
    // Read again, not preflight's copy: the provision took minutes, and the batch is built from what is there now.
    const live = (await readNameRecords(route53, preflight.zoneId, name)).routing;
    const recorded = await plainStackConfig(stack, PREVIOUS_RECORD_KEY);
    let previous = recorded ? parsePreviousRecords(recorded) : [];
    if (!recorded && live.some(pointsHere)) {
      throw new RefusedError(
        "PREVIOUS_RECORD_UNKNOWN",
        `${name} already points at this DR stack but no previous value is recorded`,
        {
          hint: "Someone switched it by hand; note the value to restore later, then re-run.",
        },
      );
    }
    // Not recorded yet and not ours: the first run, or a stack whose switch (by a version that switched one type) left the AAAA behind.
    const unrecorded = live.filter(
      (value) => !pointsHere(value) && !previous.some((before) => before.type === value.type),
    );
    if (unrecorded.length > 0) {
      previous = [...previous, ...unrecorded];
      // Durable before the change: destroy/failback restores exactly these.
      await writeStackConfig(ctx.workspace, stack, { [PREVIOUS_RECORD_KEY]: { value: JSON.stringify(previous) } });
      await run.journal.write("dns-previous-recorded", "info", JSON.stringify(previous));
    }
    if (previous.length === 0) {
      throw new PreconditionError("PRODUCTION_RECORD_NOT_FOUND", `production record ${name} no longer exists`, {
        hint: "Someone deleted it since preflight; re-create it (or restore it from your DNS backup), then re-run.",
      });
    }
    const types = previous.map((value) => value.type).join(", ");
    run.report.dns = { record: name, previous: targetsOf(previous) };
    const changes = switchChanges(
      live,
      previous.map((value) =>
        drValueFor(
          value,
          { dnsName: outputs.loadBalancerDnsName, zoneId: outputs.loadBalancerZoneId },
          ctx.plan.dns.ttl,
        ),
      ),
    );
    if (changes.length === 0) {
      run.report.dns.current = drTarget;
      run.emit({ type: "info", message: `${name} (${types}) already points at ${drTarget}` });
      return;
    }
    const started = performance.now();
    // INSYNC usually takes under a minute: wait at most what is left of the RTO budget (1–10 min).
    await changeRecords(
      route53,
      preflight.zoneId,
      changes,
      `dr-failover ${run.runId}: fail over to ${ctx.targetRegion}`,
      {
        timeoutMs: Math.min(10 * 60_000, Math.max(60_000, run.budgetLeftMs())),
        signal: ctx.signal,
        initialIntervalMs: ctx.dnsPollIntervalMs,
      },
    );
    run.report.dns.insyncMs = Math.round(performance.now() - started);
    run.report.dns.current = drTarget;
    run.emit({ type: "info", message: `${name} (${types}) now points at ${drTarget} (INSYNC)` });
    run.emit({ type: "dns-switched", record: name, target: drTarget });
  });
}
