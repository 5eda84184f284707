/**
 * Failback end-to-end: a real failover (Pulumi engine, stand-in plugin, moto),
 * writes in the DR database (a real PostgreSQL), then `failback --method
 * snapshot` (first test) or `--method replica` (second) brings them home. In the emulator a snapshot of the DR instance,
 * its copy in the source region and the instance restored from it answer at
 * the same PostgreSQL server (moto-server.py): the data path is asserted with
 * real SQL, but no second copy of the rows exists (see docs/emulator.md). A read
 * replica is a server of its own (emulator/rehearsal/replicas.ts): copied,
 * re-copied every second, parted at the promotion.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
} from "@aws-sdk/client-rds";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { changeRecords, type DnsRecordValue, readNameRecords, recordTarget } from "../../automation/dns.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runFailback } from "../../automation/journeys/failback.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { diffMotoState } from "../support/moto-state.js";
import { TARGET, useE2eWorld } from "../support/e2e.js";
import { type Connection, query } from "../support/pg.js";

const e2e = useE2eWorld();
const PROD = "api.peoplebooster.example.com";
const SOURCE = "ap-northeast-1";

describe("failback", () => {
  it("brings the outage's writes home by snapshot: secret, service and DNS follow, downtime measured, a killed run resumes", async () => {
    const run = await e2e.seed();
    const events = run.events.events;
    const failedCode = async (promise: Promise<unknown>) =>
      promise.then(
        () => "succeeded",
        (error: { code?: string }) => error.code,
      );

    // No failover yet: refused in preflight, nothing created.
    const seeded = await run.summary();
    expect(await failedCode(runFailback(run.context(), { confirm: PROD, method: "snapshot" }))).toBe(
      "FAILOVER_STACK_NOT_FOUND",
    );
    expect(diffMotoState(seeded, await run.summary())).toEqual({ added: {}, removed: {} });

    const failover = await runFailover(run.context(), { confirm: PROD });
    expect(failover.result).toBe("succeeded");
    const drLoadBalancer = failover.endpoints!.loadBalancer!.toLowerCase();

    // Production pointed away from DR by hand: nothing to bring home, refused with nothing created.
    const zoneId = run.world.hostedZoneId!;
    const onDr = (await readNameRecords(run.aws.route53(), zoneId, PROD)).routing;
    const setRecords = (values: DnsRecordValue[]) =>
      changeRecords(
        run.aws.route53(),
        zoneId,
        values.map((value) => ({ action: "UPSERT" as const, value })),
        "test",
        { timeoutMs: 10_000, initialIntervalMs: 50 },
      );
    await setRecords(
      onDr.map((value) => ({
        name: value.name,
        type: value.type,
        ttl: 60,
        records: [value.type === "A" ? "192.0.2.10" : "2001:db8::10"],
      })),
    );
    const beforeRefusal = await run.summary();
    const refused = await runFailback(run.context(), { confirm: PROD }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "PRODUCTION_NOT_ON_DR" });
    expect(diffMotoState(beforeRefusal, await run.summary())).toEqual({ added: {}, removed: {} });
    await setRecords(onDr); // back on DR, as the failover left it

    // The DR database without backups and a source-region key that does not exist: both listed, nothing created.
    const drDatabase = "peoplebooster-production-dr";
    const setRetention = (days: number) =>
      run.aws.rds(TARGET).send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: drDatabase,
          BackupRetentionPeriod: days,
          ApplyImmediately: true,
        }),
      );
    await setRetention(0);
    // …and stopped: a read replica (the default method) needs an available source.
    await run.aws.rds(TARGET).send(new StopDBInstanceCommand({ DBInstanceIdentifier: drDatabase }));
    const beforeProblems = await run.summary();
    const missingKey = `arn:aws:kms:${SOURCE}:123456789012:key/00000000-0000-0000-0000-000000000000`;
    const problems = (await runFailback(run.context(), { confirm: PROD, sourceKmsKeyId: missingKey }).then(
      () => ({ code: "succeeded", details: [] }),
      (error: unknown) => error,
    )) as { code: string; details: string[] };
    expect(problems.code).toBe("PREFLIGHT_FAILED");
    expect(problems.details).toEqual([
      expect.stringMatching(/keeps no backups \(BackupRetentionPeriod 0\) — turn them on/),
      expect.stringMatching(/is stopped, not available: RDS replicates only an available instance/),
      expect.stringMatching(new RegExp(`${missingKey} is not an enabled key of ${SOURCE} .*--source-kms-key`)),
    ]);
    expect(diffMotoState(beforeProblems, await run.summary())).toEqual({ added: {}, removed: {} });
    await run.aws.rds(TARGET).send(new StartDBInstanceCommand({ DBInstanceIdentifier: drDatabase }));
    await setRetention(7);

    // The outage's writes: a marker row in the DR database, through the DR connection secret.
    const drSecrets = (await run.aws.secrets(TARGET).send(new ListSecretsCommand({}))).SecretList ?? [];
    const drSecret = drSecrets.find((secret) => secret.Name?.startsWith(`${run.plan.secrets.databaseSecretName}/dr-`));
    const held = JSON.parse(
      (await run.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: drSecret!.ARN }))).SecretString!,
    ) as Connection;
    // Its host is the private connection name (it resolves inside the DR VPC only): the instance's address.
    expect(held.host).toBe("db.peoplebooster.dr.internal");
    const drInstance = (
      await run.aws
        .rds(TARGET)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0]!;
    const drConnection = { ...held, host: drInstance.Endpoint!.Address! };
    await query(drConnection, "INSERT INTO users (id) VALUES ($1)", [424242]);
    const drUsers = Number((await query(drConnection, "SELECT count(*) FROM users"))[0][0]);

    const primaryBefore = (
      await run.aws
        .rds(SOURCE)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: run.plan.database.sourceIdentifier }))
    ).DBInstances![0];

    // Killed (Ctrl-C) once the copy is home: the same command resumes, with no second snapshot, copy or instance.
    const abort = new AbortController();
    const interrupted = await runFailback(
      run.context({
        signal: abort.signal,
        emit: (event) => {
          run.events(event);
          if (event.type === "phase-finished" && event.phase === "copy-snapshot") abort.abort();
        },
      }),
      { confirm: PROD, method: "snapshot" },
    ).catch((error: unknown) => error);
    // Where production is, and both ways out: continue, or scale DR back up (DNS still there).
    expect(interrupted).toMatchObject({
      code: "INTERRUPTED",
      hint: expect.stringMatching(
        /still points at ap-northeast-3.*Re-run the same command.*roll back: scale peoplebooster-backend .* back to 2 tasks/,
      ),
    });
    const frozenAt = events.find((event) => event.type === "downtime")!;

    // A downtime budget this run cannot keep: reported as missed, a warning, the failback still succeeds.
    const tight = { ...run.plan, objectives: { ...run.plan.objectives, failbackDowntime: 1_000 } };
    const report = await runFailback(run.context({ plan: tight }), { confirm: PROD, method: "snapshot" });
    expect(report.result).toBe("succeeded");
    expect(report.downtime).toMatchObject({ budgetMs: 1_000, met: false });
    expect(report.warnings).toContainEqual({
      code: "DOWNTIME_BUDGET_MISSED",
      message: expect.stringMatching(/^the failback's downtime \S+ exceeded its budget 0:00:01/),
    });
    expect(report.journey).toBe("failback");
    expect(report.spans.filter((span) => span.kind === "phase").map((span) => [span.name, span.ok])).toEqual([
      ["preflight", true],
      ["write-freeze", true],
      ["final-snapshot", true],
      ["copy-snapshot", true],
      ["restore", true],
      ["data-check", true],
      ["production-secret", true],
      ["production-service", true],
      ["dns", true],
      ["verification", true],
    ]);

    // Writes stopped in DR: its service at 0.
    const drService = (
      await run.aws
        .ecs(TARGET)
        .send(new DescribeServicesCommand({ cluster: "peoplebooster-production", services: ["peoplebooster-backend"] }))
    ).services![0];
    expect(drService.desiredCount).toBe(0);

    // One final snapshot in DR, one copy at home, one new primary: protected, with production's backups.
    const handOver = report.handOver!;
    expect(handOver.instanceIdentifier).toMatch(/^peoplebooster-production-failback-/);
    const finals = (await run.aws.rds(TARGET).send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter(
      (snapshot) => snapshot.DBSnapshotIdentifier?.includes("-failback-"),
    );
    // (The new primary keeps automated backups too: only the manual snapshots are the failback's.)
    const copies = (
      await run.aws.rds(SOURCE).send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }))
    ).DBSnapshots!.filter((snapshot) => snapshot.DBSnapshotIdentifier?.includes("-failback-"));
    expect([finals.length, copies.length]).toEqual([1, 1]);
    // The copy is encrypted with a key of the source region (the DR key does not travel): the old primary's.
    expect(copies[0]).toMatchObject({ Encrypted: true, KmsKeyId: run.world.sourceKeyArn });
    const instances = (await run.aws.rds(SOURCE).send(new DescribeDBInstancesCommand({}))).DBInstances!;
    expect(instances.map((instance) => instance.DBInstanceIdentifier).sort()).toEqual(
      [run.plan.database.sourceIdentifier, handOver.instanceIdentifier].sort(),
    );
    const primary = instances.find((instance) => instance.DBInstanceIdentifier === handOver.instanceIdentifier)!;
    expect(primary).toMatchObject({ DeletionProtection: true, BackupRetentionPeriod: 7 });
    // The old primary is never touched.
    const oldPrimary = instances.find(
      (instance) => instance.DBInstanceIdentifier === run.plan.database.sourceIdentifier,
    )!;
    // (LatestRestorableTime moves with the clock.)
    expect({ ...oldPrimary, LatestRestorableTime: undefined }).toEqual({
      ...primaryBefore,
      LatestRestorableTime: undefined,
    });

    // The production secret points at the new primary, its credentials valid there, and the DR writes are present.
    const production = JSON.parse(
      (await run.aws.secrets(SOURCE).send(new GetSecretValueCommand({ SecretId: run.plan.secrets.databaseSecretName })))
        .SecretString!,
    ) as Connection;
    expect({ host: production.host, port: production.port }).toEqual({
      host: primary.Endpoint!.Address,
      port: primary.Endpoint!.Port,
    });
    expect(await query(production, "SELECT count(*) FROM users WHERE id = 424242")).toEqual([["1"]]);
    expect(report.dataChecks?.find((check) => check.name === "users")).toMatchObject({ value: drUsers, ok: true });

    // Production DNS back on its pre-failover value (both sets), the production service redeployed and steady.
    const back = (await readNameRecords(run.aws.route53(), zoneId, PROD)).routing;
    expect(back.map((value) => [value.type, recordTarget(value)])).toEqual([
      ["A", run.world.productionRecordValue],
      ["AAAA", run.world.productionRecordValue],
    ]);
    expect(back.some((value) => recordTarget(value) === drLoadBalancer)).toBe(false);
    expect(report.verification.map(({ name, ok }) => ({ name, ok }))).toEqual([
      { name: `GET https://${PROD}/health`, ok: true },
      { name: "ECS service peoplebooster-backend", ok: true },
    ]);

    // Downtime: from the first run's write freeze (kept across the kill) to production healthy.
    expect(report.downtime?.startedAt).toBe(frozenAt.type === "downtime" ? frozenAt.startedAt : "");
    expect(report.downtime!.durationMs).toBeGreaterThan(0);
    expect(Date.parse(report.downtime!.endedAt!) - Date.parse(report.downtime!.startedAt)).toBe(
      report.downtime!.durationMs,
    );
    expect(handOver.importCommands).toEqual([
      `pulumi import aws:rds/instance:Instance production-database ${handOver.instanceIdentifier}`,
      `terraform import aws_db_instance.production ${handOver.instanceIdentifier}`,
    ]);
    const markdown = await readFile(join(run.stateDir, "runs", report.runId, "report.md"), "utf8");
    expect(markdown).toMatch(/\| Downtime \| ❌ \S+ of 0:00:01 /);
    expect(markdown).toContain(handOver.importCommands[0]);
    const html = await readFile(join(run.stateDir, "runs", report.runId, "report.html"), "utf8");
    expect(html).toContain('id="downtime-card"');
    expect(html).toContain("terraform import aws_db_instance.production");
    // No password in anything written.
    for (const text of [markdown, html, await readFile(join(run.stateDir, "journal.ndjson"), "utf8")]) {
      expect(text).not.toContain(production.password);
      expect(text).not.toContain(drConnection.password);
    }

    // Run again: already done, nothing created, the same downtime reported.
    const snapshotsBefore = await run.summary();
    const again = await runFailback(run.context({ plan: tight }), { confirm: PROD });
    expect(again.result).toBe("succeeded");
    expect(again.downtime).toEqual(report.downtime);
    expect(again.handOver?.instanceIdentifier).toBe(handOver.instanceIdentifier);
    expect(again.spans.filter((span) => span.kind === "phase").map((span) => span.name)).toEqual(["preflight"]);
    expect(diffMotoState(snapshotsBefore, await run.summary())).toEqual({ added: {}, removed: {} });

    // Destroy after the failback: production is not on DR any more; the DR stack goes, the new primary stays.
    const destroyed = await runDestroy(run.context());
    expect(destroyed.result).toBe("succeeded");
    expect(await run.stacks()).toEqual([]);
    const after = (
      await run.aws
        .rds(SOURCE)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: handOver.instanceIdentifier }))
    ).DBInstances![0];
    expect(after.DeletionProtection).toBe(true);
  }, 300_000);

  it("brings the outage's writes home by a read replica: prepared ahead, promoted once at the cutover, handed over", async () => {
    const run = await e2e.seed();
    const failover = await runFailover(run.context(), { confirm: PROD });
    expect(failover.result).toBe("succeeded");
    const drLoadBalancer = failover.endpoints!.loadBalancer!.toLowerCase();
    const drDatabase = (
      await run.aws
        .rds(TARGET)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0]!;
    const primaryBefore = (
      await run.aws
        .rds(SOURCE)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: run.plan.database.sourceIdentifier }))
    ).DBInstances![0]!;

    // The outage's writes, through the DR connection secret.
    const drSecrets = (await run.aws.secrets(TARGET).send(new ListSecretsCommand({}))).SecretList ?? [];
    const drSecret = drSecrets.find((secret) => secret.Name?.startsWith(`${run.plan.secrets.databaseSecretName}/dr-`));
    // Its host, the private connection name, resolves inside the DR VPC only: the instance's address.
    const drConnection = {
      ...(JSON.parse(
        (await run.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: drSecret!.ARN }))).SecretString!,
      ) as Connection),
      host: drDatabase.Endpoint!.Address!,
    };
    await query(drConnection, "INSERT INTO users (id) VALUES ($1)", [515151]);

    // --prepare-only: the replica in the source region, no downtime (DR keeps serving, DNS stays).
    const prepared = await runFailback(run.context(), { confirm: PROD, prepareOnly: true });
    expect(prepared.result).toBe("succeeded");
    expect(prepared.spans.filter((span) => span.kind === "phase").map((span) => span.name)).toEqual([
      "preflight",
      "prepare-replica",
    ]);
    expect(prepared.downtime).toBeUndefined();
    const replicasOf = async () =>
      (await run.aws.rds(SOURCE).send(new DescribeDBInstancesCommand({}))).DBInstances!.filter((instance) =>
        instance.DBInstanceIdentifier?.includes("-failback-"),
      );
    const [replica, ...more] = await replicasOf();
    expect(more).toEqual([]);
    // Replicating the DR database by its ARN, on the old primary's network, with a key of the source region.
    expect(replica).toMatchObject({
      ReadReplicaSourceDBInstanceIdentifier: drDatabase.DBInstanceArn,
      DeletionProtection: true,
      StorageEncrypted: true,
      KmsKeyId: run.world.sourceKeyArn,
      DBSubnetGroup: { DBSubnetGroupName: primaryBefore.DBSubnetGroup?.DBSubnetGroupName },
    });
    expect((await run.stacks()).sort()).toEqual(
      ["peoplebooster-failback-ap-northeast-1", `peoplebooster-failover-${TARGET}`].sort(),
    );
    const drServiceCount = async () =>
      (
        await run.aws
          .ecs(TARGET)
          .send(
            new DescribeServicesCommand({ cluster: "peoplebooster-production", services: ["peoplebooster-backend"] }),
          )
      ).services![0]!.desiredCount;
    expect(await drServiceCount()).toBe(2);
    expect(
      (await readNameRecords(run.aws.route53(), run.world.hostedZoneId!, PROD)).routing.every(
        (value) => recordTarget(value) === drLoadBalancer,
      ),
    ).toBe(true);
    // Prepared again: nothing new (the same replica, no second one).
    const preparedAgain = await runFailback(run.context(), { confirm: PROD, prepareOnly: true });
    expect(preparedAgain.result).toBe("succeeded");
    expect((await replicasOf()).map((instance) => instance.DBInstanceIdentifier)).toEqual([
      replica!.DBInstanceIdentifier,
    ]);

    // Production keeps writing in DR after the prepare: those rows travel too.
    await query(drConnection, "INSERT INTO users (id) VALUES ($1)", [515152]);
    const drUsers = Number((await query(drConnection, "SELECT count(*) FROM users"))[0]![0]);

    // The cutover killed after the replica caught up, and the replica promoted just before the kill
    // (AWS did it, the state never heard): the resumed run must not promote it again.
    const abort = new AbortController();
    const interrupted = await runFailback(
      run.context({
        signal: abort.signal,
        emit: (event) => {
          run.events(event);
          if (event.type === "phase-finished" && event.phase === "catch-up") abort.abort();
        },
      }),
      { confirm: PROD },
    ).catch((error: unknown) => error);
    expect(interrupted).toMatchObject({ code: "INTERRUPTED" });
    await run.aws.rds(SOURCE).send(
      new PromoteReadReplicaCommand({
        DBInstanceIdentifier: replica!.DBInstanceIdentifier,
        BackupRetentionPeriod: 7,
      }),
    );

    const resumed: string[] = [];
    const report = await runFailback(
      run.context({
        emit: (event) => {
          run.events(event);
          if (event.type === "info") resumed.push(event.message);
        },
      }),
      { confirm: PROD },
    );
    expect(report.result).toBe("succeeded");
    expect(resumed).toContain(`${replica!.DBInstanceIdentifier} is promoted already: not promoting it again`);
    expect(report.spans.filter((span) => span.kind === "phase").map((span) => [span.name, span.ok])).toEqual([
      ["preflight", true],
      ["prepare-replica", true],
      ["write-freeze", true],
      ["catch-up", true],
      ["promote", true],
      ["data-check", true],
      ["production-secret", true],
      ["production-service", true],
      ["dns", true],
      ["verification", true],
      ["hand-over", true],
    ]);
    expect(await drServiceCount()).toBe(0);

    // Exactly one new primary, promoted, protected, with production's backups; the old primary untouched.
    const [primary, ...others] = await replicasOf();
    expect(others).toEqual([]);
    expect(primary!.DBInstanceIdentifier).toBe(replica!.DBInstanceIdentifier);
    expect(primary!.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(primary).toMatchObject({ DeletionProtection: true, BackupRetentionPeriod: 7 });
    const oldPrimary = (
      await run.aws
        .rds(SOURCE)
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: run.plan.database.sourceIdentifier }))
    ).DBInstances![0]!;
    expect({ ...oldPrimary, LatestRestorableTime: undefined }).toEqual({
      ...primaryBefore,
      LatestRestorableTime: undefined,
    });

    // The production secret on the new primary, its password valid there, every DR write present.
    const production = JSON.parse(
      (await run.aws.secrets(SOURCE).send(new GetSecretValueCommand({ SecretId: run.plan.secrets.databaseSecretName })))
        .SecretString!,
    ) as Connection;
    expect({ host: production.host, port: production.port }).toEqual({
      host: primary!.Endpoint!.Address,
      port: primary!.Endpoint!.Port,
    });
    expect(await query(production, "SELECT count(*) FROM users WHERE id IN (515151, 515152)")).toEqual([["2"]]);
    expect(report.dataChecks?.find((check) => check.name === "users")).toMatchObject({ value: drUsers, ok: true });
    // The new primary is a copy of its own: a write to the DR database after the promotion stays there.
    await query(drConnection, "INSERT INTO users (id) VALUES ($1)", [515153]);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // more than the emulator's replication second
    expect(await query(production, "SELECT count(*) FROM users WHERE id = 515153")).toEqual([["0"]]);
    const back = (await readNameRecords(run.aws.route53(), run.world.hostedZoneId!, PROD)).routing;
    expect(back.map((value) => recordTarget(value))).toEqual([
      run.world.productionRecordValue,
      run.world.productionRecordValue,
    ]);
    expect(report.downtime!.durationMs).toBeGreaterThan(0);

    // Handed over: the failback stack is gone, the instance stays, and the report says how to adopt it.
    expect(await run.stacks()).toEqual([`peoplebooster-failover-${TARGET}`]);
    expect(report.handOver).toMatchObject({
      method: "replica",
      instanceIdentifier: primary!.DBInstanceIdentifier,
      importCommands: [
        `pulumi import aws:rds/instance:Instance production-database ${primary!.DBInstanceIdentifier}`,
        `terraform import aws_db_instance.production ${primary!.DBInstanceIdentifier}`,
      ],
    });

    // Run again: already done and handed over, nothing created or promoted.
    const settled = await run.summary();
    const again = await runFailback(run.context(), { confirm: PROD });
    expect(again.spans.filter((span) => span.kind === "phase").map((span) => span.name)).toEqual(["preflight"]);
    expect(again.downtime).toEqual(report.downtime);
    expect(diffMotoState(settled, await run.summary())).toEqual({ added: {}, removed: {} });

    // The DR stack then goes, behind its final snapshot; the new primary stays.
    const destroyed = await runDestroy(run.context());
    expect(destroyed.result).toBe("succeeded");
    expect(await run.stacks()).toEqual([]);
    const finals = (
      await run.aws.rds(TARGET).send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }))
    ).DBSnapshots!.filter((snapshot) =>
      snapshot.DBSnapshotIdentifier?.startsWith("peoplebooster-production-dr-final-"),
    );
    expect(finals).toHaveLength(1);
    const after = (await replicasOf())[0]!;
    expect(after).toMatchObject({ DBInstanceIdentifier: primary!.DBInstanceIdentifier, DeletionProtection: true });
  }, 300_000);
});
