/**
 * Recovery from corrupted data in the production region itself (issue 15 item 4), end-to-end:
 * real engine, stand-in plugin, moto, and the restore points' PostgreSQL. A bad deploy halved
 * `orders` 30 minutes ago; `failover -r <source region> --restore-time <before it>` builds a
 * stack beside production (every name ends in -recovery, none is production's), restored from
 * production's own automated backups to that time, switches the production record only with
 * --confirm, and destroy works as after a regional failover (final snapshot; production intact).
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { DescribeServicesCommand, ListClustersCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runDrill } from "../../automation/journeys/drill.js";
import { runFailback } from "../../automation/journeys/failback.js";
import { runFailover } from "../../automation/journeys/failover.js";
import type { Plan } from "../../automation/plan.js";
import { REFERENCE_ROWS } from "../../emulator/rehearsal/postgres.js";
import { diffMotoState } from "../support/moto-state.js";
import { TARGET, useE2eWorld } from "../support/e2e.js";

const SOURCE = "ap-northeast-1";
const PROD = "api.peoplebooster.example.com";
const BAD_DEPLOY_MINUTES_AGO = 30;

const e2e = useE2eWorld();

/** The example plan with a same-region entry: the production region's network, bucket and image. */
function withSameRegionTarget(plan: Plan): Plan {
  const dr = plan.targets[TARGET];
  plan.targets[SOURCE] = {
    ...structuredClone(dr),
    database: { ...dr.database, subnetGroup: "peoplebooster-recovery-db" },
    storage: { replicaBucket: "peoplebooster-production-assets" },
    service: { ...dr.service, image: dr.service.image.replace(TARGET, SOURCE) },
  };
  return plan;
}

describe("same-region recovery", () => {
  it("restores beside production to a point before a bad deploy, switches only with --confirm, destroys like a failover", async () => {
    const run = await e2e.seed(
      { dataDamage: { minutesAgo: BAD_DEPLOY_MINUTES_AGO, tables: ["orders"] } },
      withSameRegionTarget,
      { targetRegion: SOURCE },
    );
    const context = () => run.context({ dnsPollIntervalMs: 100 });
    const badDeployAt = run.world.dataDamage!.at;
    const beforeBadDeploy = new Date(badDeployAt.getTime() - 2 * 60_000).toISOString();
    const seeded = await run.summary();
    const rds = run.aws.rds(SOURCE);
    const production = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production" }))
    ).DBInstances![0];

    // Without a restore time the latest restorable time holds the damage: refused, nothing created.
    for (const refused of [
      await runFailover(context(), { confirm: PROD }).catch((error: unknown) => error),
      await runDrill(context(), { restoreTime: beforeBadDeploy, snapshotIdentifier: "any" }).catch((e: unknown) => e),
    ]) {
      expect(refused).toMatchObject({ code: "SAME_REGION_NEEDS_RESTORE_TIME", exitCode: 2 });
      expect((refused as Error).message).toContain("--target-region ap-northeast-1 is the source region");
    }
    expect(await runFailback(context(), { confirm: PROD }).catch((error: unknown) => error)).toMatchObject({
      code: "FAILBACK_SAME_REGION",
      exitCode: 2,
    });
    expect(diffMotoState(seeded, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);

    const report = await runFailover(context(), { confirm: PROD, restoreTime: beforeBadDeploy });
    expect(report.result).toBe("succeeded");
    // Restored from production's own backups to the point asked for: the orders are whole again.
    const wholeSeconds = new Date(Math.floor(Date.parse(beforeBadDeploy) / 1000) * 1000).toISOString();
    expect(report.rpo).toMatchObject({ source: "point-in-time", restorePoint: wholeSeconds });
    expect(report.rpo?.met).toBe(true);
    expect(Object.fromEntries((report.dataChecks ?? []).map((check) => [check.name, check.value]))).toEqual(
      REFERENCE_ROWS,
    );
    expect(run.restoredRows["peoplebooster-production"].orders).toBe(REFERENCE_ROWS.orders / 2);

    // Beside production: its own names, production's cluster, service and instance untouched.
    const recovered = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-recovery" }))
    ).DBInstances![0];
    expect(recovered.DeletionProtection).toBe(true);
    const productionAfter = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production" }))
    ).DBInstances![0];
    expect(productionAfter.DBInstanceStatus).toBe(production.DBInstanceStatus);
    expect(productionAfter.Endpoint).toEqual(production.Endpoint);
    const ecs = run.aws.ecs(SOURCE);
    const clusters = (await ecs.send(new ListClustersCommand({}))).clusterArns!.map((arn) => arn.split("/").pop());
    expect(clusters.sort()).toEqual(["peoplebooster-production", "peoplebooster-production-recovery"]);
    const productionService = await ecs.send(
      new DescribeServicesCommand({ cluster: "peoplebooster-production", services: ["peoplebooster-backend"] }),
    );
    expect(productionService.services?.[0]?.status).toBe("ACTIVE");
    expect(report.endpoints?.loadBalancer).toMatch(/^peoplebooster-rec-/);
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toBe(
      report.endpoints?.loadBalancer?.toLowerCase(),
    );

    // As after a regional failover: production serves from the recovery stack, so destroy needs the
    // explicit flag; then the final snapshot holds the recovery's writes and production's instance stays.
    expect(await runDestroy(context()).catch((error: unknown) => error)).toMatchObject({ code: "DR_WRITES_NOT_HOME" });
    const destroyed = await runDestroy(context(), { strandDrWrites: true });
    expect(destroyed.result).toBe("succeeded");
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toBe(
      run.world.productionRecordValue,
    );
    const finals = (await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter((snapshot) =>
      snapshot.DBSnapshotIdentifier?.startsWith("peoplebooster-production-recovery-final-"),
    );
    expect(finals).toHaveLength(1);
    const left = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances!.map((db) => db.DBInstanceIdentifier);
    expect(left).toEqual(["peoplebooster-production"]);
    expect(await run.stacks()).toEqual([]);
  });
});
