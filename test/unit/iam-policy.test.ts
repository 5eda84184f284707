/**
 * The least-privilege policy of each journey (automation/iam-policy.ts):
 * valid policy JSON, scoped to the plan's target region(s) and names, the
 * failover path never naming the source region nor deleting the database.
 */
import { describe, expect, it } from "vitest";
import { iamPolicyFor, type IamPolicyDocument, type PolicyStatement } from "../../automation/iam-policy.js";
import { loadPlan } from "../../automation/plan.js";
import { stackResourceNamesFor } from "../../automation/run/stack-args.js";
import { runCli } from "../support/cli.js";

const TARGET = "ap-northeast-3";
const plan = await loadPlan("examples/peoplebooster.yaml");

const actions = (policy: IamPolicyDocument) => policy.Statement.flatMap((statement) => statement.Action);
const granting = (policy: IamPolicyDocument, action: string) =>
  policy.Statement.filter((statement) => statement.Action.includes(action));
const regionsOf = (statement: PolicyStatement) => [
  ...statement.Resource.map((arn) => arn.split(":")[3]).filter(Boolean),
  ...[statement.Condition?.StringEquals?.["aws:RequestedRegion"] ?? []].flat(),
];

describe("iam-policy", () => {
  it("is a well-formed policy document for every journey", () => {
    for (const journey of ["drill", "failover", "destroy", "all"] as const) {
      const policy = JSON.parse(
        JSON.stringify(iamPolicyFor(plan, { journey, targetRegions: [TARGET] })),
      ) as IamPolicyDocument;
      expect(policy.Version).toBe("2012-10-17");
      expect(policy.Statement.length).toBeGreaterThan(3);
      const sids = policy.Statement.map((statement) => statement.Sid);
      expect(new Set(sids).size, "Sids are unique").toBe(sids.length);
      for (const statement of policy.Statement) {
        expect(statement.Sid).toMatch(/^[A-Za-z0-9]+$/);
        expect(statement.Effect).toBe("Allow");
        expect(statement.Action.length).toBeGreaterThan(0);
        for (const action of statement.Action) expect(action).toMatch(/^[a-z0-9-]+:[A-Za-z*]+$/);
        for (const resource of statement.Resource)
          expect(resource === "*" || resource.startsWith("arn:aws:")).toBe(true);
        // No wildcard action, no "*" resource without a region (or a global-only call).
        expect(statement.Action.some((action) => action.endsWith(":*") || action === "*")).toBe(false);
      }
    }
  });

  it("lets preflight check the image, the replica's versioning and the replication rule; a drill read earlier object versions", () => {
    const failover = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    const drill = iamPolicyFor(plan, { journey: "drill", targetRegions: [TARGET] });
    const replica = `arn:aws:s3:::${plan.targets[TARGET].storage.replicaBucket}`;
    for (const policy of [failover, drill]) {
      expect(granting(policy, "ecr:DescribeImages").map((statement) => statement.Resource)).toEqual([
        [`arn:aws:ecr:${TARGET}:123456789012:repository/peoplebooster-backend`],
      ]);
      expect(granting(policy, "s3:GetBucketVersioning")[0].Resource).toEqual([replica]);
    }
    // The source bucket's replication rule: a drill's (and check's) read, never a failover's.
    expect(granting(drill, "s3:GetReplicationConfiguration")[0].Resource).toEqual([
      "arn:aws:s3:::peoplebooster-production-assets",
    ]);
    expect(actions(failover)).not.toContain("s3:GetReplicationConfiguration");
    // The runbook's restore from S3 versions is the drill's, read-only.
    expect(granting(drill, "s3:ListBucketVersions")[0].Resource).toEqual([replica]);
    expect(granting(drill, "s3:GetObjectVersion")[0].Resource).toEqual([`${replica}/*`]);
    expect(actions(failover)).not.toContain("s3:GetObjectVersion");
    expect(actions(drill).filter((action) => action.startsWith("s3:Put") || action.startsWith("s3:Delete"))).toEqual(
      [],
    );
  });

  it("lets the failover restore the snapshot copy in the target region only", () => {
    const policy = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    const restore = granting(policy, "rds:RestoreDBInstanceFromDBSnapshot");
    expect(restore).toHaveLength(1);
    expect(restore[0].Resource).toContain(`arn:aws:rds:${TARGET}:*:db:${plan.database.sourceIdentifier}-*`);
    expect(restore[0].Resource.every((arn) => arn.split(":")[3] === TARGET)).toBe(true);
  });

  it("lets preflight describe the snapshot's KMS key and RDS use it, in the target region (the plan's key when named)", () => {
    const policy = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    const [describe, restore] = [granting(policy, "kms:DescribeKey"), granting(policy, "kms:Decrypt")];
    expect(describe.map((statement) => statement.Sid)).toEqual(["SnapshotKeyCheck", "RestoreEncryptedSnapshot"]);
    expect(describe[0].Resource).toEqual([`arn:aws:kms:${TARGET}:*:key/*`]);
    expect(restore[0].Condition?.StringLike?.["kms:ViaService"]).toEqual([`rds.${TARGET}.amazonaws.com`]);
    const key = `arn:aws:kms:${TARGET}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const keyed = structuredClone(plan);
    keyed.targets[TARGET].database.kmsKeyId = key;
    const scoped = iamPolicyFor(keyed, { journey: "failover", targetRegions: [TARGET] });
    for (const statement of granting(scoped, "kms:DescribeKey")) expect(statement.Resource).toEqual([key]);
  });

  it("never names the source region for a failover (nor for a drill)", () => {
    for (const journey of ["failover", "drill"] as const) {
      const policy = iamPolicyFor(plan, { journey });
      expect(JSON.stringify(policy)).not.toContain(plan.sourceRegion);
      for (const statement of policy.Statement) {
        for (const region of regionsOf(statement)) expect(Object.keys(plan.targets)).toContain(region);
      }
    }
  });

  it("lets a same-region recovery name production's instance for a point-in-time restore, and nothing more", () => {
    const sameRegion = structuredClone(plan);
    sameRegion.targets[plan.sourceRegion] = structuredClone(plan.targets[TARGET]);
    const policy = iamPolicyFor(sameRegion, { journey: "failover", targetRegions: [plan.sourceRegion] });
    const production = `arn:aws:rds:${plan.sourceRegion}:*:db:${plan.database.sourceIdentifier}`;
    const naming = policy.Statement.filter((statement) => statement.Resource.includes(production));
    expect(naming.map(({ Sid, Action }) => ({ Sid, Action }))).toEqual([
      { Sid: "RestoreFromProductionBackups", Action: ["rds:RestoreDBInstanceToPointInTime"] },
    ]);
    // The recovery's own instance (…-recovery) is covered by the usual pattern; production matches no other.
    const restore = granting(policy, "rds:ModifyDBInstance");
    expect(restore[0].Resource).toContain(`arn:aws:rds:${plan.sourceRegion}:*:db:${plan.database.sourceIdentifier}-*`);
  });

  it("lets preflight find and check the certificate in the target region only, and the provider manage listeners", () => {
    const policy = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    const list = granting(policy, "acm:ListCertificates");
    expect(list).toHaveLength(1);
    expect(list[0].Condition?.StringEquals?.["aws:RequestedRegion"]).toEqual([TARGET]);
    expect(granting(policy, "acm:DescribeCertificate").flatMap((statement) => statement.Resource)).toEqual([
      `arn:aws:acm:${TARGET}:*:certificate/*`,
    ]);
    // A plan that names its certificate is granted that one only.
    const named = iamPolicyFor(plan, { journey: "drill", targetRegions: ["us-west-2"] });
    expect(granting(named, "acm:DescribeCertificate").flatMap((statement) => statement.Resource)).toEqual([
      plan.targets["us-west-2"].loadBalancer.certificateArn,
    ]);
    for (const action of [
      "elasticloadbalancing:CreateListener",
      "elasticloadbalancing:ModifyListener",
      "elasticloadbalancing:ModifyListenerAttributes",
      "elasticloadbalancing:DescribeListeners",
      "elasticloadbalancing:DescribeListenerAttributes",
    ])
      expect(actions(policy), action).toContain(action);
    expect(actions(policy)).not.toContain("elasticloadbalancing:DeleteListener");
    expect(actions(iamPolicyFor(plan, { journey: "destroy", targetRegions: [TARGET] }))).toContain(
      "elasticloadbalancing:DeleteListener",
    );
  });

  it("pins every '*' resource to the target regions (a failback's to the source region too), or to a global service", () => {
    const policy = iamPolicyFor(plan, { journey: "all", targetRegions: [TARGET] });
    for (const statement of policy.Statement.filter((candidate) => candidate.Resource.includes("*"))) {
      const global = statement.Action.every((action) => action.startsWith("route53:"));
      const regions = statement.Sid.startsWith("FailbackFailback") ? [plan.sourceRegion, TARGET] : [TARGET];
      if (!global) expect(statement.Condition?.StringEquals?.["aws:RequestedRegion"], statement.Sid).toEqual(regions);
    }
  });

  it("lets a failback restore or replicate and promote only its own instance in the source region, and delete no database", () => {
    const policy = iamPolicyFor(plan, { journey: "failback", targetRegions: [TARGET], accountId: "123456789012" });
    expect(actions(policy).filter((action) => action.includes("Delete"))).toEqual([]);
    const db = plan.database.sourceIdentifier;
    expect(
      granting(policy, "rds:RestoreDBInstanceFromDBSnapshot").flatMap((statement) => statement.Resource),
    ).toContain(`arn:aws:rds:${plan.sourceRegion}:123456789012:db:${db}-failback-*`);
    // Method replica: the replica and its promotion under the failback's name only.
    expect(granting(policy, "rds:PromoteReadReplica").flatMap((statement) => statement.Resource)).toEqual([
      `arn:aws:rds:${plan.sourceRegion}:123456789012:db:${db}-failback-*`,
    ]);
    expect(granting(policy, "rds:CreateDBInstanceReadReplica").flatMap((statement) => statement.Resource)).toEqual(
      expect.arrayContaining([
        `arn:aws:rds:${plan.sourceRegion}:123456789012:db:${db}-failback-*`,
        `arn:aws:rds:${TARGET}:123456789012:db:${db}-*`,
      ]),
    );
    // The old primary (exactly <db>) is matched by no instance pattern a failback may modify, replicate or promote.
    for (const statement of [
      ...granting(policy, "rds:ModifyDBInstance"),
      ...granting(policy, "rds:CreateDBInstanceReadReplica"),
      ...granting(policy, "rds:PromoteReadReplica"),
    ]) {
      for (const resource of statement.Resource.filter((arn) => arn.includes(":db:"))) {
        expect(
          new RegExp(`^${resource.replace(/[.]/g, "\\.").replace(/\*/g, ".*")}$`).test(
            `arn:aws:rds:${plan.sourceRegion}:123456789012:db:${db}`,
          ),
        ).toBe(false);
      }
    }
    expect(granting(policy, "secretsmanager:PutSecretValue").flatMap((statement) => statement.Resource)).toEqual([
      `arn:aws:secretsmanager:${plan.sourceRegion}:123456789012:secret:${plan.secrets.databaseSecretName}-*`,
    ]);
    expect(granting(policy, "ecs:UpdateService").flatMap((statement) => statement.Resource)).toContain(
      `arn:aws:ecs:${plan.sourceRegion}:123456789012:service/${plan.service.cluster}/${plan.service.name}`,
    );
  });

  it("keeps deletes out of the failover and the production record out of the drill", () => {
    const failover = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    expect(actions(failover)).not.toContain("rds:DeleteDBInstance");
    expect(actions(failover).filter((action) => /:Delete/.test(action))).toEqual([]);
    const drill = iamPolicyFor(plan, { journey: "drill", targetRegions: [TARGET] });
    const drillDns = granting(drill, "route53:ChangeResourceRecordSets");
    expect(JSON.stringify(drillDns)).toContain(plan.dns.drillRecord);
    expect(JSON.stringify(drillDns)).not.toContain(`"${plan.dns.productionRecord}"`);
    const failoverDns = granting(failover, "route53:ChangeResourceRecordSets");
    expect(
      failoverDns[0].Condition?.["ForAllValues:StringEquals"]?.[
        "route53:ChangeResourceRecordSetsNormalizedRecordNames"
      ],
    ).toEqual([plan.dns.productionRecord]);
    // Each production set keeps its type: a failover only UPSERTs (one batch for A, AAAA or CNAME).
    expect(
      failoverDns[0].Condition?.["ForAllValues:StringEquals"]?.["route53:ChangeResourceRecordSetsActions"],
    ).toEqual(["UPSERT"]);
    // A re-run that makes the load balancer dual-stack (the production name gained an AAAA) updates it in place.
    expect(actions(failover)).toContain("elasticloadbalancing:SetIpAddressType");
  });

  it("lets the stack create its private connection zone and only the db record in it; only teardown deletes them", () => {
    const failover = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET] });
    expect(actions(failover)).toEqual(expect.arrayContaining(["route53:CreateHostedZone", "ec2:DescribeVpcs"]));
    const record = failover.Statement.find((statement) => statement.Sid === "ConnectionRecord")!;
    expect(record.Condition).toEqual({
      "ForAllValues:StringLike": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          "db.peoplebooster.dr.internal",
          "db.drill-*.peoplebooster.dr.internal",
        ],
      },
      "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsActions": ["CREATE", "UPSERT"] },
    });
    const drill = iamPolicyFor(plan, { journey: "drill", targetRegions: [TARGET] });
    expect(actions(drill)).toEqual(expect.arrayContaining(["route53:CreateHostedZone", "route53:DeleteHostedZone"]));
    // The names are the stack's own (automation/run/stack-args.ts).
    const names = stackResourceNamesFor(plan, TARGET, "drill", "20261130t000000-drill-ab12");
    expect(`db.${names.connectionZone}`).toMatch(/^db\.drill-[0-9a-f]+\.peoplebooster\.dr\.internal$/);
  });

  it("lets destroy take the final snapshot and delete only the DR database", () => {
    const destroy = iamPolicyFor(plan, { journey: "destroy", targetRegions: [TARGET] });
    expect(granting(destroy, "rds:DeleteDBInstance")[0].Resource).toEqual([
      `arn:aws:rds:${TARGET}:*:db:${plan.database.sourceIdentifier}-*`,
    ]);
    expect(actions(destroy)).toContain("rds:CreateDBSnapshot");
    // The source database itself (no suffix) is never in reach.
    expect(JSON.stringify(destroy)).not.toContain(`:db:${plan.database.sourceIdentifier}"`);
    // Releasing protection is a targeted update of the database: destroy restores, creates and registers nothing.
    expect(actions(destroy)).toContain("rds:ModifyDBInstance");
    const creating = actions(destroy).filter((action) =>
      // Final snapshots only: the database's, and the cache's (DeleteReplicationGroup's FinalSnapshotIdentifier).
      /:(Create(?!DBSnapshot$|Snapshot$)|Restore|Register|Put|Attach|PassRole)/.test(action),
    );
    expect(creating).toEqual([]);
  });

  it("lets a journey restore, read and delete only the DR cache: never the source replication group", () => {
    const failover = iamPolicyFor(plan, { journey: "failover", targetRegions: [TARGET], accountId: "123456789012" });
    const create = granting(failover, "elasticache:CreateReplicationGroup")[0].Resource;
    expect(create).toContain(
      `arn:aws:elasticache:${TARGET}:123456789012:replicationgroup:peoplebooster-production-redis-*`,
    );
    expect(actions(failover)).not.toContain("elasticache:DeleteReplicationGroup");
    expect(granting(failover, "s3:ListBucket").flatMap((statement) => statement.Resource)).toContain(
      `arn:aws:s3:::${plan.targets[TARGET].storage.replicaBucket}`,
    );
    const drill = iamPolicyFor(plan, { journey: "drill", targetRegions: [TARGET] });
    expect(actions(drill)).toEqual(
      expect.arrayContaining(["elasticache:DeleteReplicationGroup", "elasticache:DescribeSnapshots"]),
    );
    // Every region of the plan (there is none without the cache section).
    const noCache = iamPolicyFor({ ...plan, cache: undefined }, { journey: "all" });
    expect(actions(noCache).filter((action) => action.startsWith("elasticache:"))).toEqual([]);
  });

  it("lets preflight look up (never change) every name the stack would create, for a failover and a drill", () => {
    const covers = (patterns: string[], arn: string) =>
      patterns.some((pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(arn),
      );
    for (const journey of ["failover", "drill"] as const) {
      const policy = iamPolicyFor(plan, { journey, targetRegions: [TARGET], accountId: "123456789012" });
      const names = stackResourceNamesFor(plan, TARGET, journey, "20261128-0300-ab12");
      const describeClusters = granting(policy, "ecs:DescribeClusters").flatMap((statement) => statement.Resource);
      expect(covers(describeClusters, `arn:aws:ecs:${TARGET}:123456789012:cluster/${names.cluster}`)).toBe(true);
      const getRole = granting(policy, "iam:GetRole").flatMap((statement) => statement.Resource);
      for (const role of [names.executionRole, names.taskRole])
        expect(covers(getRole, `arn:aws:iam::123456789012:role/${role}`), role).toBe(true);
      for (const action of ["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeTargetGroups"])
        expect(granting(policy, action).length, action).toBeGreaterThan(0);
    }
  });

  it("is printed by `dr-failover iam-policy` as JSON", async () => {
    const result = await runCli([
      "iam-policy",
      "--plan",
      "examples/peoplebooster.yaml",
      "--journey",
      "failover",
      "-r",
      TARGET,
      "--account-id",
      "123456789012",
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    const policy = JSON.parse(result.stdout) as IamPolicyDocument;
    expect(granting(policy, "rds:RestoreDBInstanceFromDBSnapshot")[0].Resource).toContain(
      `arn:aws:rds:${TARGET}:123456789012:db:${plan.database.sourceIdentifier}-*`,
    );
    const bad = await runCli(["iam-policy", "--plan", "examples/peoplebooster.yaml", "--journey", "rollback"]);
    expect(bad.exitCode).toBe(2);
  });
});
