/**
 * The emulator's gap-fill of cross-region read replicas (emulator/substrate/moto-server.py,
 * cross_region_read_replicas), against the AWS SDK: CreateDBInstanceReadReplica in the
 * destination region with the source's ARN, the refusals AWS gives (no backups on the source, an
 * encrypted source without a KmsKeyId of the destination region), what DescribeDBInstances
 * shows on both sides, PromoteReadReplica once (a second one is refused) and a clean delete.
 * moto alone lists a promoted instance as a replica still and cannot delete a cross-region one.
 * A replica of an instance that answers at one of the emulator's PostgreSQL servers gets a server of
 * its own (emulator/rehearsal/replicas.ts): the source's rows copied, then re-copied every second
 * until the promotion, after which the two part.
 */
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import pg from "pg";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, awsErrorName, EMULATOR_CREDENTIALS } from "../../automation/aws.js";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { type RestorePointData, startRestorePointData } from "../../emulator/rehearsal/postgres.js";

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

let data: RestorePointData | undefined;

afterAll(async () => {
  await data?.stop();
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

describe("a read replica's own copy of the data", () => {
  const PASSWORD = "replica-test-password-1";
  const count = async (host: string, where: string) => {
    const client = new pg.Client({ host, port: 5432, database: "app", user: "pbadmin", password: PASSWORD });
    await client.connect();
    try {
      return Number((await client.query(`SELECT count(*) FROM users WHERE ${where}`)).rows[0].count);
    } finally {
      await client.end();
    }
  };
  const insert = async (host: string, id: number) => {
    const client = new pg.Client({ host, port: 5432, database: "app", user: "pbadmin", password: PASSWORD });
    await client.connect();
    await client.query("INSERT INTO users (id) VALUES ($1)", [id]).finally(() => client.end());
  };
  const waitFor = async <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  const available = (id: string) =>
    waitFor(`${id} available`, async () => {
      const instance = await describeIn(home, id);
      return instance.DBInstanceStatus === "available" ? instance : undefined;
    });

  it("copies the source's rows, replicates with a lag of about a second, and parts at the promotion", async () => {
    data = await startRestorePointData({
      rdsEndpointsFile: moto.rdsEndpointsFile,
      targetRegion: DR,
      restorePoints: [{ id: "served-snapshot", age: 0 }],
      port: 5432,
      database: "app",
      username: "pbadmin",
      password: PASSWORD,
    });
    await dr.rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "served-seed",
        Engine: "postgres",
        DBInstanceClass: "db.t3.micro",
        MasterUsername: "pbadmin",
        MasterUserPassword: PASSWORD,
        AllocatedStorage: 20,
      }),
    );
    await dr.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: "served-seed", DBSnapshotIdentifier: "served-snapshot" }),
    );
    await dr.rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: "served-source",
        DBSnapshotIdentifier: "served-snapshot",
      }),
    );
    await dr.rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: "served-source",
        BackupRetentionPeriod: 7,
        ApplyImmediately: true,
      }),
    );
    const source = await describeIn(dr, "served-source");
    const sourceHost = source.Endpoint!.Address!;
    expect(sourceHost).toMatch(/^127\./);

    const created = await home.rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: "served-replica",
        SourceDBInstanceIdentifier: source.DBInstanceArn,
        DBInstanceClass: "db.t3.micro",
      }),
    );
    // Creating until the emulator's server holds the copy (moto alone: available at once).
    expect(created.DBInstance!.DBInstanceStatus).toBe("creating");
    const replica = await available("served-replica");
    const replicaHost = replica.Endpoint!.Address!;
    expect(replicaHost).toMatch(/^127\./);
    expect(replicaHost).not.toBe(sourceHost);
    // The source's rows, with the source's password (the master user replicates).
    expect(await count(replicaHost, "true")).toBe(1200);

    // A write to the source reaches the replica within a few seconds.
    await insert(sourceHost, 990001);
    const started = Date.now();
    await waitFor("the write replicated", async () =>
      (await count(replicaHost, "id = 990001")) === 1 ? true : undefined,
    );
    expect(Date.now() - started).toBeLessThan(5_000);

    // Promoted: a final copy, then the two servers part.
    await home.rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: "served-replica" }));
    const promoted = await available("served-replica");
    expect(promoted.Endpoint!.Address).toBe(replicaHost);
    await insert(sourceHost, 990002);
    await insert(replicaHost, 990003);
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // more than the replication's second
    expect(await count(replicaHost, "id IN (990001, 990002, 990003)")).toBe(2);
    expect(await count(replicaHost, "id = 990002")).toBe(0);
    expect(await count(sourceHost, "id = 990003")).toBe(0);
  }, 60_000);
});
