/**
 * The failover and its destroy end-to-end: real Pulumi engine (CLI built from
 * Go modules), the stand-in aws plugin, moto. What they leave behind in moto is
 * compared with what the seeded world held before. The production name is
 * dual-stack (alias A + alias AAAA), and Route53 changes stay PENDING for a
 * while, as in AWS (moto marks them INSYNC at once). Budget and refusals:
 * failover-safety.test.ts; other production record shapes: failover-dns.test.ts.
 */
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand, DescribeEventsCommand } from "@aws-sdk/client-rds";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { DescribeReplicationGroupsCommand } from "@aws-sdk/client-elasticache";
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { get } from "node:http";
import { describe, expect, it } from "vitest";
import { AwsClients } from "../../automation/aws.js";
import { readNameRecords, readRecord, recordTarget } from "../../automation/dns.js";
import type { RefusedError } from "../../automation/errors.js";
import type { DrEvent } from "../../automation/events.js";
import { runDestroy } from "../../automation/journeys/destroy.js";
import { runFailover } from "../../automation/journeys/failover.js";
import { runPreview } from "../../automation/journeys/preview.js";
import { renderHtml } from "../../automation/report/html.js";
import { getStatus } from "../../automation/status.js";
import { countingPulumiRoot } from "../support/pulumi-shim.js";
import { startLatencyProxy } from "../support/latency-proxy.js";
import { diffMotoState } from "../support/moto-state.js";
import { serviceEnvironment, TARGET, useE2eWorld } from "../support/e2e.js";

// The target groups' health checks (interval × healthy threshold, 30 s) at the stand-in's latency scale:
// a target turns healthy 30 ms after the database its tasks connect to answers (moto-server.py).
const e2e = useE2eWorld({ motoEnv: { DR_STANDIN_LATENCY_SCALE: "0.001" } });

/** The failover's load balancer in the target region. */
async function drLoadBalancerArn(run: Awaited<ReturnType<typeof e2e.seed>>): Promise<string> {
  const found = await run.aws.elbv2(TARGET).send(new DescribeLoadBalancersCommand({ Names: ["peoplebooster-dr"] }));
  return found.LoadBalancers![0]!.LoadBalancerArn!;
}

const PROD = "api.peoplebooster.example.com";

describe("failover and destroy", () => {
  it("switches production DNS (A and AAAA), survives a re-run without replacing the database, and destroy restores everything", async () => {
    // The cache from an ElastiCache snapshot already in the target region (the drill test: from an .rdb).
    const run = await e2e.seed(undefined, (plan) => {
      plan.cache!.backup.source = "snapshot";
      plan.targets[TARGET].cache!.backup.snapshotName = "peoplebooster-redis-dr-check";
      return plan;
    });
    // The copies are encrypted with a key of the target region, and the plan names no key: the
    // restored instance inherits it, and no later `up` may replace the instance over it.
    expect(run.plan.targets[TARGET].database.kmsKeyId).toBeUndefined();
    expect(run.world.snapshotKeyArn).toBeDefined();
    const seeded = await run.summary();
    // Route53 as in AWS: every change PENDING for a while; the journeys must poll GetChange until INSYNC.
    const proxy = await startLatencyProxy(run.motoEndpoint, { insyncMs: 1_500 });
    const aws = new AwsClients({ endpoint: proxy.endpoint });
    const context = () => run.context({ aws, dnsPollIntervalMs: 250 });
    const productionSets = async () =>
      (
        await run.aws
          .route53()
          .send(new ListResourceRecordSetsCommand({ HostedZoneId: run.world.hostedZoneId, MaxItems: 1000 }))
      ).ResourceRecordSets?.filter((set) => set.Name === `${PROD}.`);
    const productionBefore = await productionSets();
    expect(productionBefore?.map((set) => set.Type)).toEqual(["A", "AAAA"]);
    const rds = run.aws.rds(TARGET);
    // The replica bucket is bound, never written: every object version is the same after all three journeys.
    const versions = async () =>
      (await run.aws.s3(TARGET).send(new ListObjectVersionsCommand({ Bucket: run.world.replicaBucket }))).Versions?.map(
        (v) => `${v.Key}@${v.VersionId}:${v.ETag}`,
      ).sort();
    const versionsBefore = await versions();
    expect(versionsBefore?.length).toBeGreaterThan(0);

    const preview = await runPreview(run.context());
    expect(preview.changeSummary.create).toBeGreaterThan(10);
    expect(preview.stackExists).toBe(false);
    expect(preview.changes).toContainEqual({ op: "create", type: "aws:rds/instance:Instance", name: "database" });
    expect(preview.changes.length).toBeGreaterThan(10);
    expect(preview.changes.every((change) => change.op === "create" && change.type.startsWith("aws:"))).toBe(true);
    expect(diffMotoState(seeded, await run.summary())).toEqual({ added: {}, removed: {} });
    expect(await run.stacks()).toEqual([]);

    // The restore takes 6 s (modeled, scale 0.001), the rest of the stack its modeled latencies at the
    // same scale. While it runs, once the ECS service is steady: its targets and the app's answer
    // through the DR load balancer are unhealthy (the database does not answer yet).
    const latency = {
      DR_STANDIN_LATENCY_SCALE: "0.001",
      DR_STANDIN_LATENCY_MODEL: JSON.stringify({ "aws:rds/instance:Instance": { create: 6_000 } }),
    };
    let databaseDone = false;
    let whileRestoring: Promise<{ targets: string[]; app: number }> | undefined;
    const probeDrApp = async () => {
      const elbv2 = run.aws.elbv2(TARGET);
      const group = (await elbv2.send(new DescribeTargetGroupsCommand({ Names: ["peoplebooster-dr-tg"] })))
        .TargetGroups![0]!;
      const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: group.TargetGroupArn }));
      const lbName = (await elbv2.send(new DescribeLoadBalancersCommand({ Names: ["peoplebooster-dr"] })))
        .LoadBalancers![0]!.DNSName!;
      // The app stand-in's plain server, asked for the load balancer's name (what its HTTPS listener forwards).
      const app = await new Promise<number>((resolve, reject) => {
        const path = run.plan.service.healthCheckPath;
        get({ host: "127.0.0.1", port: run.app.port, path, headers: { host: lbName } }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on("error", reject);
      });
      return {
        targets: (health.TargetHealthDescriptions ?? []).map((target) => target.TargetHealth!.State!),
        app,
      };
    };
    const emit = (event: DrEvent) => {
      run.events(event);
      if (event.type !== "resource" || event.status !== "done") return;
      if (event.resourceType === "aws:rds/instance:Instance") databaseDone = true;
      if (event.resourceType === "aws:ecs/service:Service" && !databaseDone) whileRestoring ??= probeDrApp();
    };
    Object.assign(process.env, latency);
    let first: Awaited<ReturnType<typeof runFailover>>;
    try {
      first = await runFailover(run.context({ aws, dnsPollIntervalMs: 250, emit }), { confirm: PROD });
    } finally {
      for (const key of Object.keys(latency)) delete process.env[key];
    }
    expect(first.result).toBe("succeeded");
    // The app tier is off the database's path: the load balancer and the ECS service (steady) were done
    // before the restore was, per the engine's events; the service waited for the cache only.
    const ended = (type: string) => {
      const span = first.spans.find((found) => found.kind === "resource" && found.resourceType === type)!;
      return span.offsetMs + (span.durationMs ?? 0);
    };
    const restoreEnded = ended("aws:rds/instance:Instance");
    expect(ended("aws:ecs/service:Service")).toBeLessThan(restoreEnded);
    expect(ended("aws:lb/loadBalancer:LoadBalancer")).toBeLessThan(restoreEnded);
    expect(ended("aws:lb/listener:Listener")).toBeLessThan(restoreEnded);
    // The report's Gantt shows it: the service's bar runs beside the restore's, and ends before it.
    const html = renderHtml(first);
    const bar = (name: string) => {
      const [, x, width] = new RegExp(
        `<rect x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)"[^>]*data-kind="resource" data-name="${name}"`,
      ).exec(html)!;
      return { start: Number(x), end: Number(x) + Number(width) };
    };
    expect(bar("service").start).toBeLessThan(bar("database").end);
    expect(bar("service").end).toBeLessThan(bar("database").end);
    // Meanwhile nothing answered healthy: the targets' health checks fail until the database answers.
    expect(await whileRestoring).toEqual({ targets: ["unhealthy", "unhealthy"], app: 503 });
    // Then, with the database: the targets healthy before production DNS moved, and the app answers healthy.
    expect(first.readiness?.map(({ step, ok }) => ({ step, ok }))).toEqual([
      { step: "database", ok: true },
      { step: "service", ok: true },
      { step: "targets", ok: true },
    ]);
    // HTTPS through the production name, the certificate verified for it; plain HTTP only redirects.
    expect(first.verification.map(({ name, ok }) => ({ name, ok }))).toEqual([
      { name: `GET https://${PROD}/health`, ok: true },
      { name: `GET http://${PROD}/health redirects to HTTPS`, ok: true },
      { name: "ECS service peoplebooster-backend", ok: true },
    ]);
    const listeners = (
      await run.aws.elbv2(TARGET).send(new DescribeListenersCommand({ LoadBalancerArn: await drLoadBalancerArn(run) }))
    ).Listeners!.sort((a, b) => a.Port! - b.Port!);
    expect(listeners).toMatchObject([
      {
        Port: 80,
        Protocol: "HTTP",
        DefaultActions: [
          { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } },
        ],
      },
      {
        Port: 443,
        Protocol: "HTTPS",
        SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates: [{ CertificateArn: run.world.certificateArn }],
        DefaultActions: [{ Type: "forward" }],
      },
    ]);
    expect(first.dns).toMatchObject({ record: PROD, previous: run.world.productionRecordValue });
    // Both address families now resolve to the DR load balancer, which is dual-stack so that the AAAA answers.
    const lb = (await run.aws.elbv2(TARGET).send(new DescribeLoadBalancersCommand({}))).LoadBalancers![0];
    expect(lb.IpAddressType).toBe("dualstack");
    const switched = await readNameRecords(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(switched.routing.map((set) => [set.type, recordTarget(set), set.alias?.hostedZoneId])).toEqual([
      ["A", first.endpoints?.loadBalancer?.toLowerCase(), lb.CanonicalHostedZoneId],
      ["AAAA", first.endpoints?.loadBalancer?.toLowerCase(), lb.CanonicalHostedZoneId],
    ]);
    // The stack's connection-name record (in the DR VPC's private zone), then the switch:
    // one batch, answered PENDING and polled until INSYNC.
    expect(proxy.changeLog).toHaveLength(2);
    expect(proxy.changeLog[1].pendingAnswers).toBeGreaterThanOrEqual(2);
    expect(first.rto?.dnsTtlSeconds).toBe(run.plan.dns.ttl);
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" })))
      .DBInstances![0];
    expect(db.DeletionProtection).toBe(true);
    // The primary after the switch keeps production's backups (the reference plan: 7 days, 03:00–04:00 JST).
    expect({ retention: db.BackupRetentionPeriod, window: db.PreferredBackupWindow }).toEqual({
      retention: 7,
      window: "18:00-19:00",
    });
    expect(db).toMatchObject({ StorageEncrypted: true, KmsKeyId: run.world.snapshotKeyArn, MasterUsername: "pbadmin" });
    // The connection secret names the snapshot's master user, read back from the instance.
    const secrets = (await run.aws.secrets(TARGET).send(new ListSecretsCommand({}))).SecretList ?? [];
    const drSecret = secrets.find((secret) => secret.Name?.startsWith(`${run.plan.secrets.databaseSecretName}/dr-`));
    const connection = JSON.parse(
      (await run.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: drSecret!.ARN }))).SecretString!,
    );
    expect(connection).toMatchObject({ username: "pbadmin", port: 5432, engine: "postgres" });
    // The cache: restored from the snapshot, primary + replica, its endpoint in the service's environment.
    const cacheGroup = async () =>
      (
        await run.aws
          .elasticache(TARGET)
          .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: "peoplebooster-production-redis-dr" }))
      ).ReplicationGroups![0];
    const group = await cacheGroup();
    expect(group).toMatchObject({ Status: "available", MemberClusters: [expect.any(String), expect.any(String)] });
    expect(first.cache).toMatchObject({ source: "snapshot", backup: "peoplebooster-redis-dr-check" });
    const primary = group.NodeGroups![0].PrimaryEndpoint!;
    expect(first.endpoints?.cache).toBe(`${primary.Address}:${primary.Port}`);
    const environment = await serviceEnvironment(run.aws, "peoplebooster-backend-dr-");
    expect(`${environment.REDIS_HOST}:${environment.REDIS_PORT}`).toBe(first.endpoints?.cache);

    // status: one `stack ls` (and the once-per-process `version`), the outputs read from the checkpoint.
    const pulumi = await countingPulumiRoot(process.env.DR_FAILOVER_PULUMI_ROOT!);
    const status = await getStatus({
      workspace: { ...run.context().workspace, pulumiRoot: pulumi.root, requireSecrets: false },
      plan: run.plan,
    });
    expect(status).toEqual([
      expect.objectContaining({ stackName: "peoplebooster-failover-ap-northeast-3", mode: "failover" }),
    ]);
    expect(status[0].endpoints).toEqual(first.endpoints);
    expect((await pulumi.calls()).map((call) => call.split(" --")[0])).toEqual(["version", "stack ls"]);
    await pulumi.remove();

    // A second failover (e.g. after a crash, or with a newer snapshot) changes nothing and keeps the database.
    const second = await runFailover(context(), { confirm: PROD });
    expect(second.result).toBe("succeeded");
    expect(second.dns?.previous).toBe(run.world.productionRecordValue);
    expect(second.spans.filter((span) => span.kind === "resource")).toEqual([]);
    const dbAgain = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0];
    expect(dbAgain.InstanceCreateTime).toEqual(db.InstanceCreateTime);
    expect(dbAgain.DbiResourceId).toBe(db.DbiResourceId);
    expect((await cacheGroup()).ARN).toBe(group.ARN);

    // Production still serves from DR: a plain destroy would send it back to the old primary and leave the
    // outage's writes behind. Refused, nothing touched; the operator gives them up explicitly (or fails back).
    const refused = await runDestroy(context()).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "DR_WRITES_NOT_HOME", exitCode: 6 });
    expect((refused as Error).message).toContain(`${PROD} still serves from this DR stack`);
    expect((refused as RefusedError).hint).toMatch(
      /failback -p <plan> -r ap-northeast-3 --confirm .*--strand-dr-writes: they then survive only in the final snapshot peoplebooster-production-dr-final-/,
    );
    expect(recordTarget(await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD))).toMatch(/elb/);
    expect(await run.stacks()).toEqual(["peoplebooster-failover-ap-northeast-3"]);

    const destroyed = await runDestroy(context(), { strandDrWrites: true });
    expect(destroyed.warnings.map((warning) => warning.code)).toContain("DR_WRITES_STRANDED");
    expect(destroyed.result).toBe("succeeded");
    const restored = await readRecord(run.aws.route53(), run.world.hostedZoneId!, PROD);
    expect(recordTarget(restored)).toBe(run.world.productionRecordValue);
    // Each set exactly as it was (alias zone and target health included), after a restore that was PENDING too.
    expect(await productionSets()).toEqual(productionBefore);
    // The connection record's create, the switch, the record's delete and the restore: each polled until INSYNC.
    expect(proxy.changeLog.map((change) => change.pendingAnswers >= 2)).toEqual([true, true, true, true]);
    aws.destroy();
    await proxy.stop();
    const finals = (await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter((snapshot) =>
      snapshot.DBSnapshotIdentifier?.startsWith("peoplebooster-production-dr-final-"),
    );
    expect(finals).toHaveLength(1);
    expect(finals[0]).toMatchObject({ Encrypted: true, KmsKeyId: run.world.snapshotKeyArn });
    expect(await run.stacks()).toEqual([]);
    const diff = diffMotoState(seeded, await run.summary());
    expect(diff.removed).toEqual({});
    // What a failover leaves on purpose: the final snapshots (database and cache), and its secret in its 7-day recovery window.
    expect(diff.added).toEqual({
      [`elasticache/${TARGET}/snapshots`]: [
        expect.stringMatching(/^peoplebooster-production-redis-dr-final-[0-9a-f]{4}$/),
      ],
      [`rds/${TARGET}/snapshots`]: [finals[0].DBSnapshotIdentifier],
      [`secretsmanager/${TARGET}/secrets`]: [
        expect.stringMatching(
          /^peoplebooster\/production\/database\/dr-failover-[0-9a-f]{4} \(scheduled for deletion\)$/,
        ),
      ],
    });
    expect(await versions()).toEqual(versionsBefore);
    // Preview, two failovers and a destroy: four engine runs (each with crash-recovery checks) on a shared 2-core box.
  }, 240_000);

  it("fails over to a point in time (--restore-time), keeps that database on a re-run, and destroy takes its final snapshot", async () => {
    const run = await e2e.seed();
    const rds = run.aws.rds(TARGET);
    // Inside the replicated backups' window (a day back to 5 minutes ago): e.g. just before a bad deploy.
    const restoreTime = new Date(Date.now() - 30 * 60_000);
    restoreTime.setMilliseconds(0);
    const first = await runFailover(run.context(), { confirm: PROD, restoreTime: restoreTime.toISOString() });
    expect(first.result).toBe("succeeded");
    expect(first.rpo).toMatchObject({
      source: "point-in-time",
      automatedBackupsArn: run.world.automatedBackupsArn,
      restorePoint: restoreTime.toISOString(),
      met: true,
    });
    // RPO = incident start − restore time: half an hour, in minutes.
    expect(first.rpo!.dataLossWindowMs).toBeGreaterThanOrEqual(30 * 60_000);
    expect(first.rpo!.dataLossWindowMs).toBeLessThan(32 * 60_000);
    const db = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" })))
      .DBInstances![0];
    // Encrypted with the replicated backups' key; protected; production's backups, set by the driver after the restore.
    expect(db).toMatchObject({
      StorageEncrypted: true,
      KmsKeyId: run.world.snapshotKeyArn,
      DeletionProtection: true,
      BackupRetentionPeriod: 7,
      PreferredBackupWindow: "18:00-19:00",
    });
    const events = await rds.send(
      new DescribeEventsCommand({ SourceIdentifier: "peoplebooster-production-dr", SourceType: "db-instance" }),
    );
    expect(events.Events?.some((event) => /reset master credentials/i.test(event.Message ?? ""))).toBe(true);

    // A re-run (latest restorable time now) neither restores again nor replaces the database.
    const second = await runFailover(run.context(), { confirm: PROD });
    expect(second.result).toBe("succeeded");
    expect(second.spans.filter((span) => span.kind === "resource")).toEqual([]);
    const dbAgain = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "peoplebooster-production-dr" }))
    ).DBInstances![0];
    expect(dbAgain.InstanceCreateTime).toEqual(db.InstanceCreateTime);

    const destroyed = await runDestroy(run.context(), { strandDrWrites: true });
    expect(destroyed.result).toBe("succeeded");
    const finals = (await rds.send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter((snapshot) =>
      snapshot.DBSnapshotIdentifier?.startsWith("peoplebooster-production-dr-final-"),
    );
    expect(finals).toHaveLength(1);
    expect(await run.stacks()).toEqual([]);
  }, 240_000);

  it("refuses a failover without the confirmation, before anything is created", async () => {
    const run = await e2e.seed();
    const before = await run.summary();
    await expect(runFailover(run.context(), {})).rejects.toMatchObject({ code: "CONFIRM_REQUIRED" });
    await expect(runFailover(run.context(), { confirm: "drill-api.peoplebooster.example.com" })).rejects.toMatchObject({
      code: "CONFIRM_MISMATCH",
    });
    expect(diffMotoState(before, await run.summary())).toEqual({ added: {}, removed: {} });
  });

  it("destroy of a stack that does not exist says so", async () => {
    const run = await e2e.seed();
    await expect(runDestroy(run.context())).rejects.toMatchObject({ code: "STACK_NOT_FOUND" });
  });
});
