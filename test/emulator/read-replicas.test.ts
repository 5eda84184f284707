/**
 * The emulator's gap-fill of cross-region read replicas (emulator/substrate/moto-server.py,
 * cross_region_read_replicas), against the AWS SDK: CreateDBInstanceReadReplica in the
 * destination region with the source's ARN, the refusals AWS gives (no backups on the source, an
 * encrypted source without a KmsKeyId of the destination region), what DescribeDBInstances
 * shows on both sides, PromoteReadReplica once (a second one is refused) and a clean delete.
 * moto alone lists a promoted instance as a replica still and cannot delete a cross-region one.
 */
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
} from "@aws-sdk/client-rds";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, awsErrorName, EMULATOR_CREDENTIALS } from "../../automation/aws.js";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";

const DR = "ap-northeast-3";
const HOME = "ap-northeast-1";
const DB = "peoplebooster-production-dr";

let moto: MotoServer;
let dr: EmulatorClients;
let home: EmulatorClients;
let sourceArn: string;
let homeKeyArn: string;

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => ({ name: awsErrorName(error), message: (error as Error).message }),
  );
const describeIn = async (clients: EmulatorClients, id: string) =>
  (await clients.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

beforeAll(async () => {
  moto = await startMoto();
  dr = emulatorClients(moto.endpoint, DR);
  home = emulatorClients(moto.endpoint, HOME);
  const created = await dr.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: DB,
      Engine: "postgres",
      DBInstanceClass: "db.t3.micro",
      MasterUsername: "pbadmin",
      MasterUserPassword: "not-a-real-password-123",
      AllocatedStorage: 20,
      BackupRetentionPeriod: 0,
      StorageEncrypted: true,
      Tags: [{ Key: "app", Value: "dr" }],
    }),
  );
  sourceArn = created.DBInstance!.DBInstanceArn!;
  const aws = new AwsClients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
  homeKeyArn = (await aws.kms(HOME).send(new CreateKeyCommand({ Description: "failback" }))).KeyMetadata!.Arn!;
  aws.destroy();
}, 60_000);

afterAll(async () => {
  await moto?.stop();
});

describe("cross-region read replicas in the emulator", () => {
  it("refuses a source without backups, and an encrypted source without a key of the destination region", async () => {
    const replicate = (extra: Record<string, unknown> = {}) =>
      home.rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: "failback-replica",
          SourceDBInstanceIdentifier: sourceArn,
          DBInstanceClass: "db.t3.micro",
          ...extra,
        }),
      );
    expect(await failure(replicate({ KmsKeyId: homeKeyArn, SourceRegion: DR }))).toMatchObject({
      name: "InvalidDBInstanceStateFault",
      message: expect.stringMatching(/Automated backups are not enabled/),
    });
    await dr.rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, BackupRetentionPeriod: 7, ApplyImmediately: true }),
    );
    expect(await failure(replicate())).toMatchObject({
      name: "InvalidParameterCombination",
      message: expect.stringMatching(/KmsKeyId is required/),
    });
    expect(await failure(replicate({ KmsKeyId: sourceArn.replace(":rds:", ":kms:") }))).toMatchObject({
      name: "InvalidParameterValue",
    });
    expect(await failure(describeIn(home, "failback-replica"))).toMatchObject({ name: "DBInstanceNotFoundFault" });
  });

  it("creates the replica by ARN, promotes it once, and deletes it cleanly", async () => {
    const created = await home.rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: "failback-replica",
        SourceDBInstanceIdentifier: sourceArn,
        DBInstanceClass: "db.t3.micro",
        KmsKeyId: homeKeyArn,
        Tags: [{ Key: "dr-failover:failback", Value: "r1" }],
      }),
    );
    expect(created.DBInstance!.DBInstanceArn).toMatch(new RegExp(`^arn:aws:rds:${HOME}:\\d{12}:db:failback-replica$`));
    const replica = await describeIn(home, "failback-replica");
    expect(replica).toMatchObject({
      ReadReplicaSourceDBInstanceIdentifier: sourceArn,
      StatusInfos: [{ StatusType: "read replication", Status: "replicating", Normal: true }],
      StorageEncrypted: true,
      KmsKeyId: homeKeyArn,
      TagList: [{ Key: "dr-failover:failback", Value: "r1" }],
    });
    const source = await describeIn(dr, DB);
    expect(source.ReadReplicaDBInstanceIdentifiers).toEqual([replica.DBInstanceArn]);
    // The source keeps its own tags (moto alone shares one list between them).
    expect(source.TagList).toEqual([{ Key: "app", Value: "dr" }]);

    await home.rds.send(
      new PromoteReadReplicaCommand({ DBInstanceIdentifier: "failback-replica", BackupRetentionPeriod: 7 }),
    );
    const promoted = await describeIn(home, "failback-replica");
    expect(promoted.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(promoted.StatusInfos ?? []).toEqual([]);
    expect(promoted.BackupRetentionPeriod).toBe(7);
    expect((await describeIn(dr, DB)).ReadReplicaDBInstanceIdentifiers ?? []).toEqual([]);
    // Never twice: a promoted instance is no replica any more.
    expect(
      await failure(home.rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: "failback-replica" }))),
    ).toMatchObject({ name: "InvalidDBInstanceStateFault" });

    // A second replica, deleted as a replica: the source's list empties (moto alone fails here).
    await home.rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: "second-replica",
        SourceDBInstanceIdentifier: sourceArn,
        DBInstanceClass: "db.t3.micro",
        KmsKeyId: homeKeyArn,
      }),
    );
    await home.rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: "second-replica", SkipFinalSnapshot: true }),
    );
    expect((await describeIn(dr, DB)).ReadReplicaDBInstanceIdentifiers ?? []).toEqual([]);
  });
});
