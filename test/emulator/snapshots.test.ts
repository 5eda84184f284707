/**
 * findRestorableSnapshot against a real moto: the newest available copy of the
 * source DB in the target region wins (by captured time, not copy time), other
 * databases' snapshots and source-region snapshots are ignored, and every
 * `--snapshot` and empty-region case fails with its stable precondition code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  type DBSnapshot,
} from "@aws-sdk/client-rds";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { ExitCode, PreconditionError } from "../../automation/errors.js";
import { findRestorableSnapshot } from "../../automation/snapshots.js";

const SOURCE = "ap-northeast-1";
const TARGET = "ap-northeast-3";
/** A target region with snapshots of other databases only. */
const EMPTY_TARGET = "us-west-2";
/** A target region with many copies, for the call counter. */
const MANY_TARGET = "eu-west-1";
const DB = "peoplebooster-production";
const OTHER_DB = "billing-production";
const SLOW = 60_000;

let moto: MotoServer;
let source: EmulatorClients;
let target: EmulatorClients;
let emptyTarget: EmulatorClients;
let manyTarget: EmulatorClients;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createInstance(clients: EmulatorClients, identifier: string): Promise<void> {
  await clients.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: identifier,
      Engine: "postgres",
      DBInstanceClass: "db.t3.micro",
      MasterUsername: "pbadmin",
      MasterUserPassword: "not-a-real-password-123",
      AllocatedStorage: 20,
      BackupRetentionPeriod: 0,
    }),
  );
}

async function snapshot(clients: EmulatorClients, instance: string, id: string): Promise<DBSnapshot> {
  const created = await clients.rds.send(
    new CreateDBSnapshotCommand({ DBInstanceIdentifier: instance, DBSnapshotIdentifier: id }),
  );
  await pause(5); // distinct millisecond timestamps: moto stamps its own clock
  return created.DBSnapshot!;
}

async function copy(clients: EmulatorClients, from: DBSnapshot, id: string): Promise<DBSnapshot> {
  const copied = await clients.rds.send(
    new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: from.DBSnapshotArn!, TargetDBSnapshotIdentifier: id }),
  );
  await pause(5);
  return copied.DBSnapshot!;
}

async function describe1(clients: EmulatorClients, id: string): Promise<DBSnapshot> {
  const { DBSnapshots = [] } = await clients.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }));
  return DBSnapshots[0];
}

/** Source snapshots, oldest first. */
const sourceSnapshots: DBSnapshot[] = [];

beforeAll(async () => {
  moto = await startMoto();
  source = emulatorClients(moto.endpoint, SOURCE);
  target = emulatorClients(moto.endpoint, TARGET);
  emptyTarget = emulatorClients(moto.endpoint, EMPTY_TARGET);
  manyTarget = emulatorClients(moto.endpoint, MANY_TARGET);

  // Source region: the production DB and three daily snapshots, oldest first.
  await createInstance(source, DB);
  for (const day of ["20250312", "20250313", "20250314"])
    sourceSnapshots.push(await snapshot(source, DB, `${DB}-${day}-030000`));

  // Target region: the copies, deliberately NOT in capture order (the newest capture is copied first),
  // so the copy with the newest SnapshotCreateTime is the oldest data.
  const [oldest, middle, newest] = sourceSnapshots;
  await copy(target, newest, newest.DBSnapshotIdentifier!);
  await copy(target, middle, middle.DBSnapshotIdentifier!);
  await copy(target, oldest, oldest.DBSnapshotIdentifier!);

  // Target region: another database with NEWER snapshots (created after every copy) — must be ignored.
  await createInstance(target, OTHER_DB);
  await snapshot(target, OTHER_DB, `${OTHER_DB}-20250315-030000`);
  await snapshot(target, OTHER_DB, `${OTHER_DB}-20250316-030000`);

  // Source region: a snapshot newer than every copy but never copied — not a restore source in the target region.
  sourceSnapshots.push(await snapshot(source, DB, `${DB}-20250315-030000-uncopied`));

  // A target region holding only another database's snapshots.
  await createInstance(emptyTarget, OTHER_DB);
  await snapshot(emptyTarget, OTHER_DB, `${OTHER_DB}-20250316-030000`);
}, SLOW);

afterAll(async () => {
  for (const clients of [source, target, emptyTarget, manyTarget]) clients?.destroy();
  await moto?.stop();
});

describe("findRestorableSnapshot: the newest copy", () => {
  it("chooses the newest available copy by captured time among several, ignoring other databases and the source region", async () => {
    const newestId = sourceSnapshots[2].DBSnapshotIdentifier!;
    const copyOfNewest = await describe1(target, newestId);
    const copyOfOldest = await describe1(target, sourceSnapshots[0].DBSnapshotIdentifier!);
    // The precondition of this test: copy order ≠ capture order, and the other DB's snapshots are the region's newest.
    expect(copyOfOldest.SnapshotCreateTime!.getTime()).toBeGreaterThan(copyOfNewest.SnapshotCreateTime!.getTime());
    const { DBSnapshots: all = [] } = await target.rds.send(new DescribeDBSnapshotsCommand({}));
    const newestInRegion = [...all].sort(
      (a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime(),
    )[0];
    expect(newestInRegion.DBInstanceIdentifier).toBe(OTHER_DB);

    const point = await findRestorableSnapshot(target.rds, { sourceIdentifier: DB, targetRegion: TARGET });
    expect(point.snapshotIdentifier).toBe(newestId);
    expect(point.snapshotArn).toBe(copyOfNewest.DBSnapshotArn);
    expect(point.snapshotArn).toContain(`:${TARGET}:`);
    // capturedAt is the ORIGINAL snapshot's time, not the copy's.
    expect(point.capturedAt).toEqual(sourceSnapshots[2].SnapshotCreateTime);
    expect(point.capturedAt).toEqual(copyOfNewest.OriginalSnapshotCreateTime);
    expect(point.capturedAt.getTime()).toBeLessThan(copyOfNewest.SnapshotCreateTime!.getTime());
    expect(point).toMatchObject({ snapshotType: "manual", engine: "postgres", encrypted: false });
  });

  it("never returns the uncopied, newer source-region snapshot", async () => {
    const point = await findRestorableSnapshot(target.rds, { sourceIdentifier: DB, targetRegion: TARGET });
    expect(point.snapshotIdentifier).not.toBe(sourceSnapshots[3].DBSnapshotIdentifier);
    expect(point.capturedAt.getTime()).toBeLessThan(sourceSnapshots[3].SnapshotCreateTime!.getTime());
  });

  it("fails with NO_RESTORABLE_SNAPSHOT when the target region holds no copy (only another database's snapshots)", async () => {
    const { DBSnapshots = [] } = await emptyTarget.rds.send(new DescribeDBSnapshotsCommand({}));
    expect(DBSnapshots.length).toBeGreaterThan(0); // the region is not empty: it holds OTHER_DB's snapshot
    const error = await findRestorableSnapshot(emptyTarget.rds, {
      sourceIdentifier: DB,
      targetRegion: EMPTY_TARGET,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error).toMatchObject({ code: "NO_RESTORABLE_SNAPSHOT", exitCode: ExitCode.precondition });
    expect((error as Error).message).toContain(DB);
    expect((error as Error).message).toContain(EMPTY_TARGET);
    expect((error as PreconditionError).hint).toContain("copy-db-snapshot");
  });
});

describe("findRestorableSnapshot: --snapshot override", () => {
  it("chooses the named snapshot when it exists, even if a newer copy exists", async () => {
    const oldestId = sourceSnapshots[0].DBSnapshotIdentifier!;
    const point = await findRestorableSnapshot(target.rds, {
      sourceIdentifier: DB,
      targetRegion: TARGET,
      snapshotIdentifier: oldestId,
    });
    expect(point.snapshotIdentifier).toBe(oldestId);
    expect(point.capturedAt).toEqual(sourceSnapshots[0].SnapshotCreateTime);
    expect(point.snapshotArn).toContain(`:${TARGET}:`);
  });

  it("fails with SNAPSHOT_NOT_FOUND for a snapshot that does not exist", async () => {
    const error = await findRestorableSnapshot(target.rds, {
      sourceIdentifier: DB,
      targetRegion: TARGET,
      snapshotIdentifier: `${DB}-19990101-000000`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error).toMatchObject({ code: "SNAPSHOT_NOT_FOUND", exitCode: ExitCode.precondition });
    expect((error as Error).message).toBe(`snapshot ${DB}-19990101-000000 does not exist in ${TARGET}`);
  });

  it("fails with SNAPSHOT_NOT_FOUND for a snapshot that exists only in the source region", async () => {
    const uncopied = sourceSnapshots[3].DBSnapshotIdentifier!;
    expect(await describe1(source, uncopied)).toBeDefined();
    await expect(
      findRestorableSnapshot(target.rds, { sourceIdentifier: DB, targetRegion: TARGET, snapshotIdentifier: uncopied }),
    ).rejects.toMatchObject({
      code: "SNAPSHOT_NOT_FOUND",
    });
  });

  it("fails with SNAPSHOT_OTHER_DATABASE for a snapshot of another database", async () => {
    const id = `${OTHER_DB}-20250316-030000`;
    const error = await findRestorableSnapshot(target.rds, {
      sourceIdentifier: DB,
      targetRegion: TARGET,
      snapshotIdentifier: id,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error).toMatchObject({ code: "SNAPSHOT_OTHER_DATABASE", exitCode: ExitCode.precondition });
    expect((error as Error).message).toBe(`snapshot ${id} belongs to ${OTHER_DB}, not to ${DB}`);
  });
});

describe("findRestorableSnapshot: DescribeDBSnapshots calls (onCall)", () => {
  it(
    "counts one call for N copies — moto ignores MaxRecords and never returns a Marker",
    async () => {
      const N = 25;
      for (let i = 0; i < N; i += 1) {
        await copy(manyTarget, sourceSnapshots[i % 3], `${DB}-copy-${String(i).padStart(2, "0")}`);
      }
      // moto ignores MaxRecords (20 asked, all 25 returned) and never sets a Marker, so findRestorableSnapshot makes
      // exactly one call whatever N is. Real AWS pages (MaxRecords 100 → ceil(N/100) calls); moto cannot exercise that.
      const page = await manyTarget.rds.send(
        new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: DB, MaxRecords: 20 }),
      );
      expect(page.DBSnapshots).toHaveLength(N);
      expect(page.Marker).toBeUndefined();

      let calls = 0;
      const point = await findRestorableSnapshot(manyTarget.rds, {
        sourceIdentifier: DB,
        targetRegion: MANY_TARGET,
        onCall: () => (calls += 1),
      });
      expect(calls).toBe(1);
      // Copies of the newest capture share its captured time: any of them is a correct answer.
      expect(point.capturedAt).toEqual(sourceSnapshots[2].SnapshotCreateTime);

      calls = 0;
      await findRestorableSnapshot(manyTarget.rds, {
        sourceIdentifier: DB,
        targetRegion: MANY_TARGET,
        snapshotIdentifier: `${DB}-copy-00`,
        onCall: () => (calls += 1),
      });
      expect(calls).toBe(1);

      calls = 0;
      await expect(
        findRestorableSnapshot(emptyTarget.rds, {
          sourceIdentifier: DB,
          targetRegion: EMPTY_TARGET,
          onCall: () => (calls += 1),
        }),
      ).rejects.toMatchObject({ code: "NO_RESTORABLE_SNAPSHOT" });
      expect(calls).toBe(1);
    },
    SLOW,
  );
});
