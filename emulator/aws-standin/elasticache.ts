/**
 * `aws:elasticache/replicationGroup:ReplicationGroup` on the ElastiCache API, after
 * terraform-provider-aws internal/service/elasticache/replication_group.go (SPEC.md).
 * Cluster mode disabled only: one node group, `numCacheClusters` nodes.
 */
import type { ModifyReplicationGroupCommandInput, ReplicationGroup } from "@aws-sdk/client-elasticache";
import type { Clients } from "./config.js";
import { validArnProblems } from "./rds.js";
import type { ResourceHandler } from "./types.js";
import { awsErrorName, compact, deepEqual, tagDelta, toTagList, waitFor, type Props } from "./wire.js";
import { ElastiCache } from "../../automation/sdk.js";

const TOKEN = "aws:elasticache/replicationGroup:ReplicationGroup";
/** Upstream's Timeouts: create 60, update 40, delete 45 minutes. */
const CREATE_TIMEOUT_MS = Number(process.env.DR_STANDIN_ELASTICACHE_TIMEOUT_MS ?? 60 * 60_000);
const DELETE_TIMEOUT_MS = Number(process.env.DR_STANDIN_ELASTICACHE_TIMEOUT_MS ?? 45 * 60_000);

/** `validateReplicationGroupID`: 1–40 characters, a letter first, lowercase letters, digits and single hyphens. */
export function replicationGroupIdProblems(value: string): string[] {
  const rules: [boolean, string][] = [
    [/^[0-9a-zA-Z-]+$/.test(value), "only alphanumeric characters and hyphens allowed"],
    [/^[a-zA-Z]/.test(value), "first character must be a letter"],
    [!/--/.test(value), "cannot contain two consecutive hyphens"],
    [!/-$/.test(value), "cannot end with a hyphen"],
    [value.length <= 40, "cannot be longer than 40 characters"],
  ];
  return rules.filter(([ok]) => !ok).map(([, why]) => `"replication_group_id" ${why}`);
}

/** `snapshot_arns` elements: `verify.ValidARN` and `validation.StringDoesNotContainAny(",")`. */
function snapshotArnsProblems(value: unknown): string[] {
  const arns = Array.isArray(value) ? value : [];
  return arns.flatMap((arn) => [
    ...validArnProblems("snapshot_arns", String(arn)),
    ...(String(arn).includes(",") ? [`expected value of snapshot_arns to not contain any of ","`] : []),
  ]);
}

async function describe(clients: Clients, id: string): Promise<ReplicationGroup | undefined> {
  try {
    const out = await clients
      .elasticache()
      .send(new ElastiCache.DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return out.ReplicationGroups?.[0];
  } catch (error) {
    if (awsErrorName(error) === "ReplicationGroupNotFoundFault") return undefined;
    throw error;
  }
}

/** `waitReplicationGroupAvailable`: pending creating / modifying / snapshotting, target available. */
function waitAvailable(clients: Clients, id: string, timeoutMs: number): Promise<ReplicationGroup> {
  return waitFor(
    `ElastiCache Replication Group (${id}) to become available`,
    async () => {
      const group = await describe(clients, id);
      if (!group) throw new Error(`ElastiCache Replication Group (${id}) not found`);
      if (group.Status === "create-failed") throw new Error(`ElastiCache Replication Group (${id}): create-failed`);
      return group.Status === "available" ? group : undefined;
    },
    { timeoutMs },
  );
}

/** What Read sets (cluster mode disabled): the primary endpoint of the first node group, its port. */
export function replicationGroupOutputs(group: ReplicationGroup): Props {
  const primary = group.NodeGroups?.[0]?.PrimaryEndpoint;
  return compact({
    replicationGroupId: group.ReplicationGroupId,
    arn: group.ARN,
    description: group.Description,
    primaryEndpointAddress: primary?.Address,
    readerEndpointAddress: group.NodeGroups?.[0]?.ReaderEndpoint?.Address,
    port: primary?.Port ?? group.ConfigurationEndpoint?.Port,
    memberClusters: group.MemberClusters,
    numCacheClusters: group.MemberClusters?.length,
    nodeType: group.CacheNodeType,
    engine: group.Engine,
    automaticFailoverEnabled: group.AutomaticFailover === "enabled" || group.AutomaticFailover === "enabling",
    multiAzEnabled: group.MultiAZ === "enabled",
    clusterEnabled: group.ClusterEnabled,
    kmsKeyId: group.KmsKeyId,
  });
}

export const elasticacheReplicationGroup: ResourceHandler = {
  token: TOKEN,
  props: {
    replicationGroupId: { replace: true, validate: (value) => replicationGroupIdProblems(String(value)) },
    description: {},
    engine: { computed: true },
    engineVersion: { computed: true },
    nodeType: { computed: true },
    numCacheClusters: { computed: true },
    // Optional, Default false: absent means false.
    automaticFailoverEnabled: {},
    multiAzEnabled: {},
    // Optional, ForceNew (not Computed).
    port: { replace: true },
    subnetGroupName: { replace: true, computed: true },
    securityGroupIds: { computed: true, set: true },
    // TypeSet, Optional, ForceNew: a newer backup replaces (= empties) the cache unless ignored.
    snapshotArns: { replace: true, set: true, validate: snapshotArnsProblems },
    snapshotName: { replace: true },
    // Optional, used only by Delete.
    finalSnapshotIdentifier: {},
    applyImmediately: { computed: true },
    tags: {},
  },
  // Required upstream; @pulumi/aws autonames replication_group_id and defaults description to "Managed by Pulumi".
  autoname: { prop: "replicationGroupId", maxLength: 40, lowercase: true },
  // HasChangesExcept(tags, tags_all), then only the changed settings queue a modify: a change of
  // final_snapshot_identifier (or apply_immediately) alone neither modifies nor waits.
  updateWaitsExcept: ["tags", "finalSnapshotIdentifier", "applyImmediately"],

  check(inputs) {
    const failures = [];
    if (
      inputs.automaticFailoverEnabled === true &&
      typeof inputs.numCacheClusters === "number" &&
      inputs.numCacheClusters < 2
    ) {
      failures.push({
        property: "numCacheClusters",
        reason: `"num_cache_clusters": must be at least 2 when automatic_failover_enabled is true`,
      });
    }
    if (inputs.multiAzEnabled === true && inputs.automaticFailoverEnabled !== true) {
      failures.push({
        property: "multiAzEnabled",
        reason: `"multi_az_enabled": automatic_failover_enabled must be true when multi_az_enabled is true`,
      });
    }
    return failures;
  },

  async create(ctx, inputs) {
    const clients = ctx.clients;
    const id = String(inputs.replicationGroupId).toLowerCase();
    if (!inputs.nodeType) throw new Error(`"node_type" is required unless "global_replication_group_id" is set.`);
    try {
      await clients.elasticache().send(
        new ElastiCache.CreateReplicationGroupCommand(
          compact({
            ReplicationGroupId: id,
            // @pulumi/aws's default for the (upstream Required) description.
            ReplicationGroupDescription: inputs.description ?? "Managed by Pulumi",
            AutomaticFailoverEnabled: Boolean(inputs.automaticFailoverEnabled),
            CacheNodeType: inputs.nodeType,
            TransitEncryptionEnabled: false,
            // Backwards compatibility upstream: redis when not given.
            Engine: inputs.engine ?? "redis",
            EngineVersion: inputs.engineVersion,
            MultiAZEnabled: inputs.multiAzEnabled || undefined,
            NumCacheClusters: inputs.numCacheClusters,
            Port: inputs.port,
            CacheSubnetGroupName: inputs.subnetGroupName,
            SecurityGroupIds: inputs.securityGroupIds?.length ? inputs.securityGroupIds : undefined,
            SnapshotArns: inputs.snapshotArns?.length ? inputs.snapshotArns : undefined,
            SnapshotName: inputs.snapshotName,
            Tags: toTagList(inputs.tags),
          }),
        ),
      );
    } catch (error) {
      throw new Error(`creating ElastiCache Replication Group (${id}): ${(error as Error).message}`, { cause: error });
    }
    // d.SetId before the wait: a timeout leaves it recorded with init errors.
    ctx.created(id, { replicationGroupId: id });
    try {
      const group = await waitAvailable(clients, id, CREATE_TIMEOUT_MS);
      return { id, outs: replicationGroupOutputs(group) };
    } catch (error) {
      throw new Error(`waiting for ElastiCache Replication Group (${id}) create: ${(error as Error).message}`, {
        cause: error,
      });
    }
  },

  async read(ctx, id) {
    const group = await describe(ctx.clients, id);
    // Read drops a group that is `deleting` from state, as a missing one.
    if (!group || group.Status === "deleting") return undefined;
    return replicationGroupOutputs(group);
  },

  async update(ctx, id, olds, news) {
    const clients = ctx.clients;
    const changed = (key: string, set = false) => {
      if (news[key] === undefined) return false;
      if (set) return !deepEqual([...(olds[key] ?? [])].sort(), [...news[key]].sort());
      return !deepEqual(olds[key], news[key]);
    };
    if (changed("numCacheClusters")) {
      throw new Error(
        `the dr-failover stand-in does not change num_cache_clusters of ElastiCache Replication Group (${id}) in place`,
      );
    }
    const modify: ModifyReplicationGroupCommandInput = {
      ReplicationGroupId: id,
      ApplyImmediately: Boolean(news.applyImmediately),
    };
    let requestUpdate = false;
    const fields: [string, keyof ModifyReplicationGroupCommandInput, boolean?][] = [
      ["automaticFailoverEnabled", "AutomaticFailoverEnabled"],
      ["description", "ReplicationGroupDescription"],
      ["engineVersion", "EngineVersion"],
      ["multiAzEnabled", "MultiAZEnabled"],
      ["nodeType", "CacheNodeType"],
      ["securityGroupIds", "SecurityGroupIds", true],
    ];
    for (const [key, awsKey, set] of fields) {
      if (changed(key, set)) {
        (modify as unknown as Record<string, unknown>)[awsKey] = news[key];
        requestUpdate = true;
      }
    }
    if (requestUpdate) {
      // Each queued operation is wrapped in a wait before and after (upstream's updateFuncs loop).
      await waitAvailable(clients, id, CREATE_TIMEOUT_MS);
      await clients.elasticache().send(new ElastiCache.ModifyReplicationGroupCommand(modify));
      await waitAvailable(clients, id, CREATE_TIMEOUT_MS);
    }
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.changed) {
      const arn = olds.arn ?? (await describe(clients, id))?.ARN;
      if (delta.removed.length > 0)
        await clients
          .elasticache()
          .send(new ElastiCache.RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: delta.removed }));
      if (Object.keys(delta.set).length > 0)
        await clients
          .elasticache()
          .send(new ElastiCache.AddTagsToResourceCommand({ ResourceName: arn, Tags: toTagList(delta.set) }));
    }
    const group = await describe(clients, id);
    if (!group) throw new Error(`ElastiCache Replication Group (${id}) not found after update`);
    return replicationGroupOutputs(group);
  },

  async delete(ctx, id, state) {
    const clients = ctx.clients;
    try {
      await clients
        .elasticache()
        .send(
          new ElastiCache.DeleteReplicationGroupCommand(
            compact({ ReplicationGroupId: id, FinalSnapshotIdentifier: state.finalSnapshotIdentifier || undefined }),
          ),
        );
    } catch (error) {
      if (awsErrorName(error) === "ReplicationGroupNotFoundFault") return;
      throw new Error(`deleting ElastiCache Replication Group (${id}): ${(error as Error).message}`, { cause: error });
    }
    // waitReplicationGroupDeleted: pending creating / available / deleting, until not found.
    await waitFor(
      `ElastiCache Replication Group (${id}) delete`,
      async () => ((await describe(clients, id)) ? undefined : true),
      { timeoutMs: DELETE_TIMEOUT_MS },
    );
  },
};
