/**
 * Finding the Redis cache's backup in the target region. ElastiCache cannot copy
 * snapshots across regions: the DR source is either an `.rdb` export in an S3
 * bucket replicated to the target region (seeding a new replication group
 * through its S3 ARN), or an ElastiCache snapshot that already lives there.
 * Only the target region is asked.
 */
import type { AwsClients } from "./aws.js";
import { awsErrorName } from "./aws.js";
import { PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import { ElastiCache, S3 } from "./sdk.js";

export interface CacheBackup {
  source: "rdb-in-s3" | "snapshot";
  /** What messages and reports call it: s3://bucket/key, or the snapshot name. */
  label: string;
  /** rdb-in-s3: the object's ARN, `arn:aws:s3:::bucket/key` (what CreateReplicationGroup's SnapshotArns takes). */
  snapshotArn?: string;
  /** snapshot: the ElastiCache snapshot's name. */
  snapshotName?: string;
  /** When the backup was taken: the object's LastModified, or the snapshot's node snapshot time. */
  capturedAt: Date;
}

/** The bucket and key prefix of the target region's `.rdb` exports. */
export function rdbLocation(plan: Plan, targetRegion: string): { bucket: string; prefix: string } {
  const target = plan.targets[targetRegion];
  return {
    bucket: target.cache?.backup.bucket ?? target.storage.replicaBucket,
    prefix: target.cache?.backup.prefix ?? "elasticache/",
  };
}

/** The newest `.rdb` under the prefix (by LastModified), or a PreconditionError saying how to provide one. */
async function newestRdb(aws: AwsClients, plan: Plan, targetRegion: string): Promise<CacheBackup> {
  const { bucket, prefix } = rdbLocation(plan, targetRegion);
  const s3 = aws.s3(targetRegion);
  let newest: { key: string; modified: Date } | undefined;
  let token: string | undefined;
  try {
    do {
      const page = await s3.send(
        new S3.ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key?.endsWith(".rdb") || !object.LastModified) continue;
        if (!newest || object.LastModified > newest.modified)
          newest = { key: object.Key, modified: object.LastModified };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } catch (error) {
    if (awsErrorName(error) !== "NoSuchBucket") throw error;
    throw new PreconditionError(
      "CACHE_BACKUP_BUCKET_NOT_FOUND",
      `the cache's backup bucket ${bucket} does not exist in ${targetRegion}`,
      {
        hint: `Replicate the bucket of the Redis .rdb exports to ${targetRegion}, or set targets.${targetRegion}.cache.backup.bucket.`,
      },
    );
  }
  if (!newest) {
    throw new PreconditionError(
      "CACHE_BACKUP_NOT_FOUND",
      `no .rdb export of ${plan.cache!.sourceReplicationGroupId} under s3://${bucket}/${prefix} in ${targetRegion}`,
      {
        hint: `Export a snapshot of the cache to the source bucket (aws elasticache copy-snapshot --target-bucket) so that replication brings it to ${targetRegion}, or set targets.${targetRegion}.cache.backup.prefix to where the exports are.`,
      },
    );
  }
  return {
    source: "rdb-in-s3",
    label: `s3://${bucket}/${newest.key}`,
    snapshotArn: `arn:aws:s3:::${bucket}/${newest.key}`,
    capturedAt: newest.modified,
  };
}

async function namedSnapshot(aws: AwsClients, targetRegion: string, name: string): Promise<CacheBackup> {
  const found = await aws
    .elasticache(targetRegion)
    .send(new ElastiCache.DescribeSnapshotsCommand({ SnapshotName: name }))
    .then((result) => result.Snapshots?.[0])
    .catch((error: unknown) => {
      if (awsErrorName(error) === "SnapshotNotFoundFault") return undefined;
      throw error;
    });
  if (!found) {
    throw new PreconditionError(
      "CACHE_SNAPSHOT_NOT_FOUND",
      `ElastiCache snapshot ${name} does not exist in ${targetRegion}`,
      {
        hint: `ElastiCache cannot copy snapshots across regions: restore from an .rdb export replicated to ${targetRegion} (cache.backup.source: rdb-in-s3), or name a snapshot of ${targetRegion} in targets.${targetRegion}.cache.backup.snapshotName.`,
      },
    );
  }
  if (found.SnapshotStatus && found.SnapshotStatus !== "available") {
    throw new PreconditionError(
      "CACHE_SNAPSHOT_NOT_AVAILABLE",
      `ElastiCache snapshot ${name} in ${targetRegion} is ${found.SnapshotStatus}, not available`,
      { hint: "Wait until it is available, then re-run." },
    );
  }
  const times = (found.NodeSnapshots ?? []).flatMap((node) =>
    node.SnapshotCreateTime ? [node.SnapshotCreateTime] : [],
  );
  if (times.length === 0) {
    throw new PreconditionError(
      "CACHE_SNAPSHOT_TIME_UNKNOWN",
      `ElastiCache snapshot ${name} in ${targetRegion} does not say when it was taken`,
      { hint: "Name another snapshot in targets.<region>.cache.backup.snapshotName." },
    );
  }
  return {
    source: "snapshot",
    label: name,
    snapshotName: name,
    capturedAt: new Date(Math.min(...times.map((time) => time.getTime()))),
  };
}

/** The cache's backup in the target region, as the plan says where it is. */
export function findCacheBackup(aws: AwsClients, plan: Plan, targetRegion: string): Promise<CacheBackup> {
  const cache = plan.cache!;
  if (cache.backup.source === "snapshot")
    return namedSnapshot(aws, targetRegion, plan.targets[targetRegion].cache!.backup.snapshotName!);
  return newestRdb(aws, plan, targetRegion);
}
