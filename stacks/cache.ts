// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import elasticache from "@pulumi/aws/elasticache/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface RestoredCacheArgs {
  mode: DrStackArgs["mode"];
  cache: NonNullable<DrStackArgs["cache"]>;
}

/**
 * The Redis cache: an ElastiCache replication group (cluster mode disabled)
 * seeded from an `.rdb` export in the replicated bucket (`snapshotArns`) or
 * restored from an ElastiCache snapshot of the target region (`snapshotName`).
 * Both are ForceNew upstream: a re-run that finds a newer backup must not
 * replace (= empty) the live cache, so they are ignored after creation.
 * A failover's group leaves a final snapshot when destroyed.
 */
export class RestoredCache extends pulumi.ComponentResource {
  readonly group: elasticache.ReplicationGroup;

  constructor(name: string, args: RestoredCacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:RestoredCache", name, {}, opts);
    const { cache, mode } = args;
    const failover = mode === "failover";
    this.group = new elasticache.ReplicationGroup(
      "cache",
      {
        replicationGroupId: cache.replicationGroupId,
        description: `Redis cache of the ${mode} environment restored by dr-failover`,
        engine: "redis",
        engineVersion: cache.engineVersion,
        nodeType: cache.nodeType,
        numCacheClusters: cache.numCacheClusters,
        // A replica is promoted only when there is one (upstream refuses failover with a single node).
        automaticFailoverEnabled: failover && cache.numCacheClusters > 1,
        multiAzEnabled: failover && cache.numCacheClusters > 1,
        port: cache.port,
        subnetGroupName: cache.subnetGroupName,
        securityGroupIds: cache.securityGroupIds,
        snapshotArns: cache.snapshotArns,
        snapshotName: cache.snapshotName,
        finalSnapshotIdentifier: failover ? cache.finalSnapshotIdentifier : undefined,
        applyImmediately: true,
      },
      { parent: this, ignoreChanges: ["snapshotArns", "snapshotName"] },
    );
    this.registerOutputs({ address: this.group.primaryEndpointAddress });
  }
}
