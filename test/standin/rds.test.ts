import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
} from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINAL_SNAPSHOT_REQUIRED } from "../../emulator/aws-standin/rds.js";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { UNKNOWN } from "../../emulator/aws-standin/wire.js";
import { motoJsonCall } from "../../emulator/rehearsal/clients.js";
import {
  checkAndCreate,
  isSecretValue,
  makeSecret,
  REGION_A,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
  ec2,
} from "../support/standin-moto.js";

const TYPE = "aws:rds/instance:Instance";

describe("stand-in aws:rds/instance:Instance on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;
  let subnetGroup: string;

  beforeAll(async () => {
    moto = await startMoto();
    const a = sdk(moto, REGION_A);
    const b = sdk(moto, REGION_B);
    await a.rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "prod-db",
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "app",
        MasterUserPassword: "source-password",
        AllocatedStorage: 20,
      }),
    );
    const snap = await a
      .rds()
      .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "prod-db", DBSnapshotIdentifier: "prod-snap" }));
    await b.rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: snap.DBSnapshot!.DBSnapshotArn,
        TargetDBSnapshotIdentifier: "dr-snap",
      }),
    );
    const subnets = await ec2(moto, REGION_B).send(new DescribeSubnetsCommand({}));
    subnetGroup = "dr-subnets";
    await b.rds().send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: subnetGroup,
        DBSubnetGroupDescription: "dr",
        SubnetIds: subnets.Subnets!.slice(0, 2).map((s) => s.SubnetId!),
      }),
    );
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("autonames a missing identifier and keeps the old one", async () => {
    const first = await provider.check(urn(TYPE, "Db"), {}, { instanceClass: "db.t3.micro" });
    expect(first.inputs.identifier).toMatch(/^db-[0-9a-f]{7}$/);
    expect(first.inputs.__defaults).toEqual(["identifier"]);
    const second = await provider.check(urn(TYPE, "Db"), first.inputs, { instanceClass: "db.t3.micro" });
    expect(second.inputs.identifier).toBe(first.inputs.identifier);
    const missing = await provider.check(urn(TYPE, "Db"), {}, {});
    expect(missing.failures?.map((f) => f.property)).toEqual(["instanceClass"]);
  });

  it("restores from the copied snapshot, sets the password, diffs and updates", async () => {
    const inputs = {
      identifier: "dr-db",
      snapshotIdentifier: "dr-snap",
      instanceClass: "db.t3.micro",
      dbSubnetGroupName: subnetGroup,
      password: makeSecret("new-password-123"),
      multiAz: false,
      publiclyAccessible: false,
      skipFinalSnapshot: false,
      tags: { app: "dr" },
    };
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "db"), inputs);
    expect(id).toBe("dr-db");
    expect(outs.arn).toContain(`:${REGION_B}:`);
    expect(outs.address).toBeTruthy();
    expect(outs.endpoint).toBe(`${outs.address}:${outs.port}`);
    expect(outs.status).toBe("available");
    expect(outs.engine).toBe("postgres");
    expect(outs.dbSubnetGroupName).toBe(subnetGroup);
    expect(outs.resourceId).toBeTruthy();
    expect(isSecretValue(outs.password)).toBe(true);
    expect(JSON.stringify(outs)).not.toContain("source-password");

    const live = await sdk(moto, REGION_B)
      .rds()
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "dr-db" }));
    expect(live.DBInstances![0]!.DBSubnetGroup?.DBSubnetGroupName).toBe(subnetGroup);

    // no change
    const same = await provider.diff(id, urn(TYPE, "db"), outs, inputs);
    expect(same.changes).toBe(false);
    // a newer snapshot forces replacement (delete first: the identifier is explicit)
    const newer = await provider.diff(id, urn(TYPE, "db"), outs, { ...inputs, snapshotIdentifier: "dr-snap-2" });
    expect(newer.changes).toBe(true);
    expect(newer.replaces).toEqual(["snapshotIdentifier"]);
    expect(newer.deleteBeforeReplace).toBe(true);
    // unknown during preview
    const unknown = await provider.diff(id, urn(TYPE, "db"), outs, { ...inputs, snapshotIdentifier: UNKNOWN });
    expect(unknown.replaces).toEqual(["snapshotIdentifier"]);
    // a password change is an update
    const password = await provider.diff(id, urn(TYPE, "db"), outs, { ...inputs, password: makeSecret("other") });
    expect(password).toMatchObject({ changes: true, replaces: [] });
    for (const prop of ["kmsKeyId", "storageEncrypted", "username", "engine", "identifier"]) {
      const value = prop === "storageEncrypted" ? true : `x-${prop}`;
      const result = await provider.diff(id, urn(TYPE, "db"), outs, { ...inputs, [prop]: value });
      expect(result.replaces, prop).toEqual([prop]);
    }

    const updated = await provider.update(id, urn(TYPE, "db"), outs, {
      ...inputs,
      instanceClass: "db.t3.small",
      applyImmediately: true,
      tags: { app: "dr", tier: "db" },
    });
    expect(updated.outs.instanceClass).toBe("db.t3.small");
    expect(updated.outs.tagsAll).toEqual({ app: "dr", tier: "db" });
    expect(isSecretValue(updated.outs.password)).toBe(true);

    const read = await provider.read(id, urn(TYPE, "db"), updated.outs);
    expect(read.id).toBe("dr-db");
    expect(read.props.instanceClass).toBe("db.t3.small");
    expect(isSecretValue(read.props.password)).toBe(true);

    // skipFinalSnapshot=false without finalSnapshotIdentifier: the real provider's error, nothing deleted
    await expect(provider.delete(id, urn(TYPE, "db"), updated.outs)).rejects.toThrow(FINAL_SNAPSHOT_REQUIRED);
    const still = await sdk(moto, REGION_B)
      .rds()
      .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "dr-db" }));
    expect(still.DBInstances).toHaveLength(1);

    // with a final snapshot identifier: the snapshot is made, the instance goes
    await provider.delete(id, urn(TYPE, "db"), { ...updated.outs, finalSnapshotIdentifier: "dr-db-final" });
    const snaps = await sdk(moto, REGION_B)
      .rds()
      .send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "dr-db-final" }));
    expect(snaps.DBSnapshots?.[0]?.DBInstanceIdentifier).toBe("dr-db");
    const gone = await provider.read(id, urn(TYPE, "db"), updated.outs);
    expect(gone.id).toBe("");
    // deleting again is a no-op
    await provider.delete(id, urn(TYPE, "db"), { ...updated.outs, skipFinalSnapshot: true });
  });

  it("refuses to delete a protected instance and skips the snapshot on request", async () => {
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "protected"), {
      identifier: "dr-protected",
      snapshotIdentifier: "dr-snap",
      instanceClass: "db.t3.micro",
      dbSubnetGroupName: subnetGroup,
      deletionProtection: true,
      skipFinalSnapshot: true,
    });
    expect(outs.deletionProtection).toBe(true);
    await expect(provider.delete(id, urn(TYPE, "protected"), outs)).rejects.toThrow(/protect/i);
    const off = await provider.update(id, urn(TYPE, "protected"), outs, {
      ...outs,
      deletionProtection: false,
      applyImmediately: true,
    });
    expect(off.outs.deletionProtection).toBe(false);
    const before = await sdk(moto, REGION_B).rds().send(new DescribeDBSnapshotsCommand({}));
    await provider.delete(id, urn(TYPE, "protected"), off.outs);
    const after = await sdk(moto, REGION_B).rds().send(new DescribeDBSnapshotsCommand({}));
    const manual = (list: typeof after.DBSnapshots) =>
      (list ?? []).filter((s) => s.SnapshotType === "manual").map((s) => s.DBSnapshotIdentifier);
    expect(manual(after.DBSnapshots)).toEqual(manual(before.DBSnapshots));
    expect((await provider.read(id, urn(TYPE, "protected"), off.outs)).id).toBe("");
  });

  it("validates kmsKeyId (ValidARN) and finalSnapshotIdentifier in Check, with upstream's messages", async () => {
    const check = (news: Record<string, unknown>) =>
      provider.check(urn(TYPE, "checked"), {}, { instanceClass: "db.t3.micro", ...news });
    const key = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expect((await check({ kmsKeyId: key, finalSnapshotIdentifier: "dr-db-final-20261128" })).failures).toEqual([]);
    expect((await check({ kmsKeyId: "alias/dr" })).failures).toEqual([
      { property: "kmsKeyId", reason: '"kms_key_id" (alias/dr) is an invalid ARN: arn: invalid prefix' },
    ]);
    expect((await check({ kmsKeyId: "arn:aws:kms:us-west-2" })).failures).toEqual([
      {
        property: "kmsKeyId",
        reason: '"kms_key_id" (arn:aws:kms:us-west-2) is an invalid ARN: arn: not enough sections',
      },
    ]);
    expect((await check({ kmsKeyId: UNKNOWN })).failures).toEqual([]); // preview: not known yet
    const bad = await check({ finalSnapshotIdentifier: "1-final--" });
    expect(bad.failures?.map((failure) => failure.reason)).toEqual([
      "invalid value for final_snapshot_identifier (must begin with alphabetic character)",
      "invalid value for final_snapshot_identifier (cannot contain two consecutive hyphens)",
      "invalid value for final_snapshot_identifier (cannot end in a hyphen)",
    ]);
    expect((await check({ finalSnapshotIdentifier: "dr_final" })).failures?.map((failure) => failure.reason)).toEqual([
      "invalid value for final_snapshot_identifier (must only contain alphanumeric characters and hyphens)",
    ]);
  });

  it("restores an encrypted copy: encryption, key, master user and engine are the live values, never the inputs", async () => {
    const a = sdk(moto, REGION_A);
    const b = sdk(moto, REGION_B);
    const createKey = async (region: string) =>
      (
        await motoJsonCall<{ KeyMetadata: { Arn: string } }>(moto.endpoint, region, {
          signingName: "kms",
          target: "TrentService.CreateKey",
          body: {},
        })
      ).KeyMetadata.Arn;
    const sourceKey = await createKey(REGION_A);
    const drKey = await createKey(REGION_B);
    await a.rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "prod-encrypted",
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "owner",
        MasterUserPassword: "source-password",
        AllocatedStorage: 20,
        StorageEncrypted: true,
        KmsKeyId: sourceKey,
      }),
    );
    const snap = await a
      .rds()
      .send(
        new CreateDBSnapshotCommand({ DBInstanceIdentifier: "prod-encrypted", DBSnapshotIdentifier: "prod-enc-snap" }),
      );
    await b.rds().send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: snap.DBSnapshot!.DBSnapshotArn,
        TargetDBSnapshotIdentifier: "dr-enc-snap",
        KmsKeyId: drKey,
      }),
    );
    // What the stack sends: no kmsKeyId, no username; the engine in another spelling.
    const inputs = {
      identifier: "dr-encrypted",
      snapshotIdentifier: "dr-enc-snap",
      instanceClass: "db.t3.micro",
      engine: "Postgres",
      dbSubnetGroupName: subnetGroup,
      skipFinalSnapshot: true,
    };
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "enc"), inputs);
    expect(outs).toMatchObject({ storageEncrypted: true, kmsKeyId: drKey, username: "owner", engine: "postgres" });

    // storageEncrypted is not Computed: left out, it diffs true → false and replaces (upstream finalizeDiff).
    expect(await provider.diff(id, urn(TYPE, "enc"), outs, inputs)).toMatchObject({
      changes: true,
      replaces: expect.arrayContaining(["storageEncrypted"]),
    });
    // Set to the snapshot's encryption (and the engine in the live spelling): no change. kmsKeyId and
    // username are Computed: left out, they keep the live values.
    const matching = { ...inputs, engine: "postgres", storageEncrypted: true };
    expect(await provider.diff(id, urn(TYPE, "enc"), outs, matching)).toMatchObject({ changes: false });
    // A plan-side key alias, another key or another user replaces, as with the real provider.
    for (const [prop, value] of [
      ["kmsKeyId", "arn:aws:kms:us-west-2:123456789012:alias/dr"],
      ["kmsKeyId", sourceKey],
      ["username", "pbadmin"],
    ] as const) {
      const result = await provider.diff(id, urn(TYPE, "enc"), outs, { ...matching, [prop]: value });
      expect(result.replaces, `${prop}=${value}`).toEqual([prop]);
    }

    // Create with inputs that differ from the snapshot: the outputs still say what RDS says.
    const echoed = await checkAndCreate(provider, urn(TYPE, "enc2"), {
      ...inputs,
      identifier: "dr-encrypted-2",
      username: "pbadmin",
      storageEncrypted: false,
    });
    expect(echoed.outs).toMatchObject({ storageEncrypted: true, kmsKeyId: drKey, username: "owner" });

    // Read refreshes the key too (it used to be skipped).
    const read = await provider.read(id, urn(TYPE, "enc"), { ...outs, kmsKeyId: "alias/stale" });
    expect(read.props.kmsKeyId).toBe(drKey);
    await provider.delete(id, urn(TYPE, "enc"), outs);
    await provider.delete(echoed.id, urn(TYPE, "enc2"), echoed.outs);
  });

  it("creates a fresh instance without a snapshot", async () => {
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "fresh"), {
      instanceClass: "db.t3.micro",
      engine: "postgres",
      username: "app",
      password: makeSecret("pw-123456789"),
      allocatedStorage: 20,
      skipFinalSnapshot: true,
    });
    expect(id).toMatch(/^fresh-[0-9a-f]{7}$/);
    expect(outs.username).toBe("app");
    await provider.delete(id, urn(TYPE, "fresh"), outs);
  });

  it("replicates a source of another region by ARN, and promotes only when replicateSourceDb is removed", async () => {
    const a = sdk(moto, REGION_A);
    const source = (await a.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "prod-db" })))
      .DBInstances![0]!;
    // ConflictsWith replicate_source_db: a replica takes these from its source.
    const conflicting = await provider.check(
      urn(TYPE, "replica"),
      {},
      { instanceClass: "db.t3.micro", replicateSourceDb: source.DBInstanceArn, engine: "postgres", username: "app" },
    );
    expect(conflicting.failures).toEqual([
      { property: "engine", reason: '"engine": conflicts with replicate_source_db' },
      { property: "username", reason: '"username": conflicts with replicate_source_db' },
    ]);

    const inputs = {
      identifier: "home-replica",
      replicateSourceDb: source.DBInstanceArn,
      instanceClass: "db.t3.micro",
      dbSubnetGroupName: subnetGroup,
      backupRetentionPeriod: 7,
      deletionProtection: true,
      skipFinalSnapshot: true,
    };
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "replica"), inputs);
    // Read sets replicate_source_db (the source's ARN, cross-region) and the source lists the replica.
    expect(outs).toMatchObject({ replicateSourceDb: source.DBInstanceArn, deletionProtection: true });
    expect(outs.arn).toContain(`:${REGION_B}:`);
    const listed = (await a.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "prod-db" })))
      .DBInstances![0]!;
    expect(listed.ReadReplicaDBInstanceIdentifiers).toEqual([outs.arn]);
    expect(await provider.diff(id, urn(TYPE, "replica"), outs, inputs)).toMatchObject({ changes: false });

    // Not ForceNew: another source is an update, which upstream refuses (a kinder stand-in would replace).
    const other = { ...inputs, replicateSourceDb: source.DBInstanceArn!.replace(":prod-db", ":other-db") };
    expect(await provider.diff(id, urn(TYPE, "replica"), outs, other)).toMatchObject({ changes: true, replaces: [] });
    await expect(provider.update(id, urn(TYPE, "replica"), outs, other)).rejects.toThrow(
      "cannot elect new source database for replication",
    );

    // Removed: an update (not a replacement) that promotes, with the configured backup retention.
    const { replicateSourceDb: _, ...promotedInputs } = inputs;
    expect(await provider.diff(id, urn(TYPE, "replica"), outs, promotedInputs)).toMatchObject({
      changes: true,
      replaces: [],
    });
    const promoted = await provider.update(id, urn(TYPE, "replica"), outs, promotedInputs);
    expect(promoted.outs.replicateSourceDb).toBe("");
    const live = (
      await sdk(moto, REGION_B)
        .rds()
        .send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
    ).DBInstances![0]!;
    expect(live.ReadReplicaSourceDBInstanceIdentifier).toBeUndefined();
    expect(live.BackupRetentionPeriod).toBe(7);
    // Promoted once: the state now matches, so the next diff (and a refresh) has nothing left to promote.
    expect(await provider.diff(id, urn(TYPE, "replica"), promoted.outs, promotedInputs)).toMatchObject({
      changes: false,
    });
    const refreshed = await provider.read(id, urn(TYPE, "replica"), outs);
    expect(refreshed.props.replicateSourceDb).toBe("");
    expect(await provider.diff(id, urn(TYPE, "replica"), refreshed.props, promotedInputs)).toMatchObject({
      changes: false,
    });
  });
});
