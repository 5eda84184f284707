/**
 * Choosing the restore point: the newest `available` snapshot of the source DB
 * that lives in the target region (a copy: a cross-region ARN is not a usable
 * restore source). Only the target region is asked, so this works with the
 * source region gone.
 */
import type { DBInstanceAutomatedBackup, DBSnapshot, RDSClient } from "@aws-sdk/client-rds";
import { awsErrorName, wrapAwsError } from "./aws.js";
import { PreconditionError } from "./errors.js";
import { RDS } from "./sdk.js";

export interface RestorePoint {
  /** A copied snapshot, or a point in time of the source's automated backups replicated to the target region. */
  source: "snapshot" | "point-in-time";
  /** What messages and reports call it: the snapshot id, or "point in time <ISO> of <automated backups ARN>". */
  label: string;
  /** Only for a snapshot. */
  snapshotIdentifier?: string;
  snapshotArn?: string;
  /** Only for a point in time: the replicated automated backups' ARN and their restore window. */
  automatedBackupsArn?: string;
  restoreWindow?: { earliest: Date; latest: Date };
  /** When the data was captured: the original snapshot's time for a copy; the restore time for a point in time. */
  capturedAt: Date;
  snapshotType: string;
  /** Encryption and key are inherited by the restored instance (RestoreDBInstanceFromDBSnapshot takes neither). */
  encrypted: boolean;
  /** The key ARN (in the snapshot's region) when encrypted. */
  kmsKeyId?: string;
  sourceRegion?: string;
  engine?: string;
  /** The master user of the instance it was taken of: the restored instance keeps it. */
  masterUsername?: string;
  /** The port of the instance it was taken of. */
  port?: number;
  allocatedStorageGiB?: number;
}

export interface FindSnapshotOptions {
  sourceIdentifier: string;
  targetRegion: string;
  /** An explicit snapshot (`--snapshot`): must exist in the target region, belong to the DB and be available. */
  snapshotIdentifier?: string;
  /** Counts DescribeDBSnapshots calls (benchmark). */
  onCall?: () => void;
}

/** Real AWS pages at most 100 snapshots per call. */
const PAGE_SIZE = 100;

function capturedAt(snapshot: DBSnapshot): Date | undefined {
  return snapshot.OriginalSnapshotCreateTime ?? snapshot.SnapshotCreateTime;
}

function toRestorePoint(snapshot: DBSnapshot): RestorePoint {
  return {
    source: "snapshot",
    label: snapshot.DBSnapshotIdentifier!,
    snapshotIdentifier: snapshot.DBSnapshotIdentifier!,
    snapshotArn: snapshot.DBSnapshotArn!,
    capturedAt: capturedAt(snapshot)!,
    snapshotType: snapshot.SnapshotType ?? "unknown",
    encrypted: snapshot.Encrypted ?? false,
    kmsKeyId: snapshot.KmsKeyId,
    sourceRegion: snapshot.SourceRegion,
    engine: snapshot.Engine,
    masterUsername: snapshot.MasterUsername,
    port: snapshot.Port,
    allocatedStorageGiB: snapshot.AllocatedStorage,
  };
}

async function describeAll(
  rds: RDSClient,
  input: { DBInstanceIdentifier?: string; DBSnapshotIdentifier?: string },
  onCall?: () => void,
) {
  const snapshots: DBSnapshot[] = [];
  let marker: string | undefined;
  do {
    onCall?.();
    // Server-side filter by instance: ceil(N/100) calls for N snapshots of this DB, whatever else is in the region.
    const page = await rds.send(
      new RDS.DescribeDBSnapshotsCommand({
        ...input,
        MaxRecords: input.DBSnapshotIdentifier ? undefined : PAGE_SIZE,
        Marker: marker,
      }),
    );
    snapshots.push(...(page.DBSnapshots ?? []));
    marker = page.Marker;
  } while (marker);
  return snapshots;
}

export async function findRestorableSnapshot(rds: RDSClient, options: FindSnapshotOptions): Promise<RestorePoint> {
  const { sourceIdentifier, targetRegion } = options;
  if (options.snapshotIdentifier) {
    let found: DBSnapshot[];
    try {
      found = await describeAll(rds, { DBSnapshotIdentifier: options.snapshotIdentifier }, options.onCall);
    } catch (error) {
      if (awsErrorName(error) === "DBSnapshotNotFoundFault" || awsErrorName(error) === "DBSnapshotNotFound") found = [];
      else throw wrapAwsError(`DescribeDBSnapshots in ${targetRegion}`, error);
    }
    const snapshot = found[0];
    if (!snapshot) {
      throw new PreconditionError(
        "SNAPSHOT_NOT_FOUND",
        `snapshot ${options.snapshotIdentifier} does not exist in ${targetRegion}`,
        {
          hint: `List the copies with: aws rds describe-db-snapshots --region ${targetRegion} --db-instance-identifier ${sourceIdentifier}`,
        },
      );
    }
    if (snapshot.DBInstanceIdentifier !== sourceIdentifier) {
      throw new PreconditionError(
        "SNAPSHOT_OTHER_DATABASE",
        `snapshot ${options.snapshotIdentifier} belongs to ${snapshot.DBInstanceIdentifier}, not to ${sourceIdentifier}`,
        { hint: "Pass a snapshot of the plan's database.sourceIdentifier, or omit --snapshot to use the newest copy." },
      );
    }
    if (snapshot.Status !== "available") {
      throw new PreconditionError(
        "SNAPSHOT_NOT_AVAILABLE",
        `snapshot ${options.snapshotIdentifier} is ${snapshot.Status}, not available`,
        {
          hint: "Wait for the copy to finish (aws rds wait db-snapshot-available) or pick another snapshot.",
        },
      );
    }
    return toRestorePoint(snapshot);
  }

  let snapshots: DBSnapshot[];
  try {
    snapshots = await describeAll(rds, { DBInstanceIdentifier: sourceIdentifier }, options.onCall);
  } catch (error) {
    throw wrapAwsError(`DescribeDBSnapshots in ${targetRegion}`, error);
  }
  // Filter client-side too: an emulator may ignore the server-side filter.
  const mine = snapshots.filter((snapshot) => snapshot.DBInstanceIdentifier === sourceIdentifier);
  const available = mine.filter((snapshot) => snapshot.Status === "available" && capturedAt(snapshot));
  if (available.length === 0) {
    const pending = mine.length - available.length;
    throw new PreconditionError(
      "NO_RESTORABLE_SNAPSHOT",
      `no available snapshot of ${sourceIdentifier} in ${targetRegion}${pending ? ` (${pending} not yet available)` : ""}`,
      {
        hint: `Copy a snapshot to ${targetRegion} (aws rds copy-db-snapshot --region ${targetRegion} --source-db-snapshot-identifier <source ARN>) and check your copy schedule.`,
      },
    );
  }
  available.sort((a, b) => capturedAt(b)!.getTime() - capturedAt(a)!.getTime());
  return toRestorePoint(available[0]);
}

export interface FindReplicatedBackupOptions {
  sourceIdentifier: string;
  /** The plan's source region: the replicated backups of that region's instance are the ones. */
  sourceRegion: string;
  targetRegion: string;
  /** `--restore-time`: must lie inside the restore window; default: its latest restorable time. */
  restoreTime?: Date;
}

const windowText = (earliest: Date, latest: Date) => `${earliest.toISOString()} to ${latest.toISOString()}`;

/**
 * The point-in-time restore point: the automated backups of the source DB instance
 * (matched by identifier and source region in its ARN) replicated to the target
 * region, at `restoreTime` or their latest restorable time. Only the target region is asked.
 */
export async function findReplicatedBackup(
  rds: RDSClient,
  options: FindReplicatedBackupOptions,
): Promise<RestorePoint> {
  const { sourceIdentifier, sourceRegion, targetRegion } = options;
  const backups: DBInstanceAutomatedBackup[] = [];
  try {
    let marker: string | undefined;
    do {
      const page = await rds.send(
        new RDS.DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: sourceIdentifier, Marker: marker }),
      );
      backups.push(...(page.DBInstanceAutomatedBackups ?? []));
      marker = page.Marker;
    } while (marker);
  } catch (error) {
    if (awsErrorName(error) !== "DBInstanceAutomatedBackupNotFoundFault") {
      throw wrapAwsError(`DescribeDBInstanceAutomatedBackups in ${targetRegion}`, error);
    }
  }
  const replicated = backups.filter(
    (backup) =>
      backup.DBInstanceIdentifier === sourceIdentifier &&
      backup.Region === sourceRegion &&
      backup.DBInstanceArn?.split(":")[3] === sourceRegion &&
      backup.DBInstanceAutomatedBackupsArn &&
      backup.RestoreWindow?.EarliestTime &&
      backup.RestoreWindow?.LatestTime,
  );
  // Beside production (a same-region recovery) the instance's own automated backups are the ones.
  const sameRegion = sourceRegion === targetRegion;
  if (replicated.length === 0) {
    throw new PreconditionError(
      "NO_REPLICATED_BACKUP",
      sameRegion
        ? `${sourceIdentifier} has no automated backups in ${sourceRegion} to restore to a point in time`
        : `no automated backups of ${sourceIdentifier} (${sourceRegion}) are replicated to ${targetRegion}`,
      {
        hint: sameRegion
          ? `Turn automated backups on (aws rds modify-db-instance --region ${sourceRegion} --db-instance-identifier ${sourceIdentifier} --backup-retention-period 7); only times after that can be restored.`
          : `Start the replication (aws rds start-db-instance-automated-backups-replication --region ${targetRegion} --source-db-instance-arn <ARN of ${sourceIdentifier}> --kms-key-id <key of ${targetRegion}>), or set database.restoreFrom: snapshot.`,
      },
    );
  }
  // The freshest window (a replication restarted after a stop leaves the older one retained).
  replicated.sort((a, b) => b.RestoreWindow!.LatestTime!.getTime() - a.RestoreWindow!.LatestTime!.getTime());
  const backup = replicated[0];
  const earliest = backup.RestoreWindow!.EarliestTime!;
  const latest = backup.RestoreWindow!.LatestTime!;
  const arn = backup.DBInstanceAutomatedBackupsArn!;
  const at = options.restoreTime ?? latest;
  if (at.getTime() < earliest.getTime() || at.getTime() > latest.getTime()) {
    throw new PreconditionError(
      "RESTORE_TIME_OUTSIDE_WINDOW",
      `--restore-time ${at.toISOString()} is outside the restore window of ${sourceIdentifier}'s ${sameRegion ? "" : "replicated "}automated backups in ${targetRegion}: ${windowText(earliest, latest)}`,
      {
        hint: `Give a --restore-time from ${windowText(earliest, latest)}, or leave it out to restore the latest restorable time.`,
      },
    );
  }
  // Whole seconds: the restore time is what the report states and what RDS restores to.
  const capturedAt = new Date(Math.floor(at.getTime() / 1000) * 1000);
  return {
    source: "point-in-time",
    label: `point in time ${capturedAt.toISOString()} of ${arn}`,
    automatedBackupsArn: arn,
    restoreWindow: { earliest, latest },
    capturedAt: capturedAt.getTime() < earliest.getTime() ? earliest : capturedAt,
    snapshotType: "automated-backups-replica",
    encrypted: backup.Encrypted ?? false,
    kmsKeyId: backup.KmsKeyId,
    sourceRegion: backup.Region,
    engine: backup.Engine,
    masterUsername: backup.MasterUsername,
    port: backup.Port,
    allocatedStorageGiB: backup.AllocatedStorage,
  };
}
