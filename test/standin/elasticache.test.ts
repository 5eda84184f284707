import { CreateCacheSubnetGroupCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-elasticache";
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import {
  checkAndCreate,
  ec2,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
} from "../support/standin-moto.js";

const TYPE = "aws:elasticache/replicationGroup:ReplicationGroup";
const BUCKET = "redis-backups-usw2";
const RDB_ARN = `arn:aws:s3:::${BUCKET}/elasticache/prod-redis-0001.rdb`;

describe("stand-in aws:elasticache/replicationGroup:ReplicationGroup on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;
  const base = {
    replicationGroupId: "prod-redis-dr",
    description: "restored",
    nodeType: "cache.t3.micro",
    numCacheClusters: 1,
    port: 6379,
    subnetGroupName: "dr-cache",
  };

  beforeAll(async () => {
    moto = await startMoto();
    const clients = sdk(moto, REGION_B);
    await clients
      .s3()
      .send(new CreateBucketCommand({ Bucket: BUCKET, CreateBucketConfiguration: { LocationConstraint: REGION_B } }));
    await clients
      .s3()
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: "elasticache/prod-redis-0001.rdb", Body: "REDIS0011" }));
    const subnets = await ec2(moto, REGION_B).send(new DescribeSubnetsCommand({}));
    await clients.elasticache().send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: "dr-cache",
        CacheSubnetGroupDescription: "dr",
        SubnetIds: subnets.Subnets!.slice(0, 2).map((s) => s.SubnetId!),
      }),
    );
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("refuses an invalid replication group id and a single-node automatic failover at check", async () => {
    const checked = await provider.check(
      urn(TYPE, "cache"),
      {},
      {
        ...base,
        replicationGroupId: "a-replication-group-id-longer-than-forty-chars",
        automaticFailoverEnabled: true,
      },
    );
    expect(checked.failures?.map((failure) => failure.property).sort()).toEqual([
      "numCacheClusters",
      "replicationGroupId",
    ]);
  });

  it("seeds from an .rdb in S3, waits for available, reads the primary endpoint back", async () => {
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "cache"), { ...base, snapshotArns: [RDB_ARN] });
    expect(id).toBe("prod-redis-dr");
    expect(outs.primaryEndpointAddress).toMatch(/^master\.prod-redis-dr\./);
    expect(outs.port).toBe(6379);
    expect(outs.arn).toMatch(/:replicationgroup:prod-redis-dr$/);
  });

  it("a newer backup (snapshotArns or snapshotName) replaces; a final snapshot name alone is a state-only update", async () => {
    const olds = { ...base, snapshotArns: [RDB_ARN], primaryEndpointAddress: "x" };
    const newer = await provider.diff("prod-redis-dr", urn(TYPE, "cache"), olds, {
      ...base,
      snapshotArns: [`arn:aws:s3:::${BUCKET}/elasticache/prod-redis-0002.rdb`],
    });
    expect(newer.replaces).toEqual(["snapshotArns"]);
    const named = await provider.diff("prod-redis-dr", urn(TYPE, "cache"), olds, {
      ...base,
      snapshotArns: [RDB_ARN],
      snapshotName: "other",
    });
    expect(named.replaces).toEqual(["snapshotName"]);
    const final = await provider.diff("prod-redis-dr", urn(TYPE, "cache"), olds, {
      ...base,
      snapshotArns: [RDB_ARN],
      finalSnapshotIdentifier: "prod-redis-dr-final",
    });
    expect(final.replaces ?? []).toEqual([]);
    expect(final.changes).toBe(true);
  });

  it("refuses an .rdb that is not in the bucket and a snapshot name that does not exist", async () => {
    await expect(
      checkAndCreate(provider, urn(TYPE, "missing-rdb"), {
        ...base,
        replicationGroupId: "missing-rdb",
        snapshotArns: [`arn:aws:s3:::${BUCKET}/elasticache/none.rdb`],
      }),
    ).rejects.toThrow(/creating ElastiCache Replication Group \(missing-rdb\).*S3 object/);
    await expect(
      checkAndCreate(provider, urn(TYPE, "missing-snap"), {
        ...base,
        replicationGroupId: "missing-snap",
        snapshotName: "no-such-snapshot",
      }),
    ).rejects.toThrow(/Snapshot no-such-snapshot not found/);
  });

  it("delete takes the final snapshot, waits until the group is gone; a group restores from it", async () => {
    const before = Date.now() - 1000;
    await provider.delete("prod-redis-dr", urn(TYPE, "cache"), {
      ...base,
      finalSnapshotIdentifier: "prod-redis-dr-final",
    });
    expect(await provider.read("prod-redis-dr", urn(TYPE, "cache"), base)).toMatchObject({ id: "" });
    const snapshots = await sdk(moto, REGION_B)
      .elasticache()
      .send(new DescribeSnapshotsCommand({ SnapshotName: "prod-redis-dr-final" }));
    const taken = snapshots.Snapshots?.[0]?.NodeSnapshots?.[0]?.SnapshotCreateTime;
    expect(taken?.getTime()).toBeGreaterThan(before);
    const restored = await checkAndCreate(provider, urn(TYPE, "again"), {
      ...base,
      replicationGroupId: "prod-redis-dr2",
      snapshotName: "prod-redis-dr-final",
    });
    expect(restored.outs.primaryEndpointAddress).toMatch(/^master\.prod-redis-dr2\./);
  });
});
