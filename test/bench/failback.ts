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
 * The replica method is not built yet: its figure is a model (the same measured
 * tool time for the phases both methods share, modeled catch-up and promote),
 * labelled as such until a measured run replaces it.
 */
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { rm } from "node:fs/promises";
import { AwsClients } from "../../automation/aws.js";
import { formatDuration } from "../../automation/clock.js";
import { runFailback } from "../../automation/journeys/failback.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { failbackDowntimePhases } from "../../automation/vocabulary.js";
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

/** One failover then one failback by snapshot of the reference world; prints figure 7. */
export async function benchFailbackDowntime(e2e: E2eWorld, io: BenchIo, scale: number): Promise<void> {
  const { out, figure } = io;
  out(`7. Modeled failback downtime of the reference plan by method (write freeze → healthy, scale ${scale})`);
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

    // The model's inputs from the world: the DR database's size, the TTL clients keep the DR answer.
    const drDatabase = (await aws.rds(TARGET).send(new DescribeDBInstancesCommand({}))).DBInstances?.find((db) =>
      db.DBInstanceIdentifier?.startsWith(run.plan.database.sourceIdentifier),
    );
    const allocatedStorageGb = drDatabase?.AllocatedStorage ?? 20;
    const ttlS = failover.rto?.dnsTtlSeconds ?? run.plan.dns.ttl;
    const budgetMs = run.plan.objectives.failbackDowntime;
    const target = budgetMs === undefined ? undefined : `≤ ${formatDuration(budgetMs)}`;

    // The failback's SDK waits applied at scale by the proxy (the failover's were the stand-in's).
    const bySnapshot = failbackModeledWaits("snapshot", { allocatedStorageGb, ttlS });
    const m = FAILBACK_SDK_MODEL;
    const scaled = (seconds: number) => seconds * scale * 1000;
    proxy.setSdkWaits({
      drainMs: scaled(m.serviceDrainS),
      snapshotCreateMs: scaled(bySnapshot.phases["final-snapshot"]),
      snapshotCopyMs: scaled(bySnapshot.phases["copy-snapshot"]),
      restoreMs: scaled(m.restoreS),
      deploymentMs: scaled(m.serviceDeploymentS),
    });
    const report = await runFailback(ctx, { confirm, method: "snapshot" });
    proxy.setSdkWaits(undefined);
    if (report.result !== "succeeded" || report.downtime?.durationMs === undefined)
      throw new Error(`failback did not succeed: ${report.error?.code}`);

    // Per phase: the recorded span less its scaled wait is tool time (API calls, polling, the data check).
    const spanMs = (name: string) =>
      report.spans
        .filter((span) => span.kind === "phase" && span.name === name)
        .reduce((sum, span) => sum + (span.durationMs ?? 0), 0);
    const toolS: Record<string, number> = {};
    for (const name of failbackDowntimePhases("snapshot"))
      toolS[name] = Math.max(0, spanMs(name) - scaled(bySnapshot.phases[name] ?? 0)) / 1000;
    const waitsS = Object.values(bySnapshot.phases).reduce((sum, seconds) => sum + seconds, 0);
    const measuredMs = report.downtime.durationMs;
    // Like the RTO: the measured downtime with its scaled waits replaced by the unscaled ones, + the TTL.
    const snapshotS = (measuredMs - scaled(waitsS)) / 1000 + waitsS + bySnapshot.ttlS;
    const snapshotRows = Object.entries(bySnapshot.phases).map(([name, waitS]) => ({
      name,
      waitS,
      toolS: toolS[name] ?? 0,
    }));
    out(
      `    measured: downtime ${fmtMs(measuredMs)} at scale ${scale}, of which ${fmtMs(scaled(waitsS))} modeled waits applied by the proxy (${allocatedStorageGb} GB, TTL ${ttlS} s)`,
    );
    for (const row of snapshotRows)
      figure(`  ${row.name} (wait + tool)`, `${fmtS(row.waitS)} + ${fmtS(row.toolS)}`, undefined);
    figure("  TTL (clients keep the DR answer)", fmtS(bySnapshot.ttlS), undefined);
    figure(
      "modeled failback downtime, snapshot",
      `${fmtS(snapshotS)} (${formatDuration(snapshotS * 1000)})`,
      target,
      budgetMs === undefined ? undefined : snapshotS * 1000 <= budgetMs,
    );
    const top = [...snapshotRows].sort((a, b) => b.waitS + b.toolS - (a.waitS + a.toolS)).slice(0, 3);
    out(
      `    top 3: ${top.map((row) => `${row.name} ${fmtS(row.waitS + row.toolS)} (${(((row.waitS + row.toolS) / snapshotS) * 100).toFixed(0)} %)`).join(", ")}`,
    );

    // The replica method, modeled: the shared phases' measured tool time, its own phases' modeled waits only.
    const byReplica = failbackModeledWaits("replica", { allocatedStorageGb, ttlS });
    const replicaRows = Object.entries(byReplica.phases).map(([name, waitS]) => ({
      name,
      waitS,
      toolS: toolS[name] ?? 0,
    }));
    const replicaS = replicaRows.reduce((sum, row) => sum + row.waitS + row.toolS, 0) + byReplica.ttlS;
    out(
      `    replica (MODEL, not measured by this bench: its own waits modeled): ${replicaRows.map((row) => `${row.name} ${fmtS(row.waitS + row.toolS)}`).join(" + ")} + TTL ${fmtS(byReplica.ttlS)}`,
    );
    figure(
      "modeled failback downtime, replica (model)",
      `${fmtS(replicaS)} (${formatDuration(replicaS * 1000)})`,
      target,
      budgetMs === undefined ? undefined : replicaS * 1000 <= budgetMs,
    );
    figure("replica / snapshot (model)", (replicaS / snapshotS).toFixed(3), undefined);
    out();
  } finally {
    aws.destroy();
    await proxy.stop();
    await rm(run.stateDir, { recursive: true, force: true });
  }
}
