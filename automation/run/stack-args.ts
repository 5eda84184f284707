/** The plan (and what preflight resolved) → the stack's arguments; the stack's outputs → what the report shows. */
import type { DrMode, DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { isSameRegionRecovery, targetOf, type Plan } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import type { RunReport } from "../report/model.js";
import { shortId } from "./ids.js";

/**
 * The names the stack gives what it creates: the one place they are made, read
 * by stackArgsFor and by preflight (which refuses names already taken in AWS).
 * A drill's names carry its short id; a failover's are fixed per target region,
 * so a re-run finds the same resources.
 */
export interface StackResourceNames {
  databaseIdentifier: string;
  cluster: string;
  service: string;
  executionRole: string;
  taskRole: string;
  taskFamily: string;
  loadBalancer: string;
  targetGroup: string;
  /** The restored cache's replication group id (when the plan has a cache): at most 40 characters. */
  cacheReplicationGroup?: string;
  /** The private hosted zone (in the DR VPC) holding the database's connection name. */
  connectionZone: string;
}

/** A replication group id: at most 40 characters, no trailing or double dash. */
function replicationGroupId(base: string, suffix: string): string {
  return `${base.slice(0, 40 - suffix.length).replace(/-+$/, "")}${suffix}`;
}

export function stackResourceNamesFor(
  plan: Plan,
  targetRegion: string,
  mode: DrMode,
  runId: string,
): StackResourceNames {
  const drill = mode === "drill";
  const short = drill ? shortId(runId) : "";
  // A failover in another region takes production's names (cluster, service): that region has none of them.
  // Beside production (a same-region recovery), every name says "recovery" and none is production's.
  const recovery = isSameRegionRecovery(plan, targetRegion);
  const suffix = drill ? `-drill-${short}` : recovery ? "-recovery" : "";
  // IAM names are account-global: the region keeps the failover stacks of two targets apart.
  const roleSuffix = drill ? suffix : `${recovery ? "-recovery" : "-dr"}-${targetRegion}`;
  const lbBase = `${plan.app}`.slice(0, 20);
  const lbSuffix = drill ? `d${short}` : recovery ? "rec" : "dr";
  return {
    databaseIdentifier: `${plan.database.sourceIdentifier}${drill || recovery ? suffix : "-dr"}`.slice(0, 63),
    cluster: `${plan.service.cluster}${suffix}`,
    service: `${plan.service.name}${suffix}`,
    executionRole: `${plan.service.name}-exec${roleSuffix}`.slice(0, 64),
    taskRole: `${plan.service.name}-task${roleSuffix}`.slice(0, 64),
    taskFamily: `${plan.service.name}${roleSuffix}`,
    // ALB and target group names: at most 32 characters.
    loadBalancer: `${lbBase}-${lbSuffix}`.slice(0, 32),
    targetGroup: `${lbBase}-${lbSuffix}-tg`.slice(0, 32),
    cacheReplicationGroup: plan.cache
      ? replicationGroupId(plan.cache.sourceReplicationGroupId, drill ? `-d${short}` : `-${lbSuffix}`)
      : undefined,
    // One private zone per stack: a VPC cannot hold two private zones of the same name.
    connectionZone: `${drill ? `drill-${short}.` : ""}${plan.app}.dr.internal`,
  };
}

/**
 * The stack's restore source: the snapshot, or the automated backups at the restore time: those
 * replicated to the target region, or, beside production, the production instance's own (named by
 * its identifier, as RestoreDBInstanceToPointInTime takes a live source instance).
 */
function restoreSourceOf(
  plan: Plan,
  targetRegion: string,
  preflight: PreflightResult,
): Pick<DrStackArgs["database"], "snapshotIdentifier" | "restoreToPointInTime"> {
  const point = preflight.restorePoint;
  if (point.source !== "point-in-time") return { snapshotIdentifier: point.snapshotIdentifier };
  const restoreTime = point.capturedAt.toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    restoreToPointInTime: isSameRegionRecovery(plan, targetRegion)
      ? { sourceDbInstanceIdentifier: plan.database.sourceIdentifier, restoreTime }
      : { automatedBackupsArn: point.automatedBackupsArn!, restoreTime },
  };
}

/**
 * ECS ignores failing load balancer health checks of a new task for this long: the service starts
 * while the database restores, so its tasks answer unhealthy until the restore is done; without a
 * grace longer than the restore, ECS would stop and replace them in a loop. Sized from the plan:
 * the RTO, which the restore must finish within anyway (the readiness checks time out when it is
 * spent). A task that exits is still replaced at once; only its failing health checks wait.
 */
export function healthCheckGracePeriodSeconds(plan: Plan): number {
  return Math.ceil(plan.objectives.rto / 1000);
}

/** The cheapest retention that keeps backups on: 0 turns them off, an outage of the freshly restored instance. */
export const DRILL_BACKUP_RETENTION_DAYS = 1;

/** Builds the stack's arguments from the plan and what preflight resolved. */
export function stackArgsFor(
  plan: Plan,
  targetRegion: string,
  mode: DrMode,
  runId: string,
  preflight: PreflightResult,
  endpoint?: string,
): DrStackArgs {
  const target = targetOf(plan, targetRegion);
  const drill = mode === "drill";
  const short = drill ? shortId(runId) : "";
  const names = stackResourceNamesFor(plan, targetRegion, mode, runId);
  const ids = (refs: string[], map: Map<string, string>) => refs.map((ref) => map.get(ref)!);
  return {
    mode,
    app: plan.app,
    targetRegion,
    drillId: drill ? short : undefined,
    endpoint,
    tags: { "dr-failover:app": plan.app, "dr-failover:mode": mode, "dr-failover:run": runId },
    database: {
      identifier: names.databaseIdentifier,
      ...restoreSourceOf(plan, targetRegion, preflight),
      instanceClass: plan.database.instanceClass,
      engine: preflight.restoredDatabase.engine,
      port: preflight.restoredDatabase.port,
      databaseName: plan.database.databaseName,
      multiAz: plan.database.multiAz,
      subnetGroupName: target.database.subnetGroup,
      securityGroupIds: ids(target.database.securityGroups, preflight.securityGroupIds),
      // The failover's instance becomes the primary: production's backups. A drill's is thrown away within the hour.
      backupRetentionPeriod: drill ? DRILL_BACKUP_RETENTION_DAYS : plan.database.backup.retentionDays,
      backupWindow: drill ? undefined : plan.database.backup.window,
      storageEncrypted: preflight.restoredDatabase.storageEncrypted,
      resetPassword: plan.database.credentials.mode === "reset",
      releasing: false,
    },
    cache: cacheArgsFor(plan, target, drill, runId, names, preflight),
    storage: { replicaBucket: target.storage.replicaBucket },
    // Unique per stack generation: a destroyed failover's secret sits in its 7-day recovery window,
    // and Secrets Manager refuses a new secret of the same name meanwhile. Re-runs keep the first name.
    secret: {
      name: `${plan.secrets.databaseSecretName}/dr-${drill ? "drill" : "failover"}-${shortId(runId)}`,
      username: preflight.restoredDatabase.username,
    },
    service: {
      cluster: names.cluster,
      name: names.service,
      executionRoleName: names.executionRole,
      taskRoleName: names.taskRole,
      taskFamily: names.taskFamily,
      image: target.service.image,
      cpu: plan.service.cpu,
      memory: plan.service.memory,
      desiredCount: plan.service.desiredCount,
      containerPort: plan.service.containerPort,
      healthCheckPath: plan.service.healthCheckPath,
      healthCheckIntervalSeconds: plan.service.healthCheckIntervalSeconds,
      healthyThreshold: plan.service.healthyThreshold,
      environment: plan.service.environment,
      subnetIds: ids(target.service.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.service.securityGroups, preflight.securityGroupIds),
      assignPublicIp: target.service.assignPublicIp,
      healthCheckGracePeriodSeconds: healthCheckGracePeriodSeconds(plan),
    },
    connection: { zoneName: names.connectionZone, recordName: "db", vpcId: preflight.vpcId },
    loadBalancer: {
      name: names.loadBalancer,
      targetGroupName: names.targetGroup,
      vpcId: preflight.vpcId,
      subnetIds: ids(target.loadBalancer.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.loadBalancer.securityGroups, preflight.securityGroupIds),
      internal: target.loadBalancer.internal,
      // A drill too: it rehearses the load balancer a failover would build.
      ipAddressType: preflight.productionRecords.some((value) => value.type === "AAAA") ? "dualstack" : "ipv4",
      certificateArn: preflight.certificateArn,
      sslPolicy: target.loadBalancer.sslPolicy,
    },
    dns: {
      zoneId: preflight.zoneId,
      ownedRecord: drill ? { name: plan.dns.drillRecord, ttl: plan.dns.ttl } : undefined,
    },
  };
}

/** The cache's stack arguments: restored from the backup preflight found; a drill's runs one node and leaves no snapshot. */
function cacheArgsFor(
  plan: Plan,
  target: ReturnType<typeof targetOf>,
  drill: boolean,
  runId: string,
  names: StackResourceNames,
  preflight: PreflightResult,
): DrStackArgs["cache"] {
  if (!plan.cache || !target.cache || !preflight.cache || !names.cacheReplicationGroup) return undefined;
  const backup = preflight.cache.backup;
  return {
    replicationGroupId: names.cacheReplicationGroup,
    nodeType: plan.cache.nodeType,
    numCacheClusters: drill ? 1 : plan.cache.numCacheClusters,
    port: plan.cache.port,
    engineVersion: plan.cache.engineVersion,
    subnetGroupName: target.cache.subnetGroup,
    securityGroupIds: target.cache.securityGroups.map((ref) => preflight.securityGroupIds.get(ref)!),
    snapshotArns: backup.snapshotArn ? [backup.snapshotArn] : undefined,
    snapshotName: backup.snapshotName,
    // Unique per failover stack: a final snapshot of an earlier failover keeps its name.
    finalSnapshotIdentifier: drill ? undefined : `${names.cacheReplicationGroup}-final-${shortId(runId)}`,
  };
}

export function toOutputs(outputs: Record<string, { value: unknown }>): DrStackOutputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([key, output]) => [key, output.value]),
  ) as unknown as DrStackOutputs;
}

export function endpointsOf(outputs: DrStackOutputs): RunReport["endpoints"] {
  return {
    serviceName: outputs.serviceName,
    loadBalancer: outputs.loadBalancerDnsName,
    database: outputs.databaseAddress,
    cache: outputs.cacheAddress ? `${outputs.cacheAddress}:${outputs.cachePort}` : undefined,
  };
}
