/**
 * The stand-in's creates that time out and the updates that continue them, as
 * the bridge and terraform-provider-aws do them (SPEC.md, "Custom timeouts"):
 * the RDS restore saves its id before it waits and spends its modeled latency
 * in that first wait, before the password modify; RDS and ECS service updates
 * modify and wait only when an input other than the excepted ones changed.
 */
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, DescribeEventsCommand } from "@aws-sdk/client-rds";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { makeSecret, operationDeadline } from "../../emulator/aws-standin/wire.js";
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

type InitFailure = Error & { id?: string; properties?: Record<string, any>; reasons?: string[] };

describe("stand-in: half-created resources and the updates that continue them", () => {
  let moto: MotoServer;
  let provider: StandinProvider;

  beforeAll(async () => {
    moto = await startMoto({ ecsServiceRunning: 2 });
    const rds = sdk(moto, REGION_B).rds();
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "source-db",
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "app",
        MasterUserPassword: "source-password",
        AllocatedStorage: 20,
      }),
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "source-db", DBSnapshotIdentifier: "snap" }));
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  afterEach(() => {
    delete process.env.DR_STANDIN_LATENCY_SCALE;
    delete process.env.DR_STANDIN_LATENCY_MODEL;
  });

  const passwordResets = async (identifier: string) =>
    (
      await sdk(moto, REGION_B)
        .rds()
        .send(new DescribeEventsCommand({ SourceType: "db-instance", SourceIdentifier: identifier }))
    ).Events?.filter((event) => event.Message === "Reset master credentials").length ?? 0;

  it("an RDS restore that outlasts its timeout is saved with its id and init errors, its password never set; the continuing update sets nothing", async () => {
    // The restore takes 2 s (modeled); the engine's deadline is 0.5 s away.
    process.env.DR_STANDIN_LATENCY_SCALE = "0.001";
    process.env.DR_STANDIN_LATENCY_MODEL = JSON.stringify({ "aws:rds/instance:Instance": { create: 2000 } });
    const dbUrn = urn("aws:rds/instance:Instance", "db");
    const inputs = {
      identifier: "dr-db",
      snapshotIdentifier: "snap",
      instanceClass: "db.t3.micro",
      password: makeSecret("new-password-123"),
      applyImmediately: true,
      skipFinalSnapshot: true,
    };
    const checked = await provider.check(dbUrn, {}, inputs);
    const started = Date.now();
    const failure: InitFailure = await operationDeadline
      .run({ deadline: Date.now() + 500, timeoutMs: 500 }, () => provider.create(dbUrn, checked.inputs))
      .then(
        () => new Error("created in time") as InitFailure,
        (error: InitFailure) => error,
      );
    // It gave up at the deadline, inside the wait for "available", not after sleeping the whole restore.
    expect(Date.now() - started).toBeLessThan(1_800);
    expect(failure.message).toMatch(/^waiting for RDS DB Instance \(dr-db\) create: timeout while waiting/);
    expect(failure.id).toBe("dr-db");
    expect(failure.reasons?.[0]).toMatch(/timeout while waiting/);
    // The state the engine records holds the configured password, as the bridge's does: no diff on the re-run.
    expect(failure.properties?.password).toEqual(checked.inputs.password);
    expect(await passwordResets("dr-db")).toBe(0);

    delete process.env.DR_STANDIN_LATENCY_MODEL;
    process.env.DR_STANDIN_LATENCY_SCALE = "1";
    // The engine "continues" it with an update that changes no input: no modify, no wait (3 s modeled otherwise).
    const continued = Date.now();
    await provider.update("dr-db", dbUrn, failure.properties!, checked.inputs);
    expect(Date.now() - continued).toBeLessThan(2_000);
    expect(await passwordResets("dr-db")).toBe(0);

    // A real change does modify (and waits).
    delete process.env.DR_STANDIN_LATENCY_SCALE;
    await provider.update("dr-db", dbUrn, failure.properties!, {
      ...checked.inputs,
      password: makeSecret("another-password-456"),
    });
    expect(await passwordResets("dr-db")).toBe(1);
    await provider.delete("dr-db", dbUrn, { ...failure.properties, skipFinalSnapshot: true });
  }, 60_000);

  it("an ECS service update waits for steady state only when a non-tag input changed", async () => {
    const network = ec2(moto, REGION_B);
    const subnets = (await network.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, 2).map((s) => s.SubnetId!);
    const securityGroups = (await network.send(new DescribeSecurityGroupsCommand({})))
      .SecurityGroups!.slice(0, 1)
      .map((g) => g.GroupId!);
    const cluster = await checkAndCreate(provider, urn("aws:ecs/cluster:Cluster", "app"), { name: "app" });
    const td = await checkAndCreate(provider, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), {
      family: "app",
      containerDefinitions: JSON.stringify([{ name: "web", image: "nginx", essential: true }]),
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
    });
    const serviceUrn = urn("aws:ecs/service:Service", "web");
    const inputs = {
      name: "web",
      cluster: cluster.outs.arn,
      taskDefinition: td.outs.arn,
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { subnets, securityGroups, assignPublicIp: false },
      waitForSteadyState: true,
      tags: { app: "dr" },
    };
    const service = await checkAndCreate(provider, serviceUrn, inputs);
    const update = (news: Record<string, unknown>) =>
      operationDeadline.run({ deadline: Date.now() + 60_000, timeoutMs: 60_000 }, () =>
        provider.update(service.id, serviceUrn, service.outs, news),
      );
    process.env.DR_STANDIN_LATENCY_SCALE = "0.01"; // 240 s modeled for a waiting update: 2.4 s
    let started = Date.now();
    await update({ ...inputs, tags: { app: "dr", run: "2" } });
    expect(Date.now() - started).toBeLessThan(1_500);
    started = Date.now();
    await update(inputs);
    expect(Date.now() - started).toBeLessThan(1_500);
    started = Date.now();
    await update({ ...inputs, desiredCount: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_400);
    delete process.env.DR_STANDIN_LATENCY_SCALE;
    await provider.delete(service.id, serviceUrn, { ...service.outs, cluster: cluster.outs.arn });
  }, 60_000);
});
