/**
 * Every journey end-to-end: real Pulumi engine (CLI built from Go modules),
 * the stand-in aws plugin, moto. What the journeys leave behind in moto is
 * compared with what the seeded world held before.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppStandin } from "../../automation/emulator/app-standin.js";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { PreconditionError, RefusedError, ToolError, VerificationError } from "../../automation/errors.js";
import { runDestroy, runDrill, runFailover, runPreview } from "../../automation/journeys.js";
import { readJournal } from "../../automation/journal.js";
import { getStatus } from "../../automation/status.js";
import { openWorkspace } from "../../automation/workspace.js";
import { diffMotoState } from "../support/moto-state.js";
import { filesUnder, startE2eWorld, TARGET, type E2eWorld } from "../support/e2e.js";

let e2e: E2eWorld;
beforeAll(async () => {
  e2e = await startE2eWorld();
});
afterAll(async () => {
  await e2e?.stop();
});

const PROD = "api.peoplebooster.example.com";

async function stacksIn(stateDir: string, run: { context(): any }) {
  const workspace = await openWorkspace(run.context().workspace);
  void stateDir;
  return (await workspace.listStacks()).map((summary) => summary.name);
}

describe("drill", () => {
  it("rebuilds, verifies, reports and tears down, leaving moto as it was and production DNS untouched", async () => {
    // replica-secret: the restored DB keeps the seeded password, which then must appear nowhere.
    const run = await e2e.seed(undefined, (plan) => ({ ...plan, database: { ...plan.database, credentials: { ...plan.database.credentials, mode: "replica-secret" } } }));
    const before = await run.summary();
    // This drill keeps its state's secrets under a passphrase (Pulumi's default), the others under KMS.
    const passphrase = { stateDir: run.stateDir, emulator: run.context().workspace.emulator };
    const report = await runDrill(run.context({ workspace: passphrase }));

    expect(report.result).toBe("succeeded");
    expect(report.rto?.met).toBe(true);
    expect(report.rto?.achievedMs).toBeGreaterThan(0);
    expect(report.rpo?.met).toBe(true);
    expect(report.rpo?.snapshotIdentifier).toBe(run.world.copiedSnapshotIds[0]);
    expect(report.verification.map((check) => check.ok)).toEqual([true, true]);
    expect(report.teardown).toMatchObject({ performed: true, ok: true });
    expect(report.spans.filter((span) => span.kind === "phase").map((span) => span.name)).toEqual(
      expect.arrayContaining(["preflight", "provision", "database", "service", "dns", "verification", "teardown"]),
    );
    expect(run.app.requests).toContain("GET /health");

    const after = await run.summary();
    expect(diffMotoState(before, after)).toEqual({ added: {}, removed: {} });
    expect(await stacksIn(run.stateDir, run)).toEqual([]);
    const production = await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(recordTarget(production)).toBe(run.world.productionRecordValue);

    // No secret in reports, journal or state (the backend holds it encrypted only).
    const leaks = (await filesUnder(run.stateDir)).filter((file) => file.text.includes(run.world.databasePassword));
    expect(leaks.map((file) => file.path)).toEqual([]);
    expect(JSON.stringify(run.events.events)).not.toContain(run.world.databasePassword);
  });

  it("tears down what it created when verification fails, and says so in the report", async () => {
    const run = await e2e.seed();
    const before = await run.summary();
    const sick = await startAppStandin({ healthPath: run.plan.service.healthCheckPath, status: 503 });
    const plan = { ...run.plan, verification: { ...run.plan.verification, healthTimeout: 2_000 } };
    try {
      const failure = await runDrill(run.context({ plan, connectTo: () => ({ host: "127.0.0.1", port: sick.port }) })).catch((error) => error);
      expect(failure).toBeInstanceOf(VerificationError);
      expect(failure.code).toBe("VERIFICATION_FAILED");
    } finally {
      await sick.stop();
    }
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await stacksIn(run.stateDir, run)).toEqual([]);
    const journal = await readJournal(run.stateDir);
    expect(journal.some((entry) => entry.step === "teardown" && entry.result === "ok")).toBe(true);
    expect(journal.some((entry) => entry.step === "verification" && entry.result === "failed")).toBe(true);
  });

  it("rejects a world without a copied snapshot before creating anything", async () => {
    const run = await e2e.seed({ noCopiedSnapshot: true });
    const before = await run.summary();
    const failure = await runDrill(run.context()).catch((error) => error);
    expect(failure).toBeInstanceOf(PreconditionError);
    expect(failure.code).toBe("NO_RESTORABLE_SNAPSHOT");
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await stacksIn(run.stateDir, run)).toEqual([]);
  });
});

describe("failover and destroy", () => {
  it("switches production DNS, survives a re-run without replacing the database, and destroy restores everything", async () => {
    const run = await e2e.seed();
    const seeded = await run.summary();
    const rds = run.aws.rds(TARGET);
    // The replica bucket is bound, never written: every object version is the same after all three journeys.
    const versions = async () => (await run.aws.s3(TARGET).send(new ListObjectVersionsCommand({ Bucket: run.world.replicaBucket }))).Versions?.map((v) => `${v.Key}@${v.VersionId}:${v.ETag}`).sort();
    const versionsBefore = await versions();
    expect(versionsBefore?.length).toBeGreaterThan(0);

    const preview = await runPreview(run.context());
    expect(preview.changeSummary.create).toBeGreaterThan(10);
    expect(diffMotoState(seeded, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await stacksIn(run.stateDir, run)).toEqual([]);

    const first = await runFailover(run.context(), { confirm: PROD });
    expect(first.result).toBe("succeeded");
    expect(first.dns).toMatchObject({ record: PROD, previous: run.world.productionRecordValue });
    const switched = await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(recordTarget(switched)).toBe(first.endpoints?.loadBalancer?.toLowerCase());
    expect(first.rto?.dnsTtlSeconds).toBe(run.plan.dns.ttl);
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))).DBInstances![0];
    expect(db.DeletionProtection).toBe(true);

    const status = await getStatus({ ...run.context(), plan: run.plan });
    expect(status).toEqual([expect.objectContaining({ stackName: "peoplebooster-failover-ap-northeast-3", mode: "failover" })]);
    expect(status[0].endpoints?.loadBalancer).toBe(first.endpoints?.loadBalancer);

    // A second failover (e.g. after a crash, or with a newer snapshot) changes nothing and keeps the database.
    const second = await runFailover(run.context(), { confirm: PROD });
    expect(second.result).toBe("succeeded");
    expect(second.dns?.previous).toBe(run.world.productionRecordValue);
    expect(second.spans.filter((span) => span.kind === "resource")).toEqual([]);
    const dbAgain = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))).DBInstances![0];
    expect(dbAgain.InstanceCreateTime).toEqual(db.InstanceCreateTime);
    expect(dbAgain.DbiResourceId).toBe(db.DbiResourceId);

    const destroyed = await runDestroy(run.context());
    expect(destroyed.result).toBe("succeeded");
    const restored = await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(recordTarget(restored)).toBe(run.world.productionRecordValue);
    const finals = (await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter((snapshot) => snapshot.DBSnapshotIdentifier?.startsWith("peoplebooster-production-dr-final-"));
    expect(finals).toHaveLength(1);
    expect(await stacksIn(run.stateDir, run)).toEqual([]);
    const diff = diffMotoState(seeded, await run.summary());
    expect(diff.removed).toEqual({});
    // What a failover leaves on purpose: the final snapshot, and its secret in its 7-day recovery window.
    expect(diff.added).toEqual({
      [`rds/${TARGET}/snapshots`]: [finals[0].DBSnapshotIdentifier],
      [`secretsmanager/${TARGET}/secrets`]: [expect.stringMatching(/^peoplebooster\/production\/database\/dr-failover-[0-9a-f]{4} \(scheduled for deletion\)$/)],
    });
    expect(await versions()).toEqual(versionsBefore);
    // Preview, two failovers and a destroy: four engine runs (each with crash-recovery checks) on a shared 2-core box.
  }, 240_000);

  it("a database restore that outlasts the RTO budget left fails naming the step, and the re-run resumes with the same database", async () => {
    const run = await e2e.seed();
    // The restore takes 60 s (modeled by the stand-in); the incident began 3 h 59 m 45 s ago: 15 s of the 4 h RTO are left.
    const latency = { DR_STANDIN_LATENCY_SCALE: "0.01", DR_STANDIN_LATENCY_MODEL: JSON.stringify({ "aws:rds/instance:Instance": { create: 6_000 } }) };
    Object.assign(process.env, latency);
    let failure;
    try {
      const incidentStart = new Date(Date.now() - run.plan.objectives.rto + 15_000);
      failure = await runFailover(run.context({ incidentStart }), { confirm: PROD }).catch((error) => error);
    } finally {
      for (const key of Object.keys(latency)) delete process.env[key];
    }
    expect(failure).toBeInstanceOf(ToolError);
    expect(failure.code).toBe("WAIT_TIMED_OUT");
    expect(failure.message).toMatch(/^database \(aws:rds\/instance:Instance\) was not ready within 0:00:(0\d|1[0-5]), the RTO budget left when the update started$/);
    expect(failure.details.join("\n")).toMatch(/timeout while waiting/);
    expect(failure.hint).toMatch(/re-run the same command/);
    // The production record was not switched; the database exists and is kept by the re-run.
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toBe(run.world.productionRecordValue);
    const rds = run.aws.rds(TARGET);
    const restored = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))).DBInstances![0];

    const resumed = await runFailover(run.context(), { confirm: PROD });
    expect(resumed.result).toBe("succeeded");
    const kept = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))).DBInstances![0];
    expect(kept.DbiResourceId).toBe(restored.DbiResourceId);
  });

  it("refuses a failover without the confirmation, before anything is created", async () => {
    const run = await e2e.seed();
    const before = await run.summary();
    await expect(runFailover(run.context(), {})).rejects.toMatchObject({ code: "CONFIRM_REQUIRED" });
    await expect(runFailover(run.context(), { confirm: "drill-api.peoplebooster.example.com" })).rejects.toMatchObject({ code: "CONFIRM_MISMATCH" });
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
  });

  it("destroy refuses while production points at the DR stack with no recorded previous value, unless forced", async () => {
    const run = await e2e.seed();
    await runFailover(run.context(), { confirm: PROD });
    const workspace = await openWorkspace(run.context().workspace);
    await workspace.removeConfig("peoplebooster-failover-ap-northeast-3", "dr-failover:previousProductionRecord");

    const refused = await runDestroy(run.context()).catch((error) => error);
    expect(refused).toBeInstanceOf(RefusedError);
    expect(refused.code).toBe("PRODUCTION_STILL_SWITCHED");
    expect(await stacksIn(run.stateDir, run)).toEqual(["peoplebooster-failover-ap-northeast-3"]);
    const db = await run.aws.rds(TARGET).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }));
    expect(db.DBInstances).toHaveLength(1);

    const forced = await runDestroy(run.context(), { force: true });
    expect(forced.result).toBe("succeeded");
    expect(forced.warnings.map((warning) => warning.code)).toContain("FORCED_WITH_PRODUCTION_SWITCHED");
    expect(await stacksIn(run.stateDir, run)).toEqual([]);
  });

  it("destroy of a stack that does not exist says so", async () => {
    const run = await e2e.seed();
    await expect(runDestroy(run.context())).rejects.toMatchObject({ code: "STACK_NOT_FOUND" });
  });
});
