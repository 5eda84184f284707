/**
 * The latency proxy's failback waits (test/support/latency-proxy.ts), against
 * moto: what it answers while a modeled operation runs, per region and
 * identifier, and that it stops at once when turned off. The bench's figure 7
 * measures the failback through it.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  PromoteReadReplicaCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients } from "../../automation/aws.js";
import { startLatencyProxy, type LatencyProxy } from "../support/latency-proxy.js";
import { REGION_A, REGION_B, startMoto, type MotoServer } from "../support/standin-moto.js";

let moto: MotoServer;
let proxy: LatencyProxy;
let aws: AwsClients;
beforeAll(async () => {
  moto = await startMoto();
  proxy = await startLatencyProxy(moto.endpoint, { insyncMs: 0 });
  aws = new AwsClients({ endpoint: proxy.endpoint });
}, 60_000);
afterAll(async () => {
  aws?.destroy();
  await proxy?.stop();
  await moto?.stop();
});

const WAIT = 1_500;
const waits = { snapshotCreateMs: WAIT, snapshotCopyMs: WAIT, restoreMs: WAIT, drainMs: WAIT, deploymentMs: WAIT };
const until = async <T>(look: () => Promise<T>, done: (seen: T) => boolean): Promise<number> => {
  const started = performance.now();
  while (!done(await look())) await new Promise((resolve) => setTimeout(resolve, 50));
  return performance.now() - started;
};

describe("latency proxy: a failback's SDK waits", () => {
  it("answers creating for a new snapshot, its copy (same name, other region) and a restore, then available", async () => {
    proxy.setSdkWaits(waits);
    const rdsA = aws.rds(REGION_A);
    const rdsB = aws.rds(REGION_B);
    await rdsA.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "db",
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "admin1",
        MasterUserPassword: "password-1234",
        AllocatedStorage: 20,
      }),
    );
    const snapshotStatus = (rds: typeof rdsA, id: string) => async () =>
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0]?.Status;
    await rdsA.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "db", DBSnapshotIdentifier: "final" }));
    expect(await snapshotStatus(rdsA, "final")()).toBe("creating");
    expect(await until(snapshotStatus(rdsA, "final"), (status) => status === "available")).toBeGreaterThan(WAIT / 2);

    const arn = (await rdsA.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "final" }))).DBSnapshots![0]
      .DBSnapshotArn;
    await rdsB.send(
      new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: "final" }),
    );
    // The copy's wait is the copy's region's: the source snapshot stays available.
    expect(await snapshotStatus(rdsA, "final")()).toBe("available");
    expect(await snapshotStatus(rdsB, "final")()).toBe("creating");
    await until(snapshotStatus(rdsB, "final"), (status) => status === "available");

    await rdsB.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "restored", DBSnapshotIdentifier: "final" }),
    );
    const instanceStatus = async () =>
      (await rdsB.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "restored" }))).DBInstances?.[0]
        ?.DBInstanceStatus;
    expect(await instanceStatus()).toBe("creating");
    expect(await until(instanceStatus, (status) => status === "available")).toBeGreaterThan(WAIT / 2);
  });

  it("answers modifying for a promoted read replica, then available", async () => {
    proxy.setSdkWaits({ ...waits, promoteMs: WAIT });
    const rds = aws.rds(REGION_A);
    await rds.send(
      new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: "replica", SourceDBInstanceIdentifier: "db" }),
    );
    const status = async () =>
      (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "replica" }))).DBInstances?.[0]
        ?.DBInstanceStatus;
    expect(await status()).toBe("available");
    await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: "replica" }));
    expect(await status()).toBe("modifying");
    expect(await until(status, (seen) => seen === "available")).toBeGreaterThan(WAIT / 2);
  });

  it("keeps a service scaled to 0 draining and shows a new deployment beside the old one, then steady", async () => {
    proxy.setSdkWaits(waits);
    const ecs = aws.ecs(REGION_A);
    await ecs.send(new CreateClusterCommand({ clusterName: "c" }));
    await ecs.send(new CreateServiceCommand({ cluster: "c", serviceName: "s", desiredCount: 2 }));
    const service = async () =>
      (await ecs.send(new DescribeServicesCommand({ cluster: "c", services: ["s"] }))).services![0];
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "s", forceNewDeployment: true }));
    expect((await service()).deployments).toHaveLength(2);
    await until(service, (found) => found.deployments?.length === 1);
    await ecs.send(new UpdateServiceCommand({ cluster: "c", service: "s", desiredCount: 0 }));
    expect((await service()).runningCount).toBeGreaterThan(0);
    expect(await until(service, (found) => found.runningCount === 0)).toBeGreaterThan(WAIT / 2);
  });

  it("answers as moto once turned off", async () => {
    proxy.setSdkWaits(undefined);
    const rds = aws.rds(REGION_A);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "db", DBSnapshotIdentifier: "plain" }));
    expect(
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "plain" }))).DBSnapshots?.[0]?.Status,
    ).toBe("available");
  });
});
