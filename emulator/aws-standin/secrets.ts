/** `aws:secretsmanager/secret:Secret` and `aws:secretsmanager/secretVersion:SecretVersion`. */
import type { DescribeSecretCommandOutput } from "@aws-sdk/client-secrets-manager";
import type { Clients } from "./config.js";
import type { ResourceHandler } from "./types.js";
import { awsErrorName, compact, fromTagList, tagDelta, toTagList, type Props } from "./wire.js";
import { SecretsManager } from "../../automation/sdk.js";

const notFound = (error: unknown) => awsErrorName(error) === "ResourceNotFoundException";

async function describeSecret(clients: Clients, id: string): Promise<DescribeSecretCommandOutput | undefined> {
  try {
    const out = await clients.secretsManager().send(new SecretsManager.DescribeSecretCommand({ SecretId: id }));
    return out.DeletedDate ? undefined : out;
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

function secretOutputs(secret: DescribeSecretCommandOutput): Props {
  return compact({
    arn: secret.ARN,
    name: secret.Name,
    kmsKeyId: secret.KmsKeyId,
    tagsAll: fromTagList(secret.Tags),
  });
}

export const secretsManagerSecret: ResourceHandler = {
  token: "aws:secretsmanager/secret:Secret",
  props: {
    name: { replace: true, computed: true },
    description: {},
    kmsKeyId: { computed: true },
    recoveryWindowInDays: {},
    tags: {},
  },
  autoname: { prop: "name", maxLength: 512 },
  async create(ctx, inputs) {
    const out = await ctx.clients.secretsManager().send(
      new SecretsManager.CreateSecretCommand(
        compact({
          Name: inputs.name,
          Description: inputs.description,
          KmsKeyId: inputs.kmsKeyId,
          Tags: toTagList(inputs.tags),
        }),
      ),
    );
    ctx.created(out.ARN!, { arn: out.ARN, name: out.Name });
    const secret = await describeSecret(ctx.clients, out.ARN!);
    return { id: out.ARN!, outs: secret ? secretOutputs(secret) : { arn: out.ARN, name: out.Name } };
  },
  async read(ctx, id) {
    const secret = await describeSecret(ctx.clients, id);
    return secret ? secretOutputs(secret) : undefined;
  },
  async update(ctx, id, olds, news) {
    const sm = ctx.clients.secretsManager();
    if (
      (olds.description ?? "") !== (news.description ?? "") ||
      (news.kmsKeyId !== undefined && olds.kmsKeyId !== news.kmsKeyId)
    ) {
      await sm.send(
        new SecretsManager.UpdateSecretCommand(
          compact({ SecretId: id, Description: news.description ?? "", KmsKeyId: news.kmsKeyId }),
        ),
      );
    }
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.removed.length > 0)
      await sm.send(new SecretsManager.UntagResourceCommand({ SecretId: id, TagKeys: delta.removed }));
    if (Object.keys(delta.set).length > 0)
      await sm.send(new SecretsManager.TagResourceCommand({ SecretId: id, Tags: toTagList(delta.set) }));
    const secret = await describeSecret(ctx.clients, id);
    if (!secret) throw new Error(`Secrets Manager Secret (${id}) not found after update`);
    return secretOutputs(secret);
  },
  async delete(ctx, id, state) {
    const window = state.recoveryWindowInDays ?? 30;
    try {
      await ctx.clients
        .secretsManager()
        .send(
          new SecretsManager.DeleteSecretCommand(
            window === 0
              ? { SecretId: id, ForceDeleteWithoutRecovery: true }
              : { SecretId: id, RecoveryWindowInDays: window },
          ),
        );
    } catch (error) {
      if (!notFound(error))
        throw new Error(`deleting Secrets Manager Secret (${id}): ${(error as Error).message}`, { cause: error });
    }
  },
};

export const secretsManagerSecretVersion: ResourceHandler = {
  token: "aws:secretsmanager/secretVersion:SecretVersion",
  props: {
    secretId: { replace: true },
    secretString: { replace: true },
    versionStages: { computed: true, set: true },
  },
  required: ["secretId"],
  async create(ctx, inputs) {
    const out = await ctx.clients.secretsManager().send(
      new SecretsManager.PutSecretValueCommand(
        compact({
          SecretId: inputs.secretId,
          SecretString: inputs.secretString,
          VersionStages: inputs.versionStages,
        }),
      ),
    );
    const stages = out.VersionStages ?? inputs.versionStages ?? ["AWSCURRENT"];
    return {
      id: `${out.ARN}|${out.VersionId}`,
      outs: { arn: out.ARN, versionId: out.VersionId, versionStages: stages },
    };
  },
  async read(ctx, id) {
    const [secretId, versionId] = id.split("|");
    const secret = await describeSecret(ctx.clients, secretId!);
    if (!secret) return undefined;
    const stages = secret.VersionIdsToStages?.[versionId!];
    if (!stages) return undefined;
    return { arn: secret.ARN, versionId, versionStages: stages };
  },
  async delete(ctx, id) {
    const [secretId, versionId] = id.split("|");
    const secret = await describeSecret(ctx.clients, secretId!);
    if (!secret) return;
    // Like the real provider: drop this version's stages except AWSCURRENT (which cannot be removed).
    for (const stage of secret.VersionIdsToStages?.[versionId!] ?? []) {
      if (stage === "AWSCURRENT") continue;
      try {
        await ctx.clients.secretsManager().send(
          new SecretsManager.UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: stage,
            RemoveFromVersionId: versionId,
          }),
        );
      } catch (error) {
        if (!notFound(error)) throw error;
      }
    }
  },
};
