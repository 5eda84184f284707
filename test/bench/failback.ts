/**
 * Bench figure 7: the modeled failback downtime of the reference plan, by
 * method. A failback calls the SDK itself (snapshot, copy, restore, service
 * deployment), outside the engine, so the stand-in's timing model never sleeps
 * for it and moto answers at once. The latency proxy applies those waits
 * instead (FAILBACK_SDK_MODEL × scale: snapshot and copy `creating`, instance
 * `creating`, the DR service draining, the production service's two
 * deployments, Route53 PENDING), so the snapshot method's figure is measured
 * like the RTO: one real failover then failback in the bench world, its
 * measured downtime with the scaled waits replaced by the unscaled ones, + the
 * record's TTL. One table: the restore, service and INSYNC terms are the
 * failover's own TIMING_MODEL entries.
 * The replica method is measured the same way in a world of its own (failover,
 * `--prepare-only` outside the downtime, then the cutover): the proxy also
 * holds a promoted replica `modifying` for the modeled promotion. Only its
 * catch-up stays a model term: the emulator's replica has no replication lag
 * to measure, so the modeled lag is added (labelled in the output).
 */
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { rm } from "node:fs/promises";
import { AwsClients } from "../../automation/aws.js";
import { formatDuration } from "../../automation/clock.js";
import { runFailback } from "../../automation/journeys/failback.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { FAILBACK_SDK_MODEL, failbackModeledWaits, TIMING_MODEL } from "../../emulator/aws-standin/timing-model.js";
import type { E2eWorld } from "../support/e2e.js";
import { TARGET } from "../support/e2e.js";
import { startLatencyProxy } from "../support/latency-proxy.js";

export interface BenchIo {
  out(line?: string): void;
  figure(name: string, value: string, target: string | undefined, pass?: boolean): void;
}

const fmtS = (seconds: number) => `${seconds.toFixed(1)} s`;
const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

type Method = "snapshot" | "replica";

interface MeasuredFailback {
  /** Per downtime phase: its modeled wait (s), whether the proxy applied it, and the tool time measured (s). */
  rows: { name: string; waitS: number; applied: boolean; toolS: number }[];
  ttlS: number;
  measuredMs: number;
  appliedScaledMs: number;
  /** The modeled downtime: measured, applied waits unscaled, unapplied model terms added, + TTL. */
  totalS: number;
  allocatedStorageGb: number;
}

/** Phases whose modeled wait the emulator cannot apply (the replica's lag after the freeze): added as a model term. */
const MODEL_ONLY = new Set(["catch-up"]);

/** One failover then one failback by `method` in a freshly seeded reference world, its SDK waits applied at scale. */
async function measureFailback(e2e: E2eWorld, scale: number, method: Method): Promise<MeasuredFailback> {
  const insyncS = TIMING_MODEL["aws:route53/record:Record"].update;
  const proxy = await startLatencyProxy(e2e.moto.endpoint, { insyncMs: insyncS * scale * 1000 });
  const run = await e2e.seed();
  const aws = new AwsClients({ endpoint: proxy.endpoint });
  try {
    const ctx = run.context({
      aws,
      emit: () => undefined,
      dnsPollIntervalMs: Math.max(10, 2_000 * scale),
      readinessPollIntervalMs: Math.max(10, 1_000 * scale),
    });
    const confirm = run.plan.dns.productionRecord;
    const failover = await runFailover(ctx, { confirm });
    if (failover.result !== "succeeded") throw new Error(`failover did not succeed: ${failover.error?.code}`);
    // The replica is prepared ahead, without downtime (its create is the engine's, modeled by the stand-in).
    if (method === "replica") {
      const prepared = await runFailback(ctx, { confirm, method, prepareOnly: true });
      if (prepared.result !== "succeeded") throw new Error(`failback --prepare-only failed: ${prepared.error?.code}`);
    }

    // The model's inputs from the world: the DR database's size, the TTL clients keep the DR answer.
    const drDatabase = (await aws.rds(TARGET).send(new DescribeDBInstancesCommand({}))).DBInstances?.find((db) =>
      db.DBInstanceIdentifier?.startsWith(run.plan.database.sourceIdentifier),
    );
    const allocatedStorageGb = drDatabase?.AllocatedStorage ?? 20;
    const ttlS = failover.rto?.dnsTtlSeconds ?? run.plan.dns.ttl;
    const model = failbackModeledWaits(method, { allocatedStorageGb, ttlS });
    const m = FAILBACK_SDK_MODEL;
    const scaled = (seconds: number) => seconds * scale * 1000;
    proxy.setSdkWaits({
      drainMs: scaled(m.serviceDrainS),
      snapshotCreateMs: scaled(model.phases["final-snapshot"] ?? 0),
      snapshotCopyMs: scaled(model.phases["copy-snapshot"] ?? 0),
      restoreMs: scaled(m.restoreS),
      deploymentMs: scaled(m.serviceDeploymentS),
      promoteMs: scaled(m.promoteS),
    });
    const report = await runFailback(ctx, { confirm, method });
    proxy.setSdkWaits(undefined);
    if (report.result !== "succeeded" || report.downtime?.durationMs === undefined)
      throw new Error(`failback --method ${method} did not succeed: ${report.error?.code}`);

    // Per phase: the recorded span less its applied scaled wait is tool time (API calls, polling, the data check).
    const spanMs = (name: string) =>
      report.spans
        .filter((span) => span.kind === "phase" && span.name === name)
        .reduce((sum, span) => sum + (span.durationMs ?? 0), 0);
    const rows = Object.entries(model.phases).map(([name, waitS]) => {
      const applied = !MODEL_ONLY.has(name);
      return { name, waitS, applied, toolS: Math.max(0, spanMs(name) - (applied ? scaled(waitS) : 0)) / 1000 };
    });
    const appliedS = rows.filter((row) => row.applied).reduce((sum, row) => sum + row.waitS, 0);
    const modelOnlyS = rows.filter((row) => !row.applied).reduce((sum, row) => sum + row.waitS, 0);
    const measuredMs = report.downtime.durationMs;
    // Like the RTO: the measured downtime with its scaled waits replaced by the unscaled ones, + the TTL.
    const totalS = (measuredMs - scaled(appliedS)) / 1000 + appliedS + modelOnlyS + model.ttlS;
    return { rows, ttlS: model.ttlS, measuredMs, appliedScaledMs: scaled(appliedS), totalS, allocatedStorageGb };
  } finally {
    aws.destroy();
    await proxy.stop();
    await rm(run.stateDir, { recursive: true, force: true });
  }
}

/** Figure 7: the failback downtime of the reference plan by each method, measured. */
export async function benchFailbackDowntime(e2e: E2eWorld, io: BenchIo, scale: number): Promise<void> {
  const { out, figure } = io;
  out(`7. Modeled failback downtime of the reference plan by method (write freeze → healthy, scale ${scale})`);
  const budgetMs = e2e.plan.objectives.failbackDowntime;
  const target = budgetMs === undefined ? undefined : `≤ ${formatDuration(budgetMs)}`;
  const totals: Partial<Record<Method, number>> = {};
  for (const method of ["snapshot", "replica"] as const) {
    const measured = await measureFailback(e2e, scale, method);
    out(
      `    ${method}: measured downtime ${fmtMs(measured.measuredMs)} at scale ${scale}, of which ${fmtMs(measured.appliedScaledMs)} modeled waits applied by the proxy (${measured.allocatedStorageGb} GB, TTL ${measured.ttlS} s)`,
    );
    for (const row of measured.rows)
      figure(
        `  ${row.name} (wait + tool)`,
        `${fmtS(row.waitS)}${row.applied ? "" : " (model)"} + ${fmtS(row.toolS)}`,
        undefined,
      );
    figure("  TTL (clients keep the DR answer)", fmtS(measured.ttlS), undefined);
    figure(
      `modeled failback downtime, ${method}`,
      `${fmtS(measured.totalS)} (${formatDuration(measured.totalS * 1000)})`,
      target,
      budgetMs === undefined ? undefined : measured.totalS * 1000 <= budgetMs,
    );
    const top = [...measured.rows].sort((a, b) => b.waitS + b.toolS - (a.waitS + a.toolS)).slice(0, 3);
    out(
      `    top 3: ${top.map((row) => `${row.name} ${fmtS(row.waitS + row.toolS)} (${(((row.waitS + row.toolS) / measured.totalS) * 100).toFixed(0)} %)`).join(", ")}`,
    );
    totals[method] = measured.totalS;
  }
  figure("replica / snapshot", (totals.replica! / totals.snapshot!).toFixed(3), undefined);
  out();
}
