/** `aws:iam/role:Role`, `aws:iam/rolePolicy:RolePolicy`, `aws:iam/rolePolicyAttachment:RolePolicyAttachment`. */
import type { Role } from "@aws-sdk/client-iam";
import type { Clients } from "./config.js";
import type { ResourceHandler } from "./types.js";
import { awsErrorName, compact, fromTagList, tagDelta, toTagList, type Props } from "./wire.js";
import { IAM } from "../../automation/sdk.js";

const notFound = (error: unknown) =>
  awsErrorName(error) === "NoSuchEntity" || awsErrorName(error) === "NoSuchEntityException";

/** Policies travel as JSON strings; accept objects too (the SDK may pass either). */
function policyString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

async function getRole(clients: Clients, name: string): Promise<Role | undefined> {
  try {
    return (await clients.iam().send(new IAM.GetRoleCommand({ RoleName: name }))).Role;
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

function roleOutputs(role: Role): Props {
  return compact({
    name: role.RoleName,
    arn: role.Arn,
    uniqueId: role.RoleId,
    path: role.Path,
    createDate: role.CreateDate?.toISOString(),
    maxSessionDuration: role.MaxSessionDuration,
    tagsAll: fromTagList(role.Tags),
  });
}

export const iamRole: ResourceHandler = {
  token: "aws:iam/role:Role",
  props: {
    name: { replace: true, computed: true },
    assumeRolePolicy: {},
    description: {},
    path: { replace: true, computed: true },
    maxSessionDuration: { computed: true },
    forceDetachPolicies: {},
    tags: {},
  },
  required: ["assumeRolePolicy"],
  autoname: { prop: "name", maxLength: 64 },
  async create(ctx, inputs) {
    const out = await ctx.clients.iam().send(
      new IAM.CreateRoleCommand(
        compact({
          RoleName: inputs.name,
          AssumeRolePolicyDocument: policyString(inputs.assumeRolePolicy),
          Description: inputs.description,
          Path: inputs.path,
          MaxSessionDuration: inputs.maxSessionDuration,
          Tags: toTagList(inputs.tags),
        }),
      ),
    );
    return { id: out.Role!.RoleName!, outs: roleOutputs(out.Role!) };
  },
  async read(ctx, id) {
    const role = await getRole(ctx.clients, id);
    return role ? roleOutputs(role) : undefined;
  },
  async update(ctx, id, olds, news) {
    const iam = ctx.clients.iam();
    if (policyString(olds.assumeRolePolicy) !== policyString(news.assumeRolePolicy)) {
      await iam.send(
        new IAM.UpdateAssumeRolePolicyCommand({ RoleName: id, PolicyDocument: policyString(news.assumeRolePolicy) }),
      );
    }
    if (
      (olds.description ?? "") !== (news.description ?? "") ||
      (news.maxSessionDuration !== undefined && olds.maxSessionDuration !== news.maxSessionDuration)
    ) {
      await iam.send(
        new IAM.UpdateRoleCommand(
          compact({ RoleName: id, Description: news.description ?? "", MaxSessionDuration: news.maxSessionDuration }),
        ),
      );
    }
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.removed.length > 0) await iam.send(new IAM.UntagRoleCommand({ RoleName: id, TagKeys: delta.removed }));
    if (Object.keys(delta.set).length > 0)
      await iam.send(new IAM.TagRoleCommand({ RoleName: id, Tags: toTagList(delta.set) }));
    const role = await getRole(ctx.clients, id);
    if (!role) throw new Error(`IAM Role (${id}) not found after update`);
    return roleOutputs(role);
  },
  async delete(ctx, id, state) {
    const iam = ctx.clients.iam();
    try {
      if (state.forceDetachPolicies === true) {
        const attached = await iam.send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: id }));
        for (const policy of attached.AttachedPolicies ?? []) {
          await iam.send(new IAM.DetachRolePolicyCommand({ RoleName: id, PolicyArn: policy.PolicyArn }));
        }
      }
      await iam.send(new IAM.DeleteRoleCommand({ RoleName: id }));
    } catch (error) {
      if (notFound(error)) return;
      throw new Error(`deleting IAM Role (${id}): ${(error as Error).message}`, { cause: error });
    }
  },
};

export const iamRolePolicy: ResourceHandler = {
  token: "aws:iam/rolePolicy:RolePolicy",
  props: {
    role: { replace: true },
    name: { replace: true, computed: true },
    policy: {},
  },
  required: ["role", "policy"],
  autoname: { prop: "name", maxLength: 128 },
  async create(ctx, inputs) {
    await ctx.clients.iam().send(
      new IAM.PutRolePolicyCommand({
        RoleName: inputs.role,
        PolicyName: inputs.name,
        PolicyDocument: policyString(inputs.policy),
      }),
    );
    return { id: `${inputs.role}:${inputs.name}`, outs: { role: inputs.role, name: inputs.name } };
  },
  async read(ctx, id) {
    const [role, ...rest] = id.split(":");
    const name = rest.join(":");
    try {
      await ctx.clients.iam().send(new IAM.GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
      return { role, name };
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  },
  async update(ctx, _id, _olds, news) {
    await ctx.clients.iam().send(
      new IAM.PutRolePolicyCommand({
        RoleName: news.role,
        PolicyName: news.name,
        PolicyDocument: policyString(news.policy),
      }),
    );
    return { role: news.role, name: news.name };
  },
  async delete(ctx, id) {
    const [role, ...rest] = id.split(":");
    try {
      await ctx.clients.iam().send(new IAM.DeleteRolePolicyCommand({ RoleName: role, PolicyName: rest.join(":") }));
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  },
};

export const iamRolePolicyAttachment: ResourceHandler = {
  token: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  props: {
    role: { replace: true },
    policyArn: { replace: true },
  },
  required: ["role", "policyArn"],
  async create(ctx, inputs) {
    await ctx.clients
      .iam()
      .send(new IAM.AttachRolePolicyCommand({ RoleName: inputs.role, PolicyArn: inputs.policyArn }));
    return { id: `${inputs.role}/${inputs.policyArn}`, outs: {} };
  },
  async read(ctx, id, state) {
    const slash = id.indexOf("/");
    const role = state.role ?? id.slice(0, slash);
    const policyArn = state.policyArn ?? id.slice(slash + 1);
    try {
      const attached = await ctx.clients.iam().send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: role }));
      return (attached.AttachedPolicies ?? []).some((p) => p.PolicyArn === policyArn) ? { role, policyArn } : undefined;
    } catch (error) {
      if (notFound(error)) return undefined;
      throw error;
    }
  },
  async delete(ctx, _id, state) {
    try {
      await ctx.clients
        .iam()
        .send(new IAM.DetachRolePolicyCommand({ RoleName: state.role, PolicyArn: state.policyArn }));
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  },
};
