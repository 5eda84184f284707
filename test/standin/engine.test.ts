/**
 * The stand-in under the real Pulumi engine: an inline Automation API program
 * with an explicit aws.Provider pointed at moto.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { DescribeServicesCommand } from "@aws-sdk/client-ecs";
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
} from "@aws-sdk/client-rds";
import { CreateHostedZoneCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REGION_A, REGION_B, sdk, startMoto, type MotoServer, ec2 } from "../support/standin-moto.js";
import { pluginScript } from "../support/standin-plugin.js";
import { emulatorSecretsProvider, motoJsonCall } from "../../emulator/rehearsal/clients.js";

// The global setup builds (or finds) the CLI and exports its root: this test never skips.
const cliRoot = process.env.DR_FAILOVER_PULUMI_ROOT!;

describe("the stand-in under the real Pulumi engine", () => {
  let moto: MotoServer;
  let work: string;

  beforeAll(async () => {
    moto = await startMoto();
    work = mkdtempSync(join(tmpdir(), "standin-engine-"));
  }, 180_000);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("up, no-op up, update and destroy through the engine", async () => {
    const zone = await sdk(moto, REGION_B)
      .route53()
      .send(new CreateHostedZoneCommand({ Name: "dr.example", CallerReference: "e1" }));
    const zoneId = zone.HostedZone!.Id!.replace("/hostedzone/", "");
    // seeded world: a snapshot copied from region A into B, and a DB subnet group in B
    const a = sdk(moto, REGION_A);
    const b = sdk(moto, REGION_B);
    await a.rds().send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: "prod-db",
        DBInstanceClass: "db.t3.micro",
        Engine: "postgres",
        MasterUsername: "app",
        MasterUserPassword: "source-pw-1",
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
    const vpcId = (
      await ec2(moto, REGION_B).send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))
    ).Vpcs![0]!.VpcId!;
    const subnets = (
      await ec2(moto, REGION_B).send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))
    )
      .Subnets!.slice(0, 2)
      .map((x) => x.SubnetId!);
    const securityGroups = (
      await ec2(moto, REGION_B).send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
      )
    )
      .SecurityGroups!.slice(0, 1)
      .map((g) => g.GroupId!);
    await b.rds().send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: "dr-subnets",
        DBSubnetGroupDescription: "dr",
        SubnetIds: subnets,
      }),
    );
    // The state's secrets under a KMS key in moto: a passphrase costs ~1 s of PBKDF2 in each of the ~15 CLI calls.
    const key = await motoJsonCall<{ KeyMetadata: { KeyId: string } }>(moto.endpoint, REGION_B, {
      signingName: "kms",
      target: "TrentService.CreateKey",
      body: {},
    });
    await motoJsonCall(moto.endpoint, REGION_B, {
      signingName: "kms",
      target: "TrentService.CreateAlias",
      body: { AliasName: "alias/standin-engine", TargetKeyId: key.KeyMetadata.KeyId },
    });
    const auto = await import("@pulumi/pulumi/automation/index.js");

    let target = "10.0.0.1";
    const program = async () => {
      const pulumi = await import("@pulumi/pulumi");
      // Per-service modules as the DR stack imports them (stacks/provider.ts says why).
      const aws = {
        Provider: (await import("@pulumi/aws/provider.js")).Provider,
        ecs: (await import("@pulumi/aws/ecs/index.js")).default,
        iam: (await import("@pulumi/aws/iam/index.js")).default,
        lb: (await import("@pulumi/aws/lb/index.js")).default,
        rds: (await import("@pulumi/aws/rds/index.js")).default,
        route53: (await import("@pulumi/aws/route53/index.js")).default,
        secretsmanager: (await import("@pulumi/aws/secretsmanager/index.js")).default,
      };
      const e = moto.endpoint;
      const provider = new aws.Provider("target", {
        region: REGION_B as any,
        endpoints: [{ route53: e, secretsmanager: e, iam: e, ecs: e, s3: e, rds: e, elbv2: e, ec2: e }],
        s3UsePathStyle: true,
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        accessKey: "test",
        secretKey: "test",
      });
      const found = await aws.route53.getZone({ name: "dr.example" }, { provider });
      const record = new aws.route53.Record(
        "app",
        { zoneId: found.zoneId, name: "app.dr.example", type: "A", ttl: 30, records: [target] },
        { provider },
      );
      const secret = new aws.secretsmanager.Secret("creds", { recoveryWindowInDays: 0 }, { provider });
      new aws.secretsmanager.SecretVersion(
        "creds",
        { secretId: secret.id, secretString: pulumi.secret("very-secret-value") },
        { provider },
      );
      const role = new aws.iam.Role(
        "task",
        {
          assumeRolePolicy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          }),
        },
        { provider },
      );
      new aws.iam.RolePolicy(
        "task",
        {
          role: role.name,
          policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
          }),
        },
        { provider },
      );
      const cluster = new aws.ecs.Cluster("app", {}, { provider });
      const db = new aws.rds.Instance(
        "db",
        {
          identifier: "dr-db",
          snapshotIdentifier: "dr-snap",
          instanceClass: "db.t3.micro",
          dbSubnetGroupName: "dr-subnets",
          vpcSecurityGroupIds: securityGroups,
          password: pulumi.secret("restored-pw-1"),
          skipFinalSnapshot: true,
          tags: { app: "dr" },
        },
        { provider, ignoreChanges: ["snapshotIdentifier"] },
      );
      const alb = new aws.lb.LoadBalancer(
        "alb",
        { loadBalancerType: "application", subnets, securityGroups },
        { provider },
      );
      const tg = new aws.lb.TargetGroup(
        "web",
        { port: 80, protocol: "HTTP", targetType: "ip", vpcId, healthCheck: { path: "/", matcher: "200" } },
        { provider },
      );
      const listener = new aws.lb.Listener(
        "http",
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [{ type: "forward", targetGroupArn: tg.arn }],
        },
        { provider },
      );
      const td = new aws.ecs.TaskDefinition(
        "web",
        {
          family: "web",
          containerDefinitions: JSON.stringify([
            { name: "web", image: "nginx", essential: true, portMappings: [{ containerPort: 80 }] },
          ]),
          cpu: "256",
          memory: "512",
          networkMode: "awsvpc",
          requiresCompatibilities: ["FARGATE"],
          executionRoleArn: role.arn,
        },
        { provider },
      );
      const service = new aws.ecs.Service(
        "web",
        {
          cluster: cluster.arn,
          taskDefinition: td.arn,
          desiredCount: 2,
          launchType: "FARGATE",
          networkConfiguration: { subnets, securityGroups, assignPublicIp: false },
          loadBalancers: [{ targetGroupArn: tg.arn, containerName: "web", containerPort: 80 }],
          waitForSteadyState: true,
        },
        { provider, dependsOn: [listener] },
      );
      new aws.route53.Record(
        "www",
        {
          zoneId: found.zoneId,
          name: "www.dr.example",
          type: "A",
          aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
        },
        { provider },
      );
      return {
        fqdn: record.fqdn,
        secretArn: secret.arn,
        clusterArn: cluster.arn,
        zoneId: found.zoneId,
        dbEndpoint: db.endpoint,
        serviceId: service.id,
      };
    };

    const stack = await auto.LocalWorkspace.createOrSelectStack(
      { stackName: "dev", projectName: "standin-engine", program },
      {
        workDir: work,
        pulumiCommand: await auto.PulumiCommand.get({ root: cliRoot, skipVersionCheck: true }),
        projectSettings: { name: "standin-engine", runtime: "nodejs", backend: { url: `file://${work}` } },
        secretsProvider: emulatorSecretsProvider(moto.endpoint, REGION_B, "alias/standin-engine"),
        envVars: {
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
          PULUMI_SKIP_UPDATE_CHECK: "true",
          PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
          PULUMI_HOME: join(work, ".pulumi-home"),
          PATH: `${dirname(pluginScript)}${delimiter}${process.env.PATH}`,
        },
      },
    );
    const log: string[] = [];
    const onOutput = (line: string) => log.push(line);
    try {
      const up = await stack.up({ onOutput });
      expect(up.summary.result).toBe("succeeded");
      expect(up.outputs.fqdn!.value).toBe("app.dr.example");
      expect(up.outputs.zoneId!.value).toBe(zoneId);
      expect(up.outputs.clusterArn!.value).toContain(`:${REGION_B}:`);
      expect(up.outputs.dbEndpoint!.value).toMatch(/^dr-db\..*:5432$/);
      const dbLive = await b.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "dr-db" }));
      expect(dbLive.DBInstances?.[0]?.DBSubnetGroup?.DBSubnetGroupName).toBe("dr-subnets");
      const svc = await b.ecs().send(
        new DescribeServicesCommand({
          cluster: up.outputs.clusterArn!.value,
          services: [up.outputs.serviceId!.value],
        }),
      );
      expect(svc.services?.[0]?.runningCount).toBe(2);
      const secrets = await sdk(moto, REGION_B).secretsManager().send(new ListSecretsCommand({}));
      expect(secrets.SecretList?.map((s) => s.Name)).toEqual([expect.stringMatching(/^creds-[0-9a-f]{7}$/)]);

      const again = await stack.up({ onOutput });
      expect(again.summary.resourceChanges).not.toHaveProperty("update");
      expect(again.summary.resourceChanges).not.toHaveProperty("replace");
      expect(again.summary.resourceChanges).not.toHaveProperty("create");
      expect(again.summary.resourceChanges).not.toHaveProperty("delete");

      const refreshed = await stack.refresh({ onOutput });
      expect(refreshed.summary.result).toBe("succeeded");

      target = "10.0.0.2";
      const moved = await stack.up({ onOutput });
      expect(moved.summary.resourceChanges?.update).toBe(1);
      const sets = await sdk(moto, REGION_B)
        .route53()
        .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
      expect(sets.ResourceRecordSets?.find((s) => s.Name === "app.dr.example.")?.ResourceRecords?.[0]?.Value).toBe(
        "10.0.0.2",
      );

      // the secret stays marked secret in the state (export shows it as {sig, plaintext})
      const deployment = (await stack.exportStack()).deployment;
      const version = deployment.resources.find(
        (r: { type: string }) => r.type === "aws:secretsmanager/secretVersion:SecretVersion",
      );
      expect(version.inputs.secretString).toHaveProperty(["4dabf18193072939515e22adb298388d"]);
      expect(version.outputs.secretString).toHaveProperty(["4dabf18193072939515e22adb298388d"]);
      expect(log.join("")).not.toContain("very-secret-value");

      const destroyed = await stack.destroy({ onOutput });
      expect(destroyed.summary.result).toBe("succeeded");
      const after = await sdk(moto, REGION_B)
        .route53()
        .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
      expect(after.ResourceRecordSets?.some((s) => s.Name === "app.dr.example.")).toBe(false);
      expect(after.ResourceRecordSets?.some((s) => s.Name === "www.dr.example.")).toBe(false);
      await expect(b.rds().send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: "dr-db" }))).rejects.toThrow();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- engine output ---\n${log.join("")}`);
    }
  }, 300_000);
});
