/**
 * The drill end-to-end: real Pulumi engine (CLI built from Go modules), the
 * stand-in aws plugin, moto. What it leaves behind in moto is compared with
 * what the seeded world held before. Failovers: failover*.test.ts.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { describe, expect, it } from "vitest";
import { listReports } from "../../automation/report/store.js";
import { startAppStandin } from "../../emulator/rehearsal/app-standin.js";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { PreconditionError, VerificationError } from "../../automation/errors.js";
import { runDrill } from "../../automation/journeys/drill.js";
import { readJournal } from "../../automation/journal.js";
import { diffMotoState } from "../support/moto-state.js";
import { environmentAtVerification, filesUnder, TARGET, useE2eWorld } from "../support/e2e.js";

const e2e = useE2eWorld();

const PROD = "api.peoplebooster.example.com";

describe("drill", () => {
  it("rebuilds, verifies, reports and tears down, leaving moto as it was and production DNS untouched", async () => {
    // replica-secret: the restored DB keeps the seeded password, which then must appear nowhere.
    const run = await e2e.seed(undefined, (plan) => ({
      ...plan,
      database: { ...plan.database, credentials: { ...plan.database.credentials, mode: "replica-secret" } },
    }));
    const before = await run.summary();
    // This drill keeps its state's secrets under a passphrase (Pulumi's default), the others under KMS.
    const passphrase = { stateDir: run.stateDir, emulator: run.context().workspace.emulator };
    const service = environmentAtVerification(run, "peoplebooster-backend-drill-");
    const report = await runDrill(run.context({ workspace: passphrase, emit: service.emit }));

    expect(report.result).toBe("succeeded");
    expect(report.rto?.met).toBe(true);
    expect(report.rto?.achievedMs).toBeGreaterThan(0);
    expect(report.rpo?.met).toBe(true);
    expect(report.rpo?.snapshotIdentifier).toBe(run.world.copiedSnapshotIds[0]);
    // Through the drill's own name over HTTPS (the world's certificate, trusted for that connection only).
    expect(report.verification.map(({ name, ok }) => ({ name, ok }))).toEqual([
      { name: "GET https://drill-api.peoplebooster.example.com/health", ok: true },
      { name: "GET http://drill-api.peoplebooster.example.com/health redirects to HTTPS", ok: true },
      { name: expect.stringMatching(/^ECS service peoplebooster-backend-drill-/), ok: true },
      { name: "s3-version-restore", ok: true },
    ]);
    // The runbook's "restore a file from S3 versions", read-only (the moto summary below counts every version).
    expect(report.verification[3].detail).toMatch(
      /^read version \S+ of reports\/report-123\.pdf \(\d+ bytes, .*\) from peoplebooster-production-assets-apne3; nothing written$/,
    );
    // The S3 side of the RPO: the newest replicated object's age at the incident start.
    expect(report.storage).toMatchObject({
      replicaBucket: "peoplebooster-production-assets-apne3",
      versioning: "Enabled",
      replication: "rule to-ap-northeast-3 of peoplebooster-production-assets",
      newestObjectKey: expect.toBeOneOf(run.world.replicaObjectKeys),
    });
    expect(report.storage?.newestObjectAgeMs).toBeLessThan(10 * 60_000);
    // The runbook's record counts: real SQL in the restore point's PostgreSQL, with the secret's credentials.
    const restored = run.restoredRows[run.world.copiedSnapshotIds[0]];
    expect(report.dataChecks?.map(({ name, value, ok }) => ({ name, value, ok }))).toEqual([
      { name: "users", value: restored.users, ok: true },
      { name: "orders", value: restored.orders, ok: true },
    ]);
    const markdown = await readFile(join(run.stateDir, "runs", report.runId, "report.md"), "utf8");
    expect(markdown).toContain(`| orders | ${restored.orders} | ≥ 1, within 10 % of the last drill (none yet) | ✅ |`);
    // The cache, seeded from the newest .rdb export in the replicated bucket; its age beside the RPO.
    const cache = run.world.cache!;
    expect(report.cache).toMatchObject({
      source: "rdb-in-s3",
      backup: `s3://${cache.rdbBucket}/${cache.rdbKey}`,
      maxAgeMs: 26 * 3_600_000,
    });
    expect(report.cache!.ageMs).toBeLessThan(10 * 60_000);
    expect(markdown).toMatch(/\| Cache backup age \| ✅ 0:\d\d:\d\d \/ 26:00:00 \(.*, `s3:\/\/.*\.rdb`\) \|/);
    // Its primary endpoint reached the service: the task definition's environment names it.
    const endpoint = report.endpoints?.cache;
    expect(endpoint).toMatch(/^master\.peoplebooster-production-redis-d[0-9a-f]{4}\..*:6379$/);
    const environment = await service.environment();
    expect(`${environment.REDIS_HOST}:${environment.REDIS_PORT}`).toBe(endpoint);
    expect(report.teardown).toMatchObject({ performed: true, ok: true });
    expect(report.spans.filter((span) => span.kind === "phase").map((span) => span.name)).toEqual(
      expect.arrayContaining(["preflight", "provision", "database", "service", "dns", "verification", "teardown"]),
    );
    expect(run.app.requests).toContain("GET /health");

    const after = await run.summary();
    expect(diffMotoState(before, after)).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);
    const production = await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(recordTarget(production)).toBe(run.world.productionRecordValue);

    // No secret in reports, journal or state (the backend holds it encrypted only).
    const leaks = (await filesUnder(run.stateDir)).filter((file) => file.text.includes(run.world.databasePassword));
    expect(leaks.map((file) => file.path)).toEqual([]);
    expect(JSON.stringify(run.events.events)).not.toContain(run.world.databasePassword);
  });

  it("tears down what it created when verification fails (sick service, restore point lost rows), naming the table", async () => {
    // The newest restore point lost half of orders; the check wants at least what production holds.
    const run = await e2e.seed({ lostRows: ["orders"] }, (plan) => {
      const sql = plan.verification.sql!;
      const checks = sql.checks.map((check) => (check.name === "orders" ? { ...check, min: 4000 } : check));
      // The direct runner here (the tool connects itself); the other drills run the default ecs-task.
      return { ...plan, verification: { ...plan.verification, sql: { ...sql, runner: "direct" as const, checks } } };
    });
    const before = await run.summary();
    const sick = await startAppStandin({
      healthPath: run.plan.service.healthCheckPath,
      status: 503,
      tls: run.world.tls,
    });
    const plan = { ...run.plan, verification: { ...run.plan.verification, healthTimeout: 2_000 } };
    try {
      const failure = await runDrill(run.context({ plan, connectTo: sick.connectTo })).catch((error) => error);
      expect(failure).toBeInstanceOf(VerificationError);
      expect(failure.code).toBe("VERIFICATION_FAILED");
      expect(failure.exitCode).toBe(5);
      expect(failure.details).toContainEqual(expect.stringMatching(/^data check orders: 2400: below 4000/));
    } finally {
      await sick.stop();
    }
    const [report] = await listReports(run.stateDir);
    // users passed: the reset master password reached the server, and the check logged in with it.
    expect(report.dataChecks?.map(({ name, value, ok }) => ({ name, value, ok }))).toEqual([
      { name: "users", value: 1200, ok: true },
      { name: "orders", value: 2400, ok: false },
    ]);
    expect(await readFile(join(run.stateDir, "runs", report.runId, "report.html"), "utf8")).toMatch(
      /<tr><td>orders<\/td><td[^>]*>2400<\/td>/,
    );
    const passwords = await run.resetPasswords();
    expect(passwords).toHaveLength(1);
    const files = await filesUnder(run.stateDir);
    for (const secret of [...passwords, run.world.databasePassword]) {
      expect(files.filter((file) => file.text.includes(secret)).map((file) => file.path)).toEqual([]);
      expect(JSON.stringify(run.events.events)).not.toContain(secret);
    }
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);
    const journal = await readJournal(run.stateDir);
    expect(journal.some((entry) => entry.step === "teardown" && entry.result === "ok")).toBe(true);
    expect(journal.some((entry) => entry.step === "verification" && entry.result === "failed")).toBe(true);
  });

  it("rejects a world without a copied snapshot before creating anything", async () => {
    const run = await e2e.seed({ noCopiedSnapshot: true }, (plan) => ({
      ...plan,
      database: { ...plan.database, restoreFrom: "snapshot" },
    }));
    const before = await run.summary();
    const failure = await runDrill(run.context()).catch((error) => error);
    expect(failure).toBeInstanceOf(PreconditionError);
    expect(failure.code).toBe("NO_RESTORABLE_SNAPSHOT");
    // --restore-time outside the replicated backups' window: refused, naming the window.
    const early = new Date(Date.now() - 3 * 24 * 3_600_000).toISOString();
    const outside = await runDrill(run.context(), { restoreTime: early }).catch((error) => error);
    expect(outside).toBeInstanceOf(PreconditionError);
    expect(outside.code).toBe("RESTORE_TIME_OUTSIDE_WINDOW");
    expect(outside.exitCode).toBe(3);
    expect(outside.details.join("\n")).toMatch(/outside the restore window .*: \d{4}-.*Z to \d{4}-.*Z/);
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);
  });

  it("restores by point in time when the replicated backups are fresher than the daily snapshot (auto), and names the source", async () => {
    // The runbook's world: the daily snapshot is hours old, the replicated backups trail by minutes.
    const run = await e2e.seed(undefined, undefined, { dailySnapshotAt: new Date(Date.now() - 6 * 3_600_000) });
    const report = await runDrill(run.context());
    expect(report.result).toBe("succeeded");
    expect(report.rpo).toMatchObject({
      source: "point-in-time",
      automatedBackupsArn: run.world.automatedBackupsArn,
      met: true,
    });
    expect(report.rpo?.snapshotIdentifier).toBeUndefined();
    // The emulator's replicated backups trail the clock by 5 minutes: an RPO of minutes, not hours.
    expect(report.rpo!.dataLossWindowMs).toBeGreaterThanOrEqual(4.5 * 60_000);
    expect(report.rpo!.dataLossWindowMs).toBeLessThan(6 * 60_000);
    const markdown = await readFile(join(run.stateDir, "runs", report.runId, "report.md"), "utf8");
    expect(markdown).toContain(`point in time ${report.rpo!.restorePoint} of ${run.world.automatedBackupsArn}`);
    // The provider's point-in-time branch sets no password: the driver did, before readiness.
    const messages = run.events.events.flatMap((event) => ("message" in event ? [String(event.message)] : []));
    expect(messages.some((message) => /master password and backup settings of .* set/.test(message))).toBe(true);
    // The restored instance answers at the backups' data (a real PostgreSQL), with the password the driver set,
    // counted by the default runner: a one-off ECS task in the DR cluster, its lines read from its log.
    expect(run.plan.verification.sql?.runner).toBe("ecs-task");
    expect(report.dataChecks?.map(({ name, value, ok }) => ({ name, value, ok }))).toEqual([
      { name: "users", value: 1200, ok: true },
      { name: "orders", value: 4800, ok: true },
    ]);
    const logGroups = await run.aws
      .logs(TARGET)
      .send(new DescribeLogGroupsCommand({ logGroupNamePrefix: "/dr-failover/" }));
    expect(logGroups.logGroups ?? [], "the task's log group is removed once read").toEqual([]);
    expect(await run.stacks()).toEqual([]);
  });
});
