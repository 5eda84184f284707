import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { operationDeadline } from "../../emulator/aws-standin/wire.js";
import {
  checkAndCreate,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
  ec2,
} from "../support/standin-moto.js";

describe("stand-in aws:ecs/* on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;
  let subnets: string[];
  let securityGroups: string[];

  beforeAll(async () => {
    moto = await startMoto({ ecsServiceRunning: 2 });
    const network = ec2(moto, REGION_B);
    subnets = (await network.send(new DescribeSubnetsCommand({}))).Subnets!.slice(0, 2).map((s) => s.SubnetId!);
    securityGroups = (await network.send(new DescribeSecurityGroupsCommand({})))
      .SecurityGroups!.slice(0, 1)
      .map((g) => g.GroupId!);
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("cluster, task definition and a service that waits for steady state", async () => {
    const cluster = await checkAndCreate(provider, urn("aws:ecs/cluster:Cluster", "app"), { tags: { app: "dr" } });
    expect(cluster.inputs.name).toMatch(/^app-[0-9a-f]{7}$/);
    expect(cluster.id).toBe(cluster.outs.arn);
    expect(cluster.outs.arn).toContain(`:${REGION_B}:`);

    const tdInputs = {
      family: "app",
      containerDefinitions: JSON.stringify([
        { name: "web", image: "nginx", essential: true, portMappings: [{ containerPort: 80 }] },
      ]),
      cpu: "256",
      memory: "512",
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
    };
    const td = await checkAndCreate(provider, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), tdInputs);
    expect(td.outs.revision).toBe(1);
    expect(td.outs.arn).toMatch(/task-definition\/app:1$/);
    expect(td.outs.arnWithoutRevision).toMatch(/task-definition\/app$/);
    expect(
      (await provider.diff(td.id, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), td.outs, tdInputs)).changes,
    ).toBe(false);
    const tdChanged = await provider.diff(td.id, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), td.outs, {
      ...tdInputs,
      memory: "1024",
    });
    expect(tdChanged.replaces).toEqual(["memory"]);

    const serviceUrn = urn("aws:ecs/service:Service", "web");
    const inputs = {
      name: "web",
      cluster: cluster.outs.arn,
      taskDefinition: td.outs.arn,
      desiredCount: 2,
      launchType: "FARGATE",
      networkConfiguration: { subnets, securityGroups, assignPublicIp: false },
      waitForSteadyState: true,
    };
    const service = await checkAndCreate(provider, serviceUrn, inputs);
    expect(service.id).toBe(service.outs.arn);
    expect(service.id).toContain(":service/");
    expect(service.outs.desiredCount).toBe(2);

    expect((await provider.diff(service.id, serviceUrn, service.outs, inputs)).changes).toBe(false);
    for (const prop of ["name", "cluster", "launchType"]) {
      expect(
        (await provider.diff(service.id, serviceUrn, service.outs, { ...inputs, [prop]: "other" })).replaces,
      ).toEqual([prop]);
    }
    expect(await provider.diff(service.id, serviceUrn, service.outs, { ...inputs, desiredCount: 3 })).toMatchObject({
      changes: true,
      replaces: [],
    });

    const updated = await provider.update(service.id, serviceUrn, service.outs, { ...inputs, desiredCount: 3 });
    expect(updated.outs.desiredCount).toBe(3);
    const live = await sdk(moto, REGION_B)
      .ecs()
      .send(new DescribeServicesCommand({ cluster: cluster.outs.arn, services: [service.id] }));
    expect(live.services?.[0]?.runningCount).toBe(3);

    // a service with desiredCount 1 also reaches steady state (moto reports 2 running at first)
    const single = await checkAndCreate(provider, urn("aws:ecs/service:Service", "one"), {
      ...inputs,
      name: "one",
      desiredCount: 1,
    });
    expect(single.outs.desiredCount).toBe(1);

    // Past the engine's deadline the wait for steady state fails, but the service exists: the error carries its
    // id (ErrorResourceInitFailed), so the engine records it instead of creating it again on the next update.
    const lateUrn = urn("aws:ecs/service:Service", "late");
    const checked = await provider.check(lateUrn, {}, { ...inputs, name: "late", desiredCount: 5 }); // moto runs 2 at first: not steady yet
    type InitFailure = Error & { id?: string; properties?: Record<string, unknown> };
    const late: InitFailure = await operationDeadline
      .run({ deadline: Date.now(), timeoutMs: 0 }, () => provider.create(lateUrn, checked.inputs))
      .then(
        () => new Error("created in time") as InitFailure,
        (error: InitFailure) => error,
      );
    expect(late.message).toMatch(/timeout while waiting/);
    expect(late.id).toMatch(/:service\/.+\/late$/);
    expect(late.properties).toMatchObject({ name: "late", cluster: cluster.outs.arn });
    await provider.delete(late.id!, lateUrn, late.properties!);

    for (const [id, outs, name] of [
      [service.id, updated.outs, "web"],
      [single.id, single.outs, "one"],
    ] as const) {
      await provider.delete(id, urn("aws:ecs/service:Service", name), outs);
      expect((await provider.read(id, urn("aws:ecs/service:Service", name), outs)).id).toBe("");
    }
    await provider.delete(td.id, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), td.outs);
    expect((await provider.read(td.id, urn("aws:ecs/taskDefinition:TaskDefinition", "app"), td.outs)).id).toBe("");
    await provider.delete(cluster.id, urn("aws:ecs/cluster:Cluster", "app"), cluster.outs);
    expect((await provider.read(cluster.id, urn("aws:ecs/cluster:Cluster", "app"), cluster.outs)).id).toBe("");
  }, 60_000);
});
