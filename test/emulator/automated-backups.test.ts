/**
 * The emulator's gap-fill of replicated automated backups (emulator/substrate/moto-server.py),
 * against the AWS SDK: StartDBInstanceAutomatedBackupsReplication in the destination region,
 * DescribeDBInstanceAutomatedBackups with a RestoreWindow whose LatestTime advances,
 * RestoreDBInstanceToPointInTime from SourceDBInstanceAutomatedBackupsArn with RestoreTime or
 * UseLatestRestorableTime, and the refusals AWS gives. moto alone has none of it.
 */
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  RestoreDBInstanceToPointInTimeCommand,
  StartDBInstanceAutomatedBackupsReplicationCommand,
  StopDBInstanceAutomatedBackupsReplicationCommand,
} from "@aws-sdk/client-rds";
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, awsErrorName, EMULATOR_CREDENTIALS } from "../../automation/aws.js";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";

const SOURCE = "ap-northeast-1";
const TARGET = "ap-northeast-3";
const DB = "peoplebooster-production";
const LAG_SECONDS = 2;
const HISTORY_SECONDS = 3_600;

let moto: MotoServer;
let source: EmulatorClients;
let target: EmulatorClients;
let sourceArn: string;
let keyArn: string;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => ({ name: awsErrorName(error), message: (error as Error).message }),
  );

beforeAll(async () => {
  moto = await startMoto({
    env: {
      DR_EMULATOR_PITR_LAG_SECONDS: String(LAG_SECONDS),
      DR_EMULATOR_PITR_HISTORY_SECONDS: String(HISTORY_SECONDS),
    },
  });
  source = emulatorClients(moto.endpoint, SOURCE);
  target = emulatorClients(moto.endpoint, TARGET);
  const created = await source.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: DB,
      Engine: "postgres",
      DBInstanceClass: "db.t3.micro",
      MasterUsername: "pbadmin",
      MasterUserPassword: "not-a-real-password-123",
      AllocatedStorage: 20,
      BackupRetentionPeriod: 7,
      StorageEncrypted: true,
    }),
  );
  sourceArn = created.DBInstance!.DBInstanceArn!;
  const aws = new AwsClients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  keyArn = (await aws.kms(TARGET).send(new CreateKeyCommand({ Description: "replicated backups" }))).KeyMetadata!.Arn!;
  const subnets = (await target.ec2.send(new DescribeSubnetsCommand({}))).Subnets!;
  aws.destroy();
  await target.rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: "dr-db",
      DBSubnetGroupDescription: "DR",
      SubnetIds: [subnets[0].SubnetId!],
    }),
  );
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe("replicated automated backups (emulator gap-fill)", () => {
  it("refuses an encrypted source without a key of the destination region, and a source that does not exist", async () => {
    expect(
      await failure(
        target.rds.send(new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: sourceArn })),
      ),
    ).toMatchObject({ name: "InvalidParameterCombination", message: expect.stringContaining("KmsKeyId") });
    expect(
      await failure(
        target.rds.send(
          new StartDBInstanceAutomatedBackupsReplicationCommand({
            SourceDBInstanceArn: sourceArn.replace(DB, "no-such-db"),
            KmsKeyId: keyArn,
          }),
        ),
      ),
    ).toMatchObject({ name: expect.stringMatching(/^DBInstanceNotFound/) });
  });

  it("replicates to the destination region, with a restore window whose LatestTime advances and trails the clock", async () => {
    const started = await target.rds.send(
      new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: sourceArn, KmsKeyId: keyArn }),
    );
    const backup = started.DBInstanceAutomatedBackup!;
    expect(backup).toMatchObject({
      DBInstanceArn: sourceArn,
      DBInstanceIdentifier: DB,
      Region: SOURCE,
      Status: "replicating",
      Encrypted: true,
      KmsKeyId: keyArn,
      Engine: "postgres",
      MasterUsername: "pbadmin",
    });
    expect(backup.DBInstanceAutomatedBackupsArn).toMatch(new RegExp(`^arn:aws:rds:${TARGET}:\\d{12}:auto-backup:ab-`));
    // Twice in one region: AWS refuses.
    expect(
      await failure(
        target.rds.send(
          new StartDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: sourceArn, KmsKeyId: keyArn }),
        ),
      ),
    ).toMatchObject({ name: expect.stringMatching(/^DBInstanceAutomatedBackupQuotaExceeded/) });

    const describeOne = async () =>
      (
        await target.rds.send(
          new DescribeDBInstanceAutomatedBackupsCommand({
            DBInstanceAutomatedBackupsArn: backup.DBInstanceAutomatedBackupsArn,
          }),
        )
      ).DBInstanceAutomatedBackups![0];
    const first = await describeOne();
    const { EarliestTime, LatestTime } = first.RestoreWindow!;
    const now = Date.now();
    expect(now - EarliestTime!.getTime()).toBeGreaterThanOrEqual((HISTORY_SECONDS - 5) * 1000);
    expect(now - LatestTime!.getTime()).toBeGreaterThanOrEqual((LAG_SECONDS - 1) * 1000);
    expect(now - LatestTime!.getTime()).toBeLessThan((LAG_SECONDS + 5) * 1000);
    await pause(1_100);
    const later = await describeOne();
    expect(later.RestoreWindow!.LatestTime!.getTime()).toBeGreaterThan(LatestTime!.getTime());
    expect(later.RestoreWindow!.EarliestTime).toEqual(EarliestTime);
    // By source instance identifier, as preflight looks it up; nothing in the source region's list.
    const byIdentifier = await target.rds.send(
      new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: DB }),
    );
    expect(byIdentifier.DBInstanceAutomatedBackups!.map((b) => b.DBInstanceAutomatedBackupsArn)).toContain(
      backup.DBInstanceAutomatedBackupsArn,
    );
    expect(
      await failure(
        target.rds.send(
          new DescribeDBInstanceAutomatedBackupsCommand({
            DBInstanceAutomatedBackupsArn: `${backup.DBInstanceAutomatedBackupsArn}x`,
          }),
        ),
      ),
    ).toMatchObject({ name: expect.stringMatching(/^DBInstanceAutomatedBackupNotFound/) });
  });

  it("restores to a time inside the window or the latest restorable time, encrypted with the replicated backup's key", async () => {
    const backup = (
      await target.rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: DB }))
    ).DBInstanceAutomatedBackups!.find((b) => b.Region === SOURCE)!;
    const arn = backup.DBInstanceAutomatedBackupsArn!;
    const { EarliestTime, LatestTime } = backup.RestoreWindow!;
    const restore = (target: string, extra: Record<string, unknown>) =>
      emulatorRestore({ SourceDBInstanceAutomatedBackupsArn: arn, TargetDBInstanceIdentifier: target, ...extra });

    expect(
      await failure(restore("pitr-both", { RestoreTime: LatestTime, UseLatestRestorableTime: true })),
    ).toMatchObject({
      name: "InvalidParameterCombination",
    });
    expect(await failure(restore("pitr-none", {}))).toMatchObject({ name: "InvalidParameterCombination" });
    const tooEarly = await failure(restore("pitr-early", { RestoreTime: new Date(EarliestTime!.getTime() - 60_000) }));
    expect(tooEarly).toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("restore window"),
    });
    const tooLate = await failure(restore("pitr-late", { RestoreTime: new Date(Date.now() + 60_000) }));
    expect(tooLate).toMatchObject({ name: "InvalidParameterValue" });

    const inside = new Date(EarliestTime!.getTime() + 60_000);
    const restored = (await restore("pitr-inside", { RestoreTime: inside, DBSubnetGroupName: "dr-db" })).DBInstance!;
    expect(restored).toMatchObject({
      DBInstanceIdentifier: "pitr-inside",
      Engine: "postgres",
      MasterUsername: "pbadmin",
      StorageEncrypted: true,
      KmsKeyId: keyArn,
      DBSubnetGroup: { DBSubnetGroupName: "dr-db" },
    });
    expect(restored.AvailabilityZone?.startsWith(TARGET)).toBe(true);
    await restore("pitr-latest", { UseLatestRestorableTime: true, DBSubnetGroupName: "dr-db" });
    const listed = await target.rds.send(new DescribeDBInstancesCommand({}));
    expect(listed.DBInstances!.map((db) => db.DBInstanceIdentifier).sort()).toEqual(["pitr-inside", "pitr-latest"]);
  });

  it("freezes LatestTime when the replication stops (as an outage of the source region does)", async () => {
    const stopped = await target.rds.send(
      new StopDBInstanceAutomatedBackupsReplicationCommand({ SourceDBInstanceArn: sourceArn }),
    );
    expect(stopped.DBInstanceAutomatedBackup?.Status).toBe("retained");
    const latest = stopped.DBInstanceAutomatedBackup!.RestoreWindow!.LatestTime!.getTime();
    await pause(1_100);
    const again = (
      await target.rds.send(
        new DescribeDBInstanceAutomatedBackupsCommand({
          DBInstanceAutomatedBackupsArn: stopped.DBInstanceAutomatedBackup!.DBInstanceAutomatedBackupsArn,
        }),
      )
    ).DBInstanceAutomatedBackups![0];
    expect(again.RestoreWindow!.LatestTime!.getTime()).toBe(latest);
  });

  it("stamps a snapshot tagged dr-emulator:snapshot-create-time with that time, and its copies keep it", async () => {
    const at = new Date(Date.now() - 6 * 3_600_000);
    at.setMilliseconds(0);
    const created = await source.rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: DB,
        DBSnapshotIdentifier: "daily",
        Tags: [{ Key: "dr-emulator:snapshot-create-time", Value: at.toISOString() }],
      }),
    );
    expect(created.DBSnapshot?.SnapshotCreateTime).toEqual(at);
    expect(created.DBSnapshot?.OriginalSnapshotCreateTime).toEqual(at);
  });
});

describe("an instance's own automated backups (same-region recovery)", () => {
  it("lists them active with a restore window trailing the clock, and restores inside it only", async () => {
    const own = (await source.rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: DB })))
      .DBInstanceAutomatedBackups!;
    expect(own).toHaveLength(1);
    const backup = own[0];
    expect(backup).toMatchObject({
      DBInstanceIdentifier: DB,
      DBInstanceArn: sourceArn,
      Region: SOURCE,
      Status: "active",
      Encrypted: true,
      DBInstanceAutomatedBackupsArn: expect.stringMatching(
        new RegExp(`^arn:aws:rds:${SOURCE}:\\d{12}:auto-backup:ab-`),
      ),
    });
    const { EarliestTime, LatestTime } = backup.RestoreWindow!;
    expect(Date.now() - LatestTime!.getTime()).toBeGreaterThanOrEqual(LAG_SECONDS * 1000 - 1000);
    expect(LatestTime!.getTime() - EarliestTime!.getTime()).toBeGreaterThanOrEqual(
      (HISTORY_SECONDS - LAG_SECONDS) * 1000,
    );

    const restore = (name: string, extra: Record<string, unknown>) =>
      source.rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: DB,
          TargetDBInstanceIdentifier: name,
          ...extra,
        } as never),
      );
    // moto alone restores any time, and with neither or both of the two.
    expect(await failure(restore("own-none", {}))).toMatchObject({ name: "InvalidParameterCombination" });
    expect(
      await failure(restore("own-both", { RestoreTime: LatestTime, UseLatestRestorableTime: true })),
    ).toMatchObject({ name: "InvalidParameterCombination" });
    expect(await failure(restore("own-late", { RestoreTime: new Date(Date.now() + 60_000) }))).toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringContaining("restore window"),
    });
    const inside = new Date(LatestTime!.getTime() - 60_000);
    const restored = (await restore("own-recovery", { RestoreTime: inside })).DBInstance!;
    expect(restored).toMatchObject({
      DBInstanceIdentifier: "own-recovery",
      Engine: "postgres",
      StorageEncrypted: true,
    });
    expect(restored.AvailabilityZone?.startsWith(SOURCE)).toBe(true);
    // A restore, not a replica (moto alone names the source as its replication source).
    expect(restored.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    // The restored instance has backups of its own now; the source's are still listed once.
    const listed = (await source.rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: DB })))
      .DBInstanceAutomatedBackups!;
    expect(listed).toHaveLength(1);
  });
});

function emulatorRestore(input: Record<string, unknown>) {
  return target.rds.send(new RestoreDBInstanceToPointInTimeCommand(input as never));
}
