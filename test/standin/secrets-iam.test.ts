import {
  CreatePolicyCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { DescribeSecretCommand, GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import {
  checkAndCreate,
  isSecretValue,
  makeSecret,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
} from "../support/standin-moto.js";

describe("stand-in aws:secretsmanager/* and aws:iam/* on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;

  beforeAll(async () => {
    moto = await startMoto();
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("secret + secret version: create, diff, delete (recoveryWindowInDays 0 forces)", async () => {
    const sm = sdk(moto, REGION_B).secretsManager();
    const secretUrn = urn("aws:secretsmanager/secret:Secret", "db");
    const secret = await checkAndCreate(provider, secretUrn, {
      name: "dr/db",
      description: "db creds",
      recoveryWindowInDays: 0,
    });
    expect(secret.id).toBe(secret.outs.arn);
    expect(secret.outs.arn).toContain(`:${REGION_B}:`);
    expect(
      (await provider.diff(secret.id, secretUrn, secret.outs, { ...secret.inputs, name: "dr/other" })).replaces,
    ).toEqual(["name"]);

    const versionUrn = urn("aws:secretsmanager/secretVersion:SecretVersion", "db");
    const versionInputs = { secretId: secret.outs.arn, secretString: makeSecret('{"password":"s3cret"}') };
    const version = await checkAndCreate(provider, versionUrn, versionInputs);
    expect(version.id).toBe(`${secret.outs.arn}|${version.outs.versionId}`);
    expect(version.outs.arn).toBe(secret.outs.arn);
    expect(version.outs.versionStages).toContain("AWSCURRENT");
    expect(isSecretValue(version.outs.secretString)).toBe(true);
    const value = await sm.send(new GetSecretValueCommand({ SecretId: secret.outs.arn }));
    expect(value.SecretString).toBe('{"password":"s3cret"}');

    expect((await provider.diff(version.id, versionUrn, version.outs, versionInputs)).changes).toBe(false);
    const changed = await provider.diff(version.id, versionUrn, version.outs, {
      ...versionInputs,
      secretString: makeSecret("other"),
    });
    expect(changed.replaces).toEqual(["secretString"]);
    expect((await provider.read(version.id, versionUrn, version.outs)).props.versionId).toBe(version.outs.versionId);

    const updated = await provider.update(secret.id, secretUrn, secret.outs, {
      ...secret.inputs,
      description: "new",
      tags: { a: "b" },
    });
    expect(updated.outs.tagsAll).toEqual({ a: "b" });
    expect((await sm.send(new DescribeSecretCommand({ SecretId: secret.id }))).Description).toBe("new");

    await provider.delete(version.id, versionUrn, version.outs);
    await provider.delete(secret.id, secretUrn, updated.outs);
    await expect(sm.send(new DescribeSecretCommand({ SecretId: secret.id }))).rejects.toThrow();
    expect((await provider.read(secret.id, secretUrn, updated.outs)).id).toBe("");
  });

  it("role, inline policy and attachment", async () => {
    const iam = sdk(moto, REGION_B).iam();
    const assumeRolePolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const roleUrn = urn("aws:iam/role:Role", "task");
    const role = await checkAndCreate(provider, roleUrn, { assumeRolePolicy, tags: { app: "dr" } });
    expect(role.id).toMatch(/^task-[0-9a-f]{7}$/);
    expect(role.outs.arn).toBe(`arn:aws:iam::123456789012:role/${role.id}`);
    expect(role.outs.uniqueId).toBeTruthy();
    expect((await provider.diff(role.id, roleUrn, role.outs, role.inputs)).changes).toBe(false);
    const explicit = await provider.check(roleUrn, role.inputs, {
      assumeRolePolicy,
      tags: { app: "dr" },
      name: "explicit",
    });
    const renamed = await provider.diff(role.id, roleUrn, role.outs, explicit.inputs);
    expect(renamed).toMatchObject({ replaces: ["name"], deleteBeforeReplace: true });

    const policyUrn = urn("aws:iam/rolePolicy:RolePolicy", "inline");
    const policy = await checkAndCreate(provider, policyUrn, {
      role: role.id,
      name: "read-secrets",
      policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "*" }],
      }),
    });
    expect(policy.id).toBe(`${role.id}:read-secrets`);
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: role.id }))).PolicyNames).toEqual(["read-secrets"]);
    expect((await provider.diff(policy.id, policyUrn, policy.outs, { ...policy.inputs, role: "x" })).replaces).toEqual([
      "role",
    ]);

    const managed = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "exec",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "logs:*", Resource: "*" }],
        }),
      }),
    );
    const attachmentUrn = urn("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "exec");
    const attachment = await checkAndCreate(provider, attachmentUrn, { role: role.id, policyArn: managed.Policy!.Arn });
    expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.id }))).AttachedPolicies).toHaveLength(
      1,
    );
    expect((await provider.read(attachment.id, attachmentUrn, {})).props).toMatchObject({
      role: role.id,
      policyArn: managed.Policy!.Arn,
    });

    const newPolicy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    const updated = await provider.update(role.id, roleUrn, role.outs, { ...role.inputs, assumeRolePolicy: newPolicy });
    expect(updated.outs.assumeRolePolicy).toBe(newPolicy);

    await provider.delete(attachment.id, attachmentUrn, attachment.outs);
    await provider.delete(policy.id, policyUrn, policy.outs);
    await provider.delete(role.id, roleUrn, updated.outs);
    await expect(iam.send(new GetRoleCommand({ RoleName: role.id }))).rejects.toThrow();
  });
});
