/**
 * The seeded emulator world: every artifact of the example plan in the right
 * region, each fault producing its bad world, and the moto-state summaries.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
} from "@aws-sdk/client-rds";
import { ListHostedZonesByNameCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetBucketLocationCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
} from "@aws-sdk/client-s3";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { emulatorClients, motoJsonCall, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { seedWorld, snapshotName, sourceBucketName, type SeededWorld } from "../../emulator/rehearsal/seed-world.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import {
  countsOf,
  diffMotoState,
  isEmptyDiff,
  matching,
  planRegions,
  summarizeMotoState,
} from "../support/moto-state.js";

const TARGET = "ap-northeast-3";
const OTHER_TARGET = "us-west-2";
const SLOW = 60_000;

let moto: MotoServer;
let plan: Plan;
let source: EmulatorClients;
let dr: EmulatorClients;
let other: EmulatorClients;
let global: EmulatorClients;

beforeAll(async () => {
  moto = await startMoto();
  plan = await loadPlan("examples/peoplebooster.yaml");
  source = emulatorClients(moto.endpoint, plan.sourceRegion);
  dr = emulatorClients(moto.endpoint, TARGET);
  other = emulatorClients(moto.endpoint, OTHER_TARGET);
  global = emulatorClients(moto.endpoint, "us-east-1");
}, SLOW);

afterAll(async () => {
  for (const clients of [source, dr, other, global]) clients?.destroy();
  await moto?.stop();
});

/** A fresh, empty moto for each test that seeds its own world. */
const resetMoto = async () => {
  await moto.reset();
};

const seed = (faults: Parameters<typeof seedWorld>[0]["faults"] = {}, now?: Date) =>
  seedWorld({ endpoint: moto.endpoint, plan, targetRegion: TARGET, faults, now });

/** Manual snapshots (the source instance also gets moto's automated one: BackupRetentionPeriod 7). */
async function snapshotsIn(clients: EmulatorClients) {
  const { DBSnapshots = [] } = await clients.rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: "manual" }));
  return DBSnapshots;
}

async function zoneId(): Promise<string | undefined> {
  const { HostedZones = [] } = await global.route53.send(
    new ListHostedZonesByNameCommand({ DNSName: plan.dns.hostedZone }),
  );
  return HostedZones.find((zone) => zone.Name === `${plan.dns.hostedZone}.`)?.Id?.replace("/hostedzone/", "");
}

async function productionRecords(hostedZoneId: string) {
  const { ResourceRecordSets = [] } = await global.route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: hostedZoneId }),
  );
  return ResourceRecordSets.filter((record) => record.Name === `${plan.dns.productionRecord}.`);
}

describe("seedWorld: the healthy world", () => {
  let world: SeededWorld;
  const now = new Date("2025-03-14T09:26:53Z");

  // The tests below only read: one seeded world serves them all.
  beforeAll(async () => {
    await resetMoto();
    world = await seed({}, now);
  }, SLOW);

  it("has the production database and its runbook-named manual snapshots in the source region", async () => {
    const { DBInstances = [] } = await source.rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: plan.database.sourceIdentifier }),
    );
    expect(DBInstances).toHaveLength(1);
    expect(DBInstances[0]).toMatchObject({
      Engine: plan.database.engine,
      DBInstanceClass: plan.database.instanceClass,
      MasterUsername: plan.database.credentials.username,
      DBName: plan.database.databaseName,
      DBInstanceStatus: "available",
      // Encrypted with a key of the source region, so its snapshots are too.
      StorageEncrypted: true,
      KmsKeyId: world.sourceKeyArn,
    });
    expect(world.sourceKeyArn).toMatch(new RegExp(`^arn:aws:kms:${plan.sourceRegion}:\\d{12}:key/`));
    expect(world.sourceSnapshotId).toBe("peoplebooster-production-20250314-092653");
    expect(world.sourceSnapshotIds).toEqual([world.sourceSnapshotId, "peoplebooster-production-20250313-092653"]);
    expect(world.sourceSnapshotArn).toBe(
      `arn:aws:rds:${plan.sourceRegion}:123456789012:snapshot:${world.sourceSnapshotId}`,
    );
    const sourceSnapshots = await snapshotsIn(source);
    expect(sourceSnapshots.map((s) => s.DBSnapshotIdentifier).sort()).toEqual([...world.sourceSnapshotIds].sort());
    // Nothing leaked into the DR region but what the runbook copies.
    expect((await source.rds.send(new DescribeDBInstancesCommand({}))).DBInstances).toHaveLength(1);
    expect((await dr.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).toHaveLength(0);
  });

  it("has both copies in the target region, available, newest first, with their source's data — and none in the other target", async () => {
    const copies = await snapshotsIn(dr);
    expect(copies).toHaveLength(2);
    const byNewest = [...copies].sort((a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime());
    expect(byNewest.map((s) => s.DBSnapshotIdentifier)).toEqual(world.copiedSnapshotIds);
    expect(world.copiedSnapshotIds[0]).toBe(world.sourceSnapshotId);
    for (const copy of copies) {
      expect(copy).toMatchObject({
        Status: "available",
        SnapshotType: "manual",
        DBInstanceIdentifier: plan.database.sourceIdentifier,
        Engine: plan.database.engine,
        MasterUsername: plan.database.credentials.username,
        Port: plan.database.port,
        // A cross-region copy of an encrypted snapshot needs a key of the target region.
        Encrypted: true,
        KmsKeyId: world.snapshotKeyArn,
      });
      expect(copy.DBSnapshotArn).toMatch(new RegExp(`^arn:aws:rds:${TARGET}:\\d{12}:snapshot:`));
      expect(copy.OriginalSnapshotCreateTime!.getTime()).toBeLessThanOrEqual(copy.SnapshotCreateTime!.getTime());
    }
    expect(world.snapshotKeyArn).toMatch(new RegExp(`^arn:aws:kms:${TARGET}:\\d{12}:key/`));
    expect(await snapshotsIn(other)).toHaveLength(0);
  });

  it("has the connection secret in the source region and its replica in the target region", async () => {
    const primary = await source.secrets.send(new GetSecretValueCommand({ SecretId: plan.secrets.databaseSecretName }));
    const value = JSON.parse(primary.SecretString!);
    expect(value).toMatchObject({
      port: plan.database.port,
      database: plan.database.databaseName,
      username: plan.database.credentials.username,
      password: world.databasePassword,
    });
    expect(value.host).toContain(plan.database.sourceIdentifier);
    expect(world.databasePassword).toMatch(/^[A-Za-z0-9]{32}$/);

    const described = await source.secrets.send(
      new DescribeSecretCommand({ SecretId: plan.secrets.databaseSecretName }),
    );
    expect(described.ReplicationStatus?.map((status) => status.Region)).toEqual([TARGET]);
    const replica = await dr.secrets.send(new GetSecretValueCommand({ SecretId: plan.secrets.databaseSecretName }));
    expect(JSON.parse(replica.SecretString!)).toEqual(value);
    await expect(
      other.secrets.send(new GetSecretValueCommand({ SecretId: plan.secrets.databaseSecretName })),
    ).rejects.toThrow();
  });

  it("has the versioned replica bucket with objects in the target region, fed by the versioned source bucket", async () => {
    const bucket = plan.targets[TARGET].storage.replicaBucket;
    expect(world.replicaBucket).toBe(bucket);
    expect((await dr.s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint).toBe(TARGET);
    expect((await dr.s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const { Contents = [] } = await dr.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect(Contents.map((object) => object.Key).sort()).toEqual([...world.replicaObjectKeys].sort());
    expect(world.replicaObjectKeys).toContain("reports/report-123.pdf");

    expect(world.sourceBucket).toBe("peoplebooster-production-assets");
    expect(
      (await source.s3.send(new GetBucketLocationCommand({ Bucket: world.sourceBucket }))).LocationConstraint,
    ).toBe(plan.sourceRegion);
    expect((await source.s3.send(new GetBucketVersioningCommand({ Bucket: world.sourceBucket }))).Status).toBe(
      "Enabled",
    );
    const replication = await source.s3.send(new GetBucketReplicationCommand({ Bucket: world.sourceBucket }));
    expect(replication.ReplicationConfiguration?.Rules?.[0]?.Destination?.Bucket).toBe(`arn:aws:s3:::${bucket}`);
  });

  it("has the public zone with the production name dual-stack: alias A and alias AAAA to the source region's ALB", async () => {
    const id = await zoneId();
    expect(id).toBe(world.hostedZoneId);
    const records = await productionRecords(id!);
    const alias = {
      DNSName: world.productionRecordValue,
      HostedZoneId: "Z14GRHDCWA56QT", // ap-northeast-1's ALB zone
      EvaluateTargetHealth: true,
    };
    expect(records).toEqual([
      expect.objectContaining({ Type: "A", AliasTarget: alias }),
      expect.objectContaining({ Type: "AAAA", AliasTarget: alias }),
    ]);
    expect(world.productionRecordValue).toMatch(
      new RegExp(`^dualstack\\.${plan.app}-prod-\\d+\\.${plan.sourceRegion}\\.elb\\.amazonaws\\.com$`),
    );
    // A dual-stack load balancer needs an IPv6 CIDR in each of its subnets.
    const { Subnets = [] } = await dr.ec2.send(
      new DescribeSubnetsCommand({
        Filters: [{ Name: "tag:Name", Values: plan.targets[TARGET].loadBalancer.subnets }],
      }),
    );
    expect(Subnets.map((subnet) => subnet.Ipv6CidrBlockAssociationSet?.length)).toEqual([1, 1]);
  });

  it("resolves every subnet and security group name of the plan's target by Name tag, in one VPC over two AZs", async () => {
    const target = plan.targets[TARGET];
    const subnetNames = [...new Set([...target.service.subnets, ...target.loadBalancer.subnets])];
    const { Subnets = [] } = await dr.ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "tag:Name", Values: subnetNames }] }),
    );
    expect(Subnets).toHaveLength(subnetNames.length);
    for (const subnet of Subnets) {
      const name = subnet.Tags!.find((tag) => tag.Key === "Name")!.Value!;
      expect(world.subnetIds[name]).toBe(subnet.SubnetId);
      expect(subnet.VpcId).toBe(world.vpcId);
      expect(subnet.AvailabilityZone).toBe(`${TARGET}${name.slice(-1)}`); // …-a → ap-northeast-3a
    }
    expect(new Set(Subnets.map((subnet) => subnet.AvailabilityZone)).size).toBe(2);

    const groupNames = [
      ...new Set([
        ...target.database.securityGroups,
        ...target.service.securityGroups,
        ...target.loadBalancer.securityGroups,
        ...(target.cache?.securityGroups ?? []),
      ]),
    ];
    for (const filter of ["tag:Name", "group-name"]) {
      const { SecurityGroups = [] } = await dr.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: filter, Values: groupNames }] }),
      );
      expect(Object.fromEntries(SecurityGroups.map((group) => [group.GroupName, group.GroupId]))).toEqual(
        world.securityGroupIds,
      );
    }
    const { SecurityGroups: [app] = [] } = await dr.ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [world.securityGroupIds["peoplebooster-dr-app"]] }),
    );
    expect(app.IpPermissions?.[0]).toMatchObject({
      FromPort: plan.service.containerPort,
      UserIdGroupPairs: [{ GroupId: world.securityGroupIds["peoplebooster-dr-alb"] }],
    });
    // Names only in the target region.
    expect(
      (await other.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "tag:Name", Values: subnetNames }] })))
        .Subnets,
    ).toHaveLength(0);
  });

  it("has the DB subnet group over the private subnets, and the image's ECR repository", async () => {
    const target = plan.targets[TARGET];
    const { DBSubnetGroups = [] } = await dr.rds.send(
      new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: target.database.subnetGroup }),
    );
    expect(DBSubnetGroups[0]?.VpcId).toBe(world.vpcId);
    expect(DBSubnetGroups[0]?.Subnets?.map((subnet) => subnet.SubnetIdentifier).sort()).toEqual(
      target.service.subnets.map((name) => world.subnetIds[name]).sort(),
    );
    expect(world.ecrRepository).toMatchObject({ region: TARGET, name: "peoplebooster-backend", tag: "latest" });
    const images = await motoJsonCall<{ imageDetails: Array<{ imageTags?: string[] }> }>(moto.endpoint, TARGET, {
      signingName: "ecr",
      target: "AmazonEC2ContainerRegistry_V20150921.DescribeImages",
      body: { repositoryName: "peoplebooster-backend" },
    });
    expect(images.imageDetails.flatMap((image) => image.imageTags ?? [])).toContain("latest");
    expect(world.emulationGaps).toEqual({ unseededIds: [], notes: [] });
  });
});

describe("seedWorld: faults build bad worlds", () => {
  beforeEach(resetMoto);

  it(
    "noCopiedSnapshot: no copy in the target region, source snapshots still there",
    async () => {
      const world = await seed({ noCopiedSnapshot: true });
      expect(world.copiedSnapshotIds).toEqual([]);
      expect(await snapshotsIn(dr)).toHaveLength(0);
      expect(await snapshotsIn(source)).toHaveLength(2);
    },
    SLOW,
  );

  it(
    "snapshotAgeMs: the newest copy is named after the pretended time and evaluateAt makes moto's timestamp that old",
    async () => {
      const now = new Date("2025-03-14T12:00:00Z");
      const ageMs = 3 * 60 * 60 * 1000;
      const world = await seed({ snapshotAgeMs: ageMs }, now);
      expect(world.copiedSnapshotIds[0]).toBe(
        snapshotName(plan.database.sourceIdentifier, new Date("2025-03-14T09:00:00Z")),
      );
      expect(world.copiedSnapshotIds[0]).toBe("peoplebooster-production-20250314-090000");
      const newest = (await snapshotsIn(dr)).find((s) => s.DBSnapshotIdentifier === world.copiedSnapshotIds[0])!;
      // moto cannot backdate: its timestamp is its own clock's…
      expect(Math.abs(newest.SnapshotCreateTime!.getTime() - Date.now())).toBeLessThan(5 * 60_000);
      // …so the world says when that timestamp is ageMs old.
      expect(world.emulationGaps.evaluateAt!.getTime() - newest.SnapshotCreateTime!.getTime()).toBe(ageMs);
      expect(world.emulationGaps.newestSnapshotCreateTime).toEqual(new Date("2025-03-14T09:00:00Z"));
      expect(world.emulationGaps.notes.join("\n")).toMatch(/cannot backdate/);
    },
    SLOW,
  );

  it(
    "noReplicaBucket: no replica bucket (the source bucket stays)",
    async () => {
      const world = await seed({ noReplicaBucket: true });
      expect(world.replicaObjectKeys).toEqual([]);
      await expect(
        dr.s3.send(new HeadBucketCommand({ Bucket: plan.targets[TARGET].storage.replicaBucket })),
      ).rejects.toMatchObject({
        $metadata: { httpStatusCode: 404 },
      });
      await dr.s3.send(new HeadBucketCommand({ Bucket: world.sourceBucket }));
    },
    SLOW,
  );

  it(
    "noHostedZone: no zone, so no record",
    async () => {
      const world = await seed({ noHostedZone: true });
      expect(world.hostedZoneId).toBeUndefined();
      expect(world.productionRecordValue).toBeUndefined();
      expect(await zoneId()).toBeUndefined();
    },
    SLOW,
  );

  it(
    "noProductionRecord: the zone exists without the production record",
    async () => {
      const world = await seed({ noProductionRecord: true });
      expect(await zoneId()).toBe(world.hostedZoneId);
      expect(world.productionRecordValue).toBeUndefined();
      expect(await productionRecords(world.hostedZoneId!)).toEqual([]);
    },
    SLOW,
  );

  it(
    "productionDns: cname (one CNAME) and weighted (two weighted alias A sets, a simple AAAA); ipv4OnlySubnets: no IPv6 CIDRs",
    async () => {
      const cname = await seed({ productionDns: "cname", ipv4OnlySubnets: true });
      expect(await productionRecords(cname.hostedZoneId!)).toEqual([
        expect.objectContaining({
          Type: "CNAME",
          TTL: plan.dns.ttl,
          ResourceRecords: [{ Value: cname.productionRecordValue }],
        }),
      ]);
      const { Subnets = [] } = await dr.ec2.send(
        new DescribeSubnetsCommand({ SubnetIds: Object.values(cname.subnetIds) }),
      );
      expect(Subnets.flatMap((subnet) => subnet.Ipv6CidrBlockAssociationSet ?? [])).toEqual([]);
      await resetMoto();
      const weighted = await seed({ productionDns: "weighted" });
      expect(
        (await productionRecords(weighted.hostedZoneId!)).map(
          (set) => `${set.Type} ${set.SetIdentifier} ${set.Weight}`,
        ),
      ).toEqual(["A primary 100", "A secondary 0", "AAAA undefined undefined"]);
    },
    SLOW,
  );

  it(
    "snapshotNotAvailable: moto cannot hold a copy back, so the world only reports the pretended status",
    async () => {
      const world = await seed({ snapshotNotAvailable: true });
      expect(world.emulationGaps.newestSnapshotStatus).toBe("copying");
      const newest = (await snapshotsIn(dr)).find((s) => s.DBSnapshotIdentifier === world.copiedSnapshotIds[0])!;
      expect(newest.Status).toBe("available"); // the moto limitation this fault documents
    },
    SLOW,
  );
});

describe("helpers", () => {
  it("derives the source bucket from the replica's name", () => {
    expect(sourceBucketName("peoplebooster-production-assets-apne3", "ap-northeast-3")).toBe(
      "peoplebooster-production-assets",
    );
    expect(sourceBucketName("peoplebooster-production-assets-usw2", "us-west-2")).toBe(
      "peoplebooster-production-assets",
    );
    expect(sourceBucketName("assets-us-west-2", "us-west-2")).toBe("assets");
    expect(sourceBucketName("my-assets", "us-west-2")).toBe("my-assets-source");
  });
});

describe("moto-state summaries", () => {
  beforeEach(resetMoto);

  it(
    "counts the seeded world per service and region, and diffs to nothing after read-only calls",
    async () => {
      const empty = await summarizeMotoState(moto.endpoint, planRegions(plan));
      expect(empty).toEqual({}); // moto's defaults (default VPC, subnets, groups) are not counted
      const world = await seed();
      const before = await summarizeMotoState(moto.endpoint, planRegions(plan));
      expect(countsOf(before)).toEqual({
        // The source region's production network and ECS service (a failback restores and redeploys there).
        "ec2/ap-northeast-1/subnets": 2,
        "ec2/ap-northeast-1/vpcs": 1,
        "ecs/ap-northeast-1/clusters": 1,
        "ecs/ap-northeast-1/services": 1,
        "ecs/ap-northeast-1/taskDefinitions": 1,
        "rds/ap-northeast-1/subnetGroups": 1,
        "ec2/ap-northeast-3/securityGroups": 4,
        "ec2/ap-northeast-3/subnets": 4,
        "ec2/ap-northeast-3/vpcs": 1,
        "elasticache/ap-northeast-3/snapshots": 1,
        "iam/global/roles": 1,
        "rds/ap-northeast-1/automatedSnapshots": 1,
        "rds/ap-northeast-1/instances": 1,
        "rds/ap-northeast-1/snapshots": 2,
        "rds/ap-northeast-3/snapshots": 2,
        "rds/ap-northeast-3/subnetGroups": 1,
        "route53/global/hostedZones": 1,
        "route53/global/recordSets": 2,
        "s3/ap-northeast-1/buckets": 1,
        "s3/ap-northeast-3/buckets": 1,
        "secretsmanager/ap-northeast-1/secrets": 1,
        "secretsmanager/ap-northeast-3/secrets": 1,
      });
      expect(before["s3/ap-northeast-3/buckets"]).toEqual([`${world.replicaBucket} (5 objects, 6 versions)`]); // report-123.pdf revised once; the cache's .rdb
      expect(before["secretsmanager/ap-northeast-3/secrets"]).toEqual([
        `${plan.secrets.databaseSecretName} (replica of ${plan.sourceRegion})`,
      ]);
      expect(before["route53/global/recordSets"]).toEqual([
        `${plan.dns.productionRecord}. A ${world.productionRecordValue}`,
        `${plan.dns.productionRecord}. AAAA ${world.productionRecordValue}`,
      ]);

      // Read-only calls (what a preflight does) change nothing.
      await snapshotsIn(dr);
      await dr.secrets.send(new GetSecretValueCommand({ SecretId: plan.secrets.databaseSecretName }));
      const after = await summarizeMotoState(moto.endpoint, planRegions(plan));
      expect(isEmptyDiff(diffMotoState(before, after))).toBe(true);
      expect(after).toEqual(before);
    },
    SLOW,
  );

  it(
    "shows what was added and removed, and finds leftovers by name",
    async () => {
      await seed();
      const before = await summarizeMotoState(moto.endpoint, planRegions(plan));
      await dr.s3.send(
        new CreateBucketCommand({
          Bucket: "peoplebooster-dr-logs",
          CreateBucketConfiguration: { LocationConstraint: TARGET },
        }),
      );
      const during = await summarizeMotoState(moto.endpoint, planRegions(plan));
      expect(diffMotoState(before, during)).toEqual({
        added: { "s3/ap-northeast-3/buckets": ["peoplebooster-dr-logs (0 objects, 0 versions)"] },
        removed: {},
      });
      expect(Object.keys(matching(during, /peoplebooster-dr-logs/))).toEqual(["s3/ap-northeast-3/buckets"]);
      await dr.s3.send(new DeleteBucketCommand({ Bucket: "peoplebooster-dr-logs" }));
      const after = await summarizeMotoState(moto.endpoint, planRegions(plan));
      expect(isEmptyDiff(diffMotoState(before, after))).toBe(true);
      expect(matching(after, /peoplebooster-dr-logs/)).toEqual({});
    },
    SLOW,
  );
});
