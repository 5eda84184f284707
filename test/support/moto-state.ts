/**
 * What moto holds, for tests that assert "nothing new was created" or "nothing
 * of the DR stack is left": summarise before and after, then diff.
 *
 * The live resources are listed with the SDK, per service and region (global
 * services under "global"), by name. Not moto's `/moto-api/data.json`: it lists
 * every object ever created since the last reset (deleted ones included), dumps
 * secret values in clear, and in moto 5.2.5 answers HTTP 500 once an RDS
 * instance exists.
 */
import {
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionsCommand,
} from "@aws-sdk/client-ecs";
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeReplicationGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-elasticache";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
} from "@aws-sdk/client-rds";
import { ListHostedZonesCommand, ListResourceRecordSetsCommand } from "@aws-sdk/client-route-53";
import { GetBucketLocationCommand, ListBucketsCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { emulatorClients } from "../../emulator/rehearsal/clients.js";
import type { Plan } from "../../automation/plan.js";

/** Resource names per `service/region/kind` (e.g. `rds/ap-northeast-3/snapshots`); global services use region "global". */
export type MotoStateSummary = Record<string, string[]>;

/** The plan's source and target regions. */
export function planRegions(plan: Plan): string[] {
  return [plan.sourceRegion, ...Object.keys(plan.targets)];
}

const sorted = (names: Array<string | undefined>) => names.filter((name): name is string => Boolean(name)).sort();

async function regionSummary(endpoint: string, region: string): Promise<MotoStateSummary> {
  const c = emulatorClients(endpoint, region);
  try {
    const key = (service: string, kind: string) => `${service}/${region}/${kind}`;
    const [
      instances,
      snapshots,
      subnetGroups,
      clusters,
      taskDefinitions,
      loadBalancers,
      targetGroups,
      vpcs,
      subnets,
      groups,
      ec2Instances,
      secrets,
      cacheGroups,
      cacheSnapshots,
    ] = await Promise.all([
      c.rds.send(new DescribeDBInstancesCommand({})),
      c.rds.send(new DescribeDBSnapshotsCommand({})), // not paginated in moto
      c.rds.send(new DescribeDBSubnetGroupsCommand({})),
      c.ecs.send(new ListClustersCommand({})),
      c.ecs.send(new ListTaskDefinitionsCommand({})),
      c.elbv2.send(new DescribeLoadBalancersCommand({})),
      c.elbv2.send(new DescribeTargetGroupsCommand({})),
      c.ec2.send(new DescribeVpcsCommand({})),
      c.ec2.send(new DescribeSubnetsCommand({})),
      c.ec2.send(new DescribeSecurityGroupsCommand({})),
      c.ec2.send(new DescribeInstancesCommand({})),
      c.secrets.send(new ListSecretsCommand({ IncludePlannedDeletion: true })),
      c.elasticache.send(new DescribeReplicationGroupsCommand({})),
      c.elasticache.send(new DescribeSnapshotsCommand({})),
    ]);
    // moto keeps deleted clusters and services listed as INACTIVE (as AWS does for a while): they are gone.
    const activeClusters: string[] = [];
    const services: string[] = [];
    for (const cluster of clusters.clusterArns ?? []) {
      const [described] = (await c.ecs.send(new DescribeClustersCommand({ clusters: [cluster] }))).clusters ?? [];
      if (described?.status === "INACTIVE") continue;
      activeClusters.push(cluster);
      const listed = await c.ecs.send(new ListServicesCommand({ cluster }));
      if (!listed.serviceArns?.length) continue;
      const describedServices = await c.ecs.send(
        new DescribeServicesCommand({ cluster, services: listed.serviceArns }),
      );
      services.push(
        ...(describedServices.services ?? [])
          .filter((service) => service.status !== "INACTIVE")
          .map((service) => service.serviceArn!),
      );
    }
    const listeners: string[] = [];
    for (const lb of loadBalancers.LoadBalancers ?? []) {
      const listed = await c.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }));
      listeners.push(...(listed.Listeners ?? []).map((listener) => listener.ListenerArn!));
    }
    // moto's own per-region defaults (default VPC, its subnets, "default" groups) are not ours.
    const defaultVpcs = new Set((vpcs.Vpcs ?? []).filter((vpc) => vpc.IsDefault).map((vpc) => vpc.VpcId));
    const snapshotList = snapshots.DBSnapshots ?? [];
    return {
      [key("rds", "instances")]: sorted((instances.DBInstances ?? []).map((db) => db.DBInstanceIdentifier)),
      [key("rds", "snapshots")]: sorted(
        snapshotList.filter((s) => s.SnapshotType === "manual").map((s) => s.DBSnapshotIdentifier),
      ),
      [key("rds", "automatedSnapshots")]: sorted(
        snapshotList.filter((s) => s.SnapshotType !== "manual").map((s) => s.DBSnapshotIdentifier),
      ),
      [key("rds", "subnetGroups")]: sorted(
        (subnetGroups.DBSubnetGroups ?? [])
          .map((group) => group.DBSubnetGroupName)
          .filter((name) => name !== "default"),
      ),
      [key("elasticache", "replicationGroups")]: sorted(
        (cacheGroups.ReplicationGroups ?? []).map((group) => group.ReplicationGroupId),
      ),
      [key("elasticache", "snapshots")]: sorted((cacheSnapshots.Snapshots ?? []).map((s) => s.SnapshotName)),
      [key("ecs", "clusters")]: sorted(activeClusters),
      [key("ecs", "services")]: sorted(services),
      [key("ecs", "taskDefinitions")]: sorted(taskDefinitions.taskDefinitionArns ?? []),
      [key("elbv2", "loadBalancers")]: sorted((loadBalancers.LoadBalancers ?? []).map((lb) => lb.LoadBalancerName)),
      [key("elbv2", "targetGroups")]: sorted((targetGroups.TargetGroups ?? []).map((tg) => tg.TargetGroupName)),
      [key("elbv2", "listeners")]: sorted(listeners),
      [key("ec2", "vpcs")]: sorted((vpcs.Vpcs ?? []).filter((vpc) => !vpc.IsDefault).map((vpc) => vpc.VpcId)),
      [key("ec2", "subnets")]: sorted(
        (subnets.Subnets ?? []).filter((subnet) => !defaultVpcs.has(subnet.VpcId)).map((subnet) => subnet.SubnetId),
      ),
      [key("ec2", "securityGroups")]: sorted(
        (groups.SecurityGroups ?? [])
          .filter((group) => group.GroupName !== "default")
          .map((group) => `${group.GroupName} (${group.GroupId})`),
      ),
      [key("ec2", "instances")]: sorted(
        (ec2Instances.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId),
      ),
      [key("secretsmanager", "secrets")]: sorted(
        (secrets.SecretList ?? []).map(
          (secret) =>
            `${secret.Name}${secret.PrimaryRegion && secret.PrimaryRegion !== region ? ` (replica of ${secret.PrimaryRegion})` : ""}${secret.DeletedDate ? " (scheduled for deletion)" : ""}`,
        ),
      ),
    };
  } finally {
    c.destroy();
  }
}

async function globalSummary(endpoint: string): Promise<MotoStateSummary> {
  const c = emulatorClients(endpoint, "us-east-1");
  try {
    const summary: MotoStateSummary = {};
    const roles = await c.iam.send(new ListRolesCommand({ MaxItems: 1000 }));
    summary["iam/global/roles"] = sorted((roles.Roles ?? []).map((role) => role.RoleName));

    const zones = await c.route53.send(new ListHostedZonesCommand({}));
    summary["route53/global/hostedZones"] = sorted((zones.HostedZones ?? []).map((zone) => zone.Name));
    const records: string[] = [];
    for (const zone of zones.HostedZones ?? []) {
      const listed = await c.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.Id, MaxItems: 1000 }));
      for (const record of listed.ResourceRecordSets ?? []) {
        if (record.Type === "SOA" || (record.Type === "NS" && record.Name === zone.Name)) continue; // the zone's own
        const value = record.AliasTarget?.DNSName ?? (record.ResourceRecords ?? []).map((r) => r.Value).join(",");
        records.push(
          `${record.Name} ${record.Type}${record.SetIdentifier ? ` [${record.SetIdentifier}]` : ""} ${value}`,
        );
      }
    }
    summary["route53/global/recordSets"] = sorted(records);

    // S3 names are global; each bucket is listed under its own region.
    const buckets = await c.s3.send(new ListBucketsCommand({}));
    for (const bucket of buckets.Buckets ?? []) {
      const location = await c.s3.send(new GetBucketLocationCommand({ Bucket: bucket.Name }));
      const region = location.LocationConstraint || "us-east-1";
      let versions = 0;
      let current = 0;
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      do {
        const page = await c.s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket.Name,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
          }),
        );
        versions += (page.Versions ?? []).length;
        current += (page.Versions ?? []).filter((version) => version.IsLatest).length;
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
      } while (keyMarker);
      (summary[`s3/${region}/buckets`] ??= []).push(`${bucket.Name} (${current} objects, ${versions} versions)`);
    }
    for (const key of Object.keys(summary)) summary[key].sort();
    return summary;
  } finally {
    c.destroy();
  }
}

/** The live resources in moto: every regional kind for `regions`, plus IAM, Route 53 and S3 (every region). */
export async function summarizeMotoState(endpoint: string, regions: readonly string[]): Promise<MotoStateSummary> {
  const parts = await Promise.all([
    globalSummary(endpoint),
    ...[...new Set(regions)].map((region) => regionSummary(endpoint, region)),
  ]);
  const summary: MotoStateSummary = Object.assign({}, ...parts);
  // Stable key order, empty kinds dropped: equal states give deep-equal summaries.
  return Object.fromEntries(
    Object.keys(summary)
      .sort()
      .filter((key) => summary[key].length > 0)
      .map((key) => [key, summary[key]]),
  );
}

/** Resource counts per kind. */
export function countsOf(summary: MotoStateSummary): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).map(([key, names]) => [key, names.length]));
}

export interface MotoStateDiff {
  /** Names present after but not before, per kind. */
  added: Record<string, string[]>;
  /** Names present before but not after, per kind. */
  removed: Record<string, string[]>;
}

export function diffMotoState(before: MotoStateSummary, after: MotoStateSummary): MotoStateDiff {
  const diff: MotoStateDiff = { added: {}, removed: {} };
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = new Set(before[key] ?? []);
    const is = new Set(after[key] ?? []);
    const added = [...is].filter((name) => !was.has(name));
    const removed = [...was].filter((name) => !is.has(name));
    if (added.length > 0) diff.added[key] = added;
    if (removed.length > 0) diff.removed[key] = removed;
  }
  return diff;
}

export const isEmptyDiff = (diff: MotoStateDiff) =>
  Object.keys(diff.added).length === 0 && Object.keys(diff.removed).length === 0;

/** Every kind whose names match `pattern` (e.g. the DR stack's name prefix): for "nothing of it is left". */
export function matching(summary: MotoStateSummary, pattern: RegExp): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [key, names] of Object.entries(summary)) {
    const hits = names.filter((name) => pattern.test(name));
    if (hits.length > 0) found[key] = hits;
  }
  return found;
}
