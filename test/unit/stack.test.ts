/**
 * The stack program under Pulumi mocks: the options that keep data and
 * production DNS safe, read from the engine's registration requests.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import type { DrMode } from "../../stacks/args.js";
import { loadPlan } from "../../automation/plan.js";
import type { PreflightResult } from "../../automation/preflight.js";
import { stackArgsFor } from "../../automation/run/stack-args.js";
import { exampleStackArgs } from "../support/stack-args.js";

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, any>;
  protect: boolean;
  ignoreChanges: string[];
  customTimeouts?: { create: string; update: string };
  deleteBeforeReplace: boolean;
  dependencies: string[];
  provider: string;
  parent: string;
  urn: string;
}

let registrations: Registration[];
let invokes: { token: string; args: Record<string, any> }[];

async function setupMocks() {
  registrations = [];
  invokes = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          arn: `arn:aws:mock:::${args.name}`,
          address: args.type === "aws:rds/instance:Instance" ? "db.mock.local" : undefined,
          dnsName: args.type === "aws:lb/loadBalancer:LoadBalancer" ? "alb.mock.local" : undefined,
          primaryEndpointAddress:
            args.type === "aws:elasticache/replicationGroup:ReplicationGroup" ? "master.redis.mock.local" : undefined,
          fqdn: args.inputs.name,
        },
      }),
      call: (args) => {
        invokes.push({ token: args.token, args: args.inputs });
        return { bucket: args.inputs.bucket, arn: `arn:aws:s3:::${args.inputs.bucket}` };
      },
    },
    "dr-failover",
    "test",
    false,
  );
  // Options are not in MockResourceArgs: read them from the monitor's requests.
  const monitor = (pulumi.runtime as any).getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (request: any, callback: any) => {
    registrations.push({
      type: request.getType(),
      name: request.getName(),
      inputs: request.getObject()?.toJavaScript() ?? {},
      protect: request.getProtect(),
      ignoreChanges: request.getIgnorechangesList(),
      customTimeouts: request.getCustomtimeouts()?.toObject(),
      deleteBeforeReplace: request.getDeletebeforereplace(),
      dependencies: request.getDependenciesList(),
      provider: request.getProvider(),
      parent: request.getParent(),
      urn: "",
    });
    return register(request, (error: any, response: any) => {
      if (response) registrations[registrations.length - 1].urn = response.getUrn();
      callback(error, response);
    });
  };
}

async function runStack(mode: DrMode, overrides = {}) {
  const { drStack } = await import("../../stacks/index.js");
  const outputs = drStack(exampleStackArgs(mode, overrides), pulumi.output("s3cr3t-password"));
  // Let every registration and apply settle.
  await new Promise<void>((resolve) => pulumi.all(Object.values(outputs)).apply(() => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return outputs;
}

const ofType = (type: string) => registrations.filter((registration) => registration.type === type);
const one = (type: string) => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0];
};

describe("the DR stack program", () => {
  beforeEach(setupMocks);

  it("puts every AWS resource in the target region through one explicit provider", async () => {
    await runStack("drill");
    const provider = one("pulumi:providers:aws");
    expect(provider.inputs.region).toBe("ap-northeast-3");
    const awsResources = registrations.filter((registration) => registration.type.startsWith("aws:"));
    expect(awsResources.length).toBeGreaterThan(10);
    for (const resource of awsResources)
      expect(resource.provider, resource.type).toContain("pulumi:providers:aws::target-ap-northeast-3");
    for (const invoke of invokes) expect(invoke.token).toBe("aws:s3/getBucket:getBucket");
  });

  it("restores the database from the chosen snapshot and never replaces it on a re-run", async () => {
    await runStack("failover");
    const db = one("aws:rds/instance:Instance");
    expect(db.inputs.snapshotIdentifier).toBe("peoplebooster-production-20261128-030000");
    expect(db.inputs.dbSubnetGroupName).toBe("peoplebooster-production-db");
    expect(db.ignoreChanges).toContain("snapshotIdentifier");
  });

  it("sets no restore-ignored input the provider reads back: no user or key; encryption as the snapshot's, pinned", async () => {
    await runStack("failover", {
      database: { ...exampleStackArgs("failover").database, storageEncrypted: true },
    });
    const db = one("aws:rds/instance:Instance");
    expect(db.inputs).not.toHaveProperty("username");
    expect(db.inputs).not.toHaveProperty("kmsKeyId");
    expect(db.inputs.storageEncrypted).toBe(true);
    expect(db.ignoreChanges).toEqual(expect.arrayContaining(["snapshotIdentifier", "engine", "storageEncrypted"]));
  });

  it("hands no RTO deadline to the provider: every wait keeps its default timeout (automation/readiness.ts owns the budget)", async () => {
    await runStack("failover");
    const aws = registrations.filter((registration) => registration.type.startsWith("aws:"));
    expect(aws.length).toBeGreaterThan(10);
    for (const resource of aws)
      expect(resource.customTimeouts ?? { create: "", update: "" }, resource.type).toMatchObject({
        create: "",
        update: "",
      });
    // The service still waits for steady state on create; readiness checks it again on every run.
    expect(one("aws:ecs/service:Service").inputs.waitForSteadyState).toBe(true);
  });

  it("protects a failover's database and takes a final snapshot on delete", async () => {
    await runStack("failover", {
      database: { ...exampleStackArgs("failover").database, finalSnapshotIdentifier: "final-1" },
    });
    const db = one("aws:rds/instance:Instance");
    expect(db.protect).toBe(true);
    expect(db.inputs.deletionProtection).toBe(true);
    expect(db.inputs.skipFinalSnapshot).toBe(false);
    expect(db.inputs.finalSnapshotIdentifier).toBe("final-1");
    expect(db.inputs.multiAz).toBe(true);
  });

  it("restores the cache from its backup, never replaces it on a re-run, and hands its endpoint to the service", async () => {
    const cache = {
      replicationGroupId: "peoplebooster-production-redis-dr",
      nodeType: "cache.t3.micro",
      numCacheClusters: 2,
      port: 6379,
      subnetGroupName: "peoplebooster-dr-cache",
      securityGroupIds: ["sg-cache"],
      snapshotArns: ["arn:aws:s3:::bucket/elasticache/redis-0001.rdb"],
      finalSnapshotIdentifier: "peoplebooster-production-redis-dr-final-ab12",
    };
    await runStack("failover", { cache });
    const group = one("aws:elasticache/replicationGroup:ReplicationGroup");
    expect(group.inputs).toMatchObject({
      replicationGroupId: cache.replicationGroupId,
      snapshotArns: cache.snapshotArns,
      numCacheClusters: 2,
      automaticFailoverEnabled: true,
      finalSnapshotIdentifier: cache.finalSnapshotIdentifier,
    });
    expect(group.ignoreChanges).toEqual(expect.arrayContaining(["snapshotArns", "snapshotName"]));
    const task = one("aws:ecs/taskDefinition:TaskDefinition");
    const environment = JSON.parse(task.inputs.containerDefinitions)[0].environment;
    expect(environment).toEqual(
      expect.arrayContaining([
        { name: "REDIS_HOST", value: "master.redis.mock.local" },
        { name: "REDIS_PORT", value: "6379" },
      ]),
    );
    // A drill's group leaves no snapshot behind; without a cache section there is no group at all.
    await setupMocks();
    await runStack("drill", { cache: { ...cache, numCacheClusters: 1, finalSnapshotIdentifier: undefined } });
    expect(one("aws:elasticache/replicationGroup:ReplicationGroup").inputs).toMatchObject({
      automaticFailoverEnabled: false,
    });
    expect(one("aws:elasticache/replicationGroup:ReplicationGroup").inputs.finalSnapshotIdentifier).toBeUndefined();
    await setupMocks();
    await runStack("drill");
    expect(ofType("aws:elasticache/replicationGroup:ReplicationGroup")).toEqual([]);
  });

  it("releases protection only when destroy asks for it, keeping the final snapshot", async () => {
    const args = exampleStackArgs("failover");
    await runStack("failover", { database: { ...args.database, releasing: true, finalSnapshotIdentifier: "final-2" } });
    const db = one("aws:rds/instance:Instance");
    expect(db.protect).toBe(false);
    expect(db.inputs.deletionProtection).toBe(false);
    expect(db.inputs.skipFinalSnapshot).toBe(false);
    expect(db.inputs.finalSnapshotIdentifier).toBe("final-2");
  });

  it("runs a drill unprotected, single-AZ and without a final snapshot", async () => {
    await runStack("drill");
    const db = one("aws:rds/instance:Instance");
    expect(db.protect).toBe(false);
    expect(db.inputs.deletionProtection).toBe(false);
    expect(db.inputs.skipFinalSnapshot).toBe(true);
    expect(db.inputs.finalSnapshotIdentifier).toBeUndefined();
    expect(db.inputs.multiAz).toBe(false);
  });

  it("gives the failover's database, the primary after a switch, the plan's backups; a drill's keeps 1 day", async () => {
    // From the reference plan (examples/peoplebooster.yaml: 7 days, 03:00–04:00 JST) through stackArgsFor.
    const plan = await loadPlan("examples/peoplebooster.yaml");
    const preflight = {
      restorePoint: { snapshotIdentifier: "peoplebooster-production-20261128-030000" },
      subnetIds: new Map(),
      securityGroupIds: new Map(),
      vpcId: "vpc-1",
      zoneId: "Z123",
      productionRecords: [],
      certificateArn: "arn:aws:acm:ap-northeast-3:123456789012:certificate/1",
      restoredDatabase: { engine: "postgres", port: 5432, username: "pbadmin", storageEncrypted: true },
    } as unknown as PreflightResult;
    const args = (mode: DrMode) => stackArgsFor(plan, "ap-northeast-3", mode, "20261128-0300-ab12", preflight).database;
    expect(args("failover")).toMatchObject({ backupRetentionPeriod: 7, backupWindow: "18:00-19:00" });
    expect(args("drill")).toMatchObject({ backupRetentionPeriod: 1, backupWindow: undefined });
    // Tasks started while the database restores are not replaced for failing health checks within the RTO.
    const service = stackArgsFor(plan, "ap-northeast-3", "failover", "20261128-0300-ab12", preflight).service;
    expect(service.healthCheckGracePeriodSeconds).toBe(plan.objectives.rto / 1000);
    expect(plan.objectives.rto).toBe(4 * 3600_000);

    await runStack("failover", { database: args("failover") });
    const db = one("aws:rds/instance:Instance");
    expect(db.inputs.backupRetentionPeriod).toBe(7);
    expect(db.inputs.backupWindow).toBe("18:00-19:00");
    await setupMocks();
    await runStack("drill", { database: args("drill") });
    const drill = one("aws:rds/instance:Instance");
    expect(drill.inputs.backupRetentionPeriod).toBe(1);
    expect(drill.inputs.backupWindow).toBeUndefined();
  });

  it("binds the replica bucket without creating or deleting any bucket", async () => {
    await runStack("drill");
    expect(registrations.filter((registration) => registration.type.startsWith("aws:s3/"))).toHaveLength(0);
    expect(invokes).toEqual([
      expect.objectContaining({
        token: "aws:s3/getBucket:getBucket",
        args: expect.objectContaining({ bucket: "peoplebooster-production-assets-apne3" }),
      }),
    ]);
    const policy = ofType("aws:iam/rolePolicy:RolePolicy").find(
      (registration) => registration.name === "replica-bucket-access",
    );
    expect(policy?.inputs.policy).toContain("arn:aws:s3:::peoplebooster-production-assets-apne3/*");
  });

  it("declares no production record: a failover's stack owns no DNS at all", async () => {
    await runStack("failover");
    // Its only record is the database's connection name, in the private zone the stack owns.
    const records = ofType("aws:route53/record:Record");
    expect(records.map((record) => record.inputs.name)).toEqual(["db.peoplebooster.dr.internal"]);
    expect(one("aws:route53/zone:Zone").inputs.vpcs).toEqual([{ vpcId: "vpc-1", vpcRegion: expect.any(String) }]);
  });

  it("gives a drill its own record, never overwriting, deleted before a replacement", async () => {
    await runStack("drill");
    const record = ofType("aws:route53/record:Record").find((r) => r.inputs.zoneId === "Z123")!;
    expect(record.inputs.name).toBe("drill-api.peoplebooster.example.com");
    expect(record.inputs.allowOverwrite).toBeUndefined();
    expect(record.deleteBeforeReplace).toBe(true);
  });

  it("keeps the password out of plain inputs: only the secret version holds it, as a secret", async () => {
    await runStack("drill");
    const version = one("aws:secretsmanager/secretVersion:SecretVersion");
    expect(JSON.stringify(version.inputs.secretString)).toContain("4dabf18193072939515e22adb298388d"); // Pulumi's secret signature
    for (const registration of registrations.filter(
      (candidate) =>
        candidate.type !== "aws:secretsmanager/secretVersion:SecretVersion" &&
        candidate.type !== "aws:rds/instance:Instance",
    )) {
      expect(JSON.stringify(registration.inputs), registration.type).not.toContain("s3cr3t-password");
    }
  });

  it("lets only the connection name's record wait for the database; the app tier starts at once", async () => {
    await runStack("drill");
    const urnOf = (type: string) => one(type).urn;
    const dbUrn = urnOf("aws:rds/instance:Instance");
    const versionUrn = urnOf("aws:secretsmanager/secretVersion:SecretVersion");
    const connection = ofType("aws:route53/record:Record").find(
      (r) => r.inputs.name === "db.drill-ab12.peoplebooster.dr.internal",
    )!;
    expect(connection).toBeDefined();
    const version = one("aws:secretsmanager/secretVersion:SecretVersion");
    expect(version.dependencies).not.toContain(dbUrn);
    expect(JSON.stringify(version.inputs.secretString)).toContain("db.drill-ab12.peoplebooster.dr.internal");
    expect(one("aws:ecs/service:Service").inputs.healthCheckGracePeriodSeconds).toBe(7200);
    // The health check is the stack's, sized for DR (10 s × 3): the app's first healthy answer after the database.
    expect(one("aws:lb/targetGroup:TargetGroup").inputs.healthCheck).toMatchObject({
      path: "/health",
      interval: 10,
      healthyThreshold: 3,
    });
    for (const type of [
      "aws:ecs/service:Service",
      "aws:secretsmanager/secretVersion:SecretVersion",
      "aws:route53/zone:Zone",
      "aws:ecs/cluster:Cluster",
      "aws:ecs/taskDefinition:TaskDefinition",
      "aws:lb/loadBalancer:LoadBalancer",
      "aws:lb/targetGroup:TargetGroup",
      "aws:lb/listener:Listener",
      "aws:iam/role:Role",
      "aws:secretsmanager/secret:Secret",
    ]) {
      for (const registration of ofType(type).filter((r) => r.inputs.zoneId !== "Z123" || true)) {
        if (registration === connection) continue;
        expect(registration.dependencies, type).not.toContain(dbUrn);
        expect(registration.dependencies, type).not.toContain(versionUrn);
      }
    }
  });

  it("serves HTTPS on :443 with the plan's certificate and policy, and :80 only redirects to it", async () => {
    await runStack("failover");
    const listeners = ofType("aws:lb/listener:Listener");
    expect(listeners.map((listener) => listener.inputs.port).sort()).toEqual([443, 80]);
    const https = listeners.find((listener) => listener.inputs.port === 443)!;
    expect(https.inputs).toMatchObject({
      protocol: "HTTPS",
      certificateArn: exampleStackArgs("failover").loadBalancer.certificateArn,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
      defaultActions: [{ type: "forward" }],
    });
    const http = listeners.find((listener) => listener.inputs.port === 80)!;
    expect(http.inputs.protocol).toBe("HTTP");
    expect(http.inputs.certificateArn).toBeUndefined();
    expect(http.inputs.defaultActions).toEqual([
      { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
    ]);
  });

  it("points the provider at an emulator only when an endpoint is given", async () => {
    await runStack("drill", { endpoint: "http://127.0.0.1:5000" });
    const provider = one("pulumi:providers:aws");
    expect(JSON.stringify(provider.inputs.endpoints)).toContain("http://127.0.0.1:5000");
    await setupMocks();
    await runStack("drill");
    expect(one("pulumi:providers:aws").inputs.endpoints).toBeUndefined();
  });
});
