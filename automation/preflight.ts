/**
 * Preflight: everything a journey needs is checked in the target region (and
 * Route53) before anything is created, concurrently, and every problem is
 * reported at once. No call goes to the source region.
 */
import type { Filter } from "@aws-sdk/client-ec2";
import { awsErrorName, type AwsClients } from "./aws.js";
import { type CacheBackup, findCacheBackup } from "./cache-backup.js";
import { namesToCover, resolveCertificate } from "./certificates.js";
import { dataLossWindowMs, formatDuration } from "./clock.js";
import { type DnsRecordValue, findHostedZone, maxTtl, readNameRecords } from "./dns.js";
import { AwsError, DrFailoverError, PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import type { StackResourceNames } from "./run/stack-args.js";
import { findReplicatedBackup, findRestorableSnapshot, type RestorePoint } from "./snapshots.js";
import { EC2, ECS, ElastiCache, ELBv2, IAM, KMS, RDS, S3, SecretsManager } from "./sdk.js";
import { RESOURCE_TYPES } from "./vocabulary.js";

export interface PreflightOptions {
  plan: Plan;
  targetRegion: string;
  journey: "drill" | "failover" | "preview";
  incidentStart: Date;
  snapshotIdentifier?: string;
  /** `--restore-time`: a point in time of the replicated automated backups (checked against their window). */
  restoreTime?: Date;
  acceptDataLoss: boolean;
  /** The names the stack would create, checked free in AWS unless the stack itself holds them. */
  claims?: NameClaims;
}

/**
 * What the stack would create under fixed names where AWS either hands over an
 * existing resource (ECS CreateCluster returns an ACTIVE cluster of the same
 * name) or refuses late, in the middle of the update (load balancer, target
 * group; IAM role names are account-global).
 */
export interface NameClaims {
  names: Pick<StackResourceNames, "cluster" | "loadBalancer" | "targetGroup" | "executionRole" | "taskRole">;
  /**
   * `ownedKey(type, name)` of every resource the stack's own state holds
   * (recorded, or a pending create of a killed run): a re-run finds its own
   * resources, and only those, under these names.
   */
  ownedByStack: ReadonlySet<string> | Promise<ReadonlySet<string>>;
}

/** How NameClaims.ownedByStack spells a resource. */
export const ownedKey = (type: string, name: string) => `${type} ${name}`;

/**
 * What the restored instance will be, from the snapshot: RestoreDBInstanceFromDBSnapshot
 * takes no master user, encryption or key, and the plan's values were checked against these.
 */
export interface RestoredDatabaseFacts {
  engine: string;
  port: number;
  /** The snapshot's master user (RDS cannot rename it). */
  username: string;
  storageEncrypted: boolean;
  /** The snapshot's key ARN, checked to exist and be Enabled in the target region. */
  kmsKeyId?: string;
}

export interface PreflightResult {
  restorePoint: RestorePoint;
  restoredDatabase: RestoredDatabaseFacts;
  dataLossWindowMs: number;
  subnetIds: Map<string, string>;
  securityGroupIds: Map<string, string>;
  vpcId: string;
  zoneId: string;
  /** The production name's routing record sets (A, AAAA, CNAME) as they are now ([] when absent). */
  productionRecords: DnsRecordValue[];
  /** The ACM certificate the load balancer serves HTTPS with (the plan's, or the one found). */
  certificateArn: string;
  /** The password of the snapshot's master user, when credentials.mode is replica-secret. */
  replicaSecretPassword?: string;
  /** The cache's backup (when the plan has a cache) and its age at the incident start. */
  cache?: { backup: CacheBackup; ageMs: number };
  warnings: { code: string; message: string }[];
}

/** Every check's failure is collected; unexpected errors keep their own message. */
/** A failure to reach the service at all (no answer), as opposed to an answer that says no. */
const NETWORK_ERRORS = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);
function unreachableReason(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && NETWORK_ERRORS.has(code)) return code;
  const name = awsErrorName(error);
  return name === "TimeoutError" || name === "RequestTimeout" ? name : undefined;
}

class Problems {
  readonly list: string[] = [];
  readonly codes: string[] = [];
  /** Calls that got no answer at all: when no call got one, that is one cause (the endpoint or the network), said once. */
  readonly unreachable: string[] = [];
  add(code: string, message: string) {
    this.codes.push(code);
    this.list.push(message);
  }
  async guard<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      // An SDK error may arrive wrapped (wrapAwsError keeps it as the cause).
      const unreachable = unreachableReason(error instanceof DrFailoverError ? error.cause : error);
      if (unreachable) this.unreachable.push(`${what}: ${unreachable}`);
      else if (error instanceof DrFailoverError)
        this.add(error.code, `${error.message}${error.hint ? ` — ${error.hint}` : ""}`);
      else
        this.add(
          "AWS_CALL_FAILED",
          `${what}: ${awsErrorName(error) ?? "Error"}: ${error instanceof Error ? error.message : String(error)}`,
        );
      return undefined;
    }
  }
}

const isId = (ref: string, prefix: string) => ref.startsWith(prefix);

/** Subnet IPv6 CIDR block states in which the block is (being) taken away. */
const IPV6_BLOCK_GONE = ["disassociating", "disassociated", "failing", "failed"];

async function resolveSubnets(aws: AwsClients, region: string, refs: string[], problems: Problems) {
  const ids = new Map<string, string>();
  /** The refs whose subnet has an associated IPv6 CIDR block (a dual-stack load balancer needs one in each). */
  const ipv6 = new Set<string>();
  const vpcs = new Set<string>();
  const unique = [...new Set(refs)];
  const byId = unique.filter((ref) => isId(ref, "subnet-"));
  const byName = unique.filter((ref) => !isId(ref, "subnet-"));
  const filters: Filter[][] = [];
  if (byId.length) filters.push([{ Name: "subnet-id", Values: byId }]);
  if (byName.length) filters.push([{ Name: "tag:Name", Values: byName }]);
  for (const filter of filters) {
    const result = await aws.ec2(region).send(new EC2.DescribeSubnetsCommand({ Filters: filter }));
    for (const subnet of result.Subnets ?? []) {
      const name = subnet.Tags?.find((tag) => tag.Key === "Name")?.Value;
      for (const ref of unique) {
        if (ref === subnet.SubnetId || ref === name) {
          ids.set(ref, subnet.SubnetId!);
          vpcs.add(subnet.VpcId!);
          // Any block not on its way out counts (moto 5.2 renders the state of an associated one as a dict's repr).
          if (
            subnet.Ipv6CidrBlockAssociationSet?.some(
              (association) => !IPV6_BLOCK_GONE.includes(association.Ipv6CidrBlockState?.State ?? ""),
            )
          )
            ipv6.add(ref);
        }
      }
    }
  }
  for (const ref of unique) {
    if (!ids.has(ref)) problems.add("SUBNET_NOT_FOUND", `subnet ${ref} not found in ${region} (by id or Name tag)`);
  }
  if (vpcs.size > 1)
    problems.add(
      "SUBNETS_SPAN_VPCS",
      `the plan's subnets in ${region} belong to ${vpcs.size} VPCs; they must share one`,
    );
  return { ids, ipv6, vpcId: [...vpcs][0] ?? "" };
}

async function resolveSecurityGroups(aws: AwsClients, region: string, refs: string[], problems: Problems) {
  const ids = new Map<string, string>();
  const unique = [...new Set(refs)];
  const result = await aws.ec2(region).send(new EC2.DescribeSecurityGroupsCommand({}));
  for (const group of result.SecurityGroups ?? []) {
    const name = group.Tags?.find((tag) => tag.Key === "Name")?.Value;
    for (const ref of unique) {
      if (ref === group.GroupId || ref === group.GroupName || ref === name) ids.set(ref, group.GroupId!);
    }
  }
  for (const ref of unique) {
    if (!ids.has(ref))
      problems.add(
        "SECURITY_GROUP_NOT_FOUND",
        `security group ${ref} not found in ${region} (by id, name or Name tag)`,
      );
  }
  return ids;
}

async function checkSubnetGroup(aws: AwsClients, region: string, name: string, problems: Problems) {
  try {
    await aws.rds(region).send(new RDS.DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
  } catch (error) {
    if (awsErrorName(error) !== "DBSubnetGroupNotFoundFault") throw error;
    problems.add(
      "DB_SUBNET_GROUP_NOT_FOUND",
      `DB subnet group ${name} does not exist in ${region}; create it over the DR subnets first`,
    );
  }
}

async function checkCacheSubnetGroup(aws: AwsClients, region: string, name: string, problems: Problems) {
  try {
    await aws
      .elasticache(region)
      .send(new ElastiCache.DescribeCacheSubnetGroupsCommand({ CacheSubnetGroupName: name }));
  } catch (error) {
    if (awsErrorName(error) !== "CacheSubnetGroupNotFoundFault") throw error;
    problems.add(
      "CACHE_SUBNET_GROUP_NOT_FOUND",
      `ElastiCache subnet group ${name} does not exist in ${region}; create it over the DR subnets first (aws elasticache create-cache-subnet-group)`,
    );
  }
}

async function checkReplicaBucket(aws: AwsClients, region: string, bucket: string, problems: Problems) {
  try {
    await aws.s3(region).send(new S3.HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name !== "NotFound" && name !== "NoSuchBucket" && name !== "Forbidden") throw error;
    problems.add(
      "REPLICA_BUCKET_NOT_FOUND",
      `replica bucket ${bucket} does not exist in ${region}: set up cross-region replication of the asset bucket (the DR stack never creates it)`,
    );
  }
}

async function readReplicaSecretPassword(aws: AwsClients, region: string, name: string, problems: Problems) {
  try {
    const value = await aws.secrets(region).send(new SecretsManager.GetSecretValueCommand({ SecretId: name }));
    const password = JSON.parse(value.SecretString ?? "{}").password;
    if (typeof password !== "string" || !password) {
      problems.add("REPLICA_SECRET_INVALID", `secret ${name} in ${region} has no "password" key`);
      return undefined;
    }
    return password;
  } catch (error) {
    if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
    problems.add(
      "REPLICA_SECRET_NOT_FOUND",
      `secret ${name} has no replica in ${region}: replicate it, or set database.credentials.mode: reset`,
    );
    return undefined;
  }
}

const notFound = (error: unknown, ...names: string[]) => {
  if (names.includes(awsErrorName(error) ?? "")) return false;
  throw error;
};

/**
 * Refuses every name of `claims` that already exists in AWS and is not the
 * stack's own: taking it over would put someone else's resource under the
 * stack, and its destroy would delete it.
 */
async function checkNamesFree(aws: AwsClients, region: string, claims: NameClaims, problems: Problems) {
  const { names } = claims;
  const [cluster, loadBalancer, targetGroup, ...roles] = await Promise.all([
    aws
      .ecs(region)
      .send(new ECS.DescribeClustersCommand({ clusters: [names.cluster] }))
      .then((found) => Boolean(found.clusters?.some((c) => c.clusterName === names.cluster && c.status === "ACTIVE"))),
    aws
      .elbv2(region)
      .send(new ELBv2.DescribeLoadBalancersCommand({ Names: [names.loadBalancer] }))
      .then((found) => Boolean(found.LoadBalancers?.length))
      .catch((error) => notFound(error, "LoadBalancerNotFoundException", "LoadBalancerNotFound")),
    aws
      .elbv2(region)
      .send(new ELBv2.DescribeTargetGroupsCommand({ Names: [names.targetGroup] }))
      .then((found) => Boolean(found.TargetGroups?.length))
      .catch((error) => notFound(error, "TargetGroupNotFoundException", "TargetGroupNotFound")),
    ...[names.executionRole, names.taskRole].map((role) =>
      aws
        .iam()
        .send(new IAM.GetRoleCommand({ RoleName: role }))
        .then(() => true)
        .catch((error) => notFound(error, "NoSuchEntityException", "NoSuchEntity")),
    ),
  ]);
  const owned = await claims.ownedByStack;
  const notOurs = (type: string, name: string, exists: boolean) => exists && !owned.has(ownedKey(type, name));
  const leftover = "delete it if it is left over from an earlier DR stack (dr-failover status lists the live ones)";
  if (notOurs(RESOURCE_TYPES.ecsCluster, names.cluster, cluster)) {
    problems.add(
      "NAME_TAKEN",
      `ECS cluster ${names.cluster} already exists (ACTIVE) in ${region} and is not this stack's: CreateCluster would silently take it over and destroy would delete it — ${leftover}, or set service.cluster in the plan to a name that is free in ${region}`,
    );
  }
  if (notOurs(RESOURCE_TYPES.loadBalancer, names.loadBalancer, loadBalancer)) {
    problems.add(
      "NAME_TAKEN",
      `load balancer ${names.loadBalancer} already exists in ${region} and is not this stack's: the stack cannot create its own under that name — ${leftover}, or change app in the plan (the DR load balancer is named after it)`,
    );
  }
  if (notOurs(RESOURCE_TYPES.targetGroup, names.targetGroup, targetGroup)) {
    problems.add(
      "NAME_TAKEN",
      `target group ${names.targetGroup} already exists in ${region} and is not this stack's: the stack cannot create its own under that name — ${leftover}, or change app in the plan (the DR target group is named after it)`,
    );
  }
  [names.executionRole, names.taskRole].forEach((role, index) => {
    if (notOurs(RESOURCE_TYPES.iamRole, role, roles[index])) {
      problems.add(
        "NAME_TAKEN",
        `IAM role ${role} already exists and is not this stack's (role names are account-wide): the stack cannot create its own under that name — ${leftover}, or change service.name in the plan (the DR roles are named after it)`,
      );
    }
  });
}

/** How messages name a restore point: "snapshot <id>" or "the replicated automated backups <ARN>". */
function restoreSubject(point: RestorePoint): string {
  return point.source === "snapshot"
    ? `snapshot ${point.snapshotIdentifier}`
    : `the replicated automated backups ${point.automatedBackupsArn}`;
}

/**
 * The plan's database settings against the chosen snapshot. A plan value the
 * restore cannot honour is refused: the instance would come up different from
 * the plan (and, for the settings the provider reads back, a later `up` would
 * replace it). Values the plan leaves out are taken from the snapshot.
 */
function resolveRestoredDatabase(
  plan: Plan,
  targetRegion: string,
  snapshot: RestorePoint,
  problems: Problems,
): RestoredDatabaseFacts | undefined {
  const what = restoreSubject(snapshot);
  const planned = plan.database;
  const start = problems.list.length;
  const compare = <T>(setting: string, path: string, planValue: T | undefined, snapshotValue: T | undefined) => {
    if (planValue === undefined || snapshotValue === undefined || planValue === snapshotValue) return;
    problems.add(
      `SNAPSHOT_${setting}_MISMATCH`,
      `${path} is ${planValue} but ${what} has ${snapshotValue}: a restore keeps the snapshot's — set ${path}: ${snapshotValue} (or leave it out), or restore another snapshot (--snapshot)`,
    );
  };
  compare("ENGINE", "database.engine", planned.engine, snapshot.engine?.toLowerCase());
  compare("PORT", "database.port", planned.port, snapshot.port);
  compare("USERNAME", "database.credentials.username", planned.credentials.username, snapshot.masterUsername);

  const planKey = plan.targets[targetRegion].database.kmsKeyId;
  const keyPath = `targets.${targetRegion}.database.kmsKeyId`;
  if (planKey && !snapshot.encrypted) {
    problems.add(
      "SNAPSHOT_NOT_ENCRYPTED",
      `${keyPath} is ${planKey} but ${what} is not encrypted: a restore cannot encrypt it — leave kmsKeyId out, or copy the snapshot with that key and restore the copy`,
    );
  } else if (planKey && snapshot.kmsKeyId && planKey !== snapshot.kmsKeyId) {
    problems.add(
      "SNAPSHOT_KEY_MISMATCH",
      `${keyPath} is ${planKey} but ${what} is encrypted with ${snapshot.kmsKeyId}: the restored instance keeps the snapshot's key — set kmsKeyId to it (or leave it out), or restore a copy made with your key`,
    );
  }

  const engine = planned.engine ?? snapshot.engine?.toLowerCase();
  const port = planned.port ?? snapshot.port;
  const username = planned.credentials.username ?? snapshot.masterUsername;
  for (const [path, value] of [
    ["database.engine", engine],
    ["database.port", port],
    ["database.credentials.username", username],
  ] as const) {
    if (value === undefined)
      problems.add("SNAPSHOT_DETAILS_MISSING", `${what} does not say its ${path.split(".").pop()}: set ${path}`);
  }
  if (problems.list.length > start) return undefined;
  return {
    engine: engine!,
    port: port!,
    username: username!,
    storageEncrypted: snapshot.encrypted,
    kmsKeyId: snapshot.encrypted ? snapshot.kmsKeyId : undefined,
  };
}

/**
 * The key of an encrypted snapshot must be usable in the target region: RDS
 * decrypts the snapshot with it during the restore, which otherwise fails only
 * after the load balancer, roles and secret were created.
 */
async function checkSnapshotKey(aws: AwsClients, region: string, snapshot: RestorePoint, problems: Problems) {
  if (!snapshot.encrypted || !snapshot.kmsKeyId) return;
  const what = restoreSubject(snapshot);
  const keyArn = snapshot.kmsKeyId;
  if (!keyArn.includes(`:${region}:`)) {
    problems.add(
      "SNAPSHOT_KEY_OTHER_REGION",
      `${what} is encrypted with KMS key ${keyArn}, outside ${region}; copy it with a key of ${region} (aws rds copy-db-snapshot --kms-key-id)`,
    );
    return;
  }
  const key = await aws
    .kms(region)
    .send(new KMS.DescribeKeyCommand({ KeyId: keyArn }))
    .then((found) => found.KeyMetadata)
    .catch((error: unknown) => {
      if (awsErrorName(error) === "NotFoundException") return undefined;
      throw error;
    });
  if (!key) {
    problems.add(
      "SNAPSHOT_KEY_NOT_FOUND",
      `KMS key ${keyArn} of ${what} does not exist in ${region}: the snapshot cannot be decrypted — restore a copy encrypted with an existing key of ${region} (--snapshot)`,
    );
  } else if (key.KeyState !== "Enabled") {
    problems.add(
      "SNAPSHOT_KEY_NOT_ENABLED",
      `KMS key ${keyArn} of ${what} is ${key.KeyState}, not Enabled: RDS cannot decrypt the snapshot — ${key.KeyState === "PendingDeletion" ? "cancel the deletion and enable it" : "enable it"} (aws kms ${key.KeyState === "PendingDeletion" ? "cancel-key-deletion" : "enable-key"} --region ${region} --key-id ${keyArn}), or restore another snapshot (--snapshot)`,
    );
  }
}

/**
 * The restore point: a copied snapshot or a point in time of the replicated automated
 * backups, as the plan's database.restoreFrom and the flags say. `auto` takes whichever
 * loses less data (the newer); either source missing is then no problem while the other is there.
 * The chosen point's KMS key is checked usable in the target region.
 */
async function resolveRestorePoint(
  aws: AwsClients,
  options: PreflightOptions,
  problems: Problems,
): Promise<RestorePoint> {
  const { plan, targetRegion } = options;
  const restoreFrom = plan.database.restoreFrom;
  const rds = aws.rds(targetRegion);
  const snapshot = () =>
    findRestorableSnapshot(rds, {
      sourceIdentifier: plan.database.sourceIdentifier,
      targetRegion,
      snapshotIdentifier: options.snapshotIdentifier,
    });
  const pointInTime = () =>
    findReplicatedBackup(rds, {
      sourceIdentifier: plan.database.sourceIdentifier,
      sourceRegion: plan.sourceRegion,
      targetRegion,
      restoreTime: options.restoreTime,
    });
  let chosen: RestorePoint;
  // A restore point given on the command line decides over the plan's restoreFrom.
  if (options.snapshotIdentifier) chosen = await snapshot();
  else if (options.restoreTime) chosen = await pointInTime();
  else if (restoreFrom === "snapshot") chosen = await snapshot();
  else if (restoreFrom === "point-in-time") chosen = await pointInTime();
  else {
    const [bySnapshot, byPointInTime] = await Promise.allSettled([snapshot(), pointInTime()]);
    const found = [bySnapshot, byPointInTime].flatMap((result) =>
      result.status === "fulfilled" ? [result.value] : [],
    );
    if (bySnapshot.status === "rejected" && byPointInTime.status === "rejected") {
      // Both missing: each says how to fix it.
      await problems.guard("snapshot", () => Promise.reject(bySnapshot.reason));
      throw byPointInTime.reason;
    }
    found.sort((a, b) => b.capturedAt.getTime() - a.capturedAt.getTime());
    chosen = found[0];
  }
  await problems.guard(`KMS key of ${restoreSubject(chosen)}`, () =>
    checkSnapshotKey(aws, targetRegion, chosen, problems),
  );
  return chosen;
}

export async function runPreflight(aws: AwsClients, options: PreflightOptions): Promise<PreflightResult> {
  const { plan, targetRegion } = options;
  const target = plan.targets[targetRegion];
  const problems = new Problems();
  const warnings: PreflightResult["warnings"] = [];

  const [restorePoint, subnets, securityGroupIds, , , zone, replicaSecretPassword, certificate, , cacheBackup] =
    await Promise.all([
      problems.guard("restore point", () => resolveRestorePoint(aws, options, problems)),
      problems.guard("subnets", () =>
        resolveSubnets(aws, targetRegion, [...target.service.subnets, ...target.loadBalancer.subnets], problems),
      ),
      problems.guard("security groups", () =>
        resolveSecurityGroups(
          aws,
          targetRegion,
          [
            ...target.database.securityGroups,
            ...target.service.securityGroups,
            ...target.loadBalancer.securityGroups,
            ...(target.cache?.securityGroups ?? []),
          ],
          problems,
        ),
      ),
      problems.guard("DB subnet group", () =>
        checkSubnetGroup(aws, targetRegion, target.database.subnetGroup, problems),
      ),
      problems.guard("replica bucket", () =>
        checkReplicaBucket(aws, targetRegion, target.storage.replicaBucket, problems),
      ),
      problems.guard("hosted zone", async () => {
        const zoneId = await findHostedZone(aws.route53(), plan.dns.hostedZone);
        const [production, drill] = await Promise.all([
          readNameRecords(aws.route53(), zoneId, plan.dns.productionRecord),
          readNameRecords(aws.route53(), zoneId, plan.dns.drillRecord),
        ]);
        return { zoneId, production, drill };
      }),
      plan.database.credentials.mode === "replica-secret"
        ? problems.guard("replica secret", () =>
            readReplicaSecretPassword(aws, targetRegion, plan.secrets.databaseSecretName, problems),
          )
        : Promise.resolve(undefined),
      problems.guard("certificate", () =>
        resolveCertificate(aws.acm(targetRegion), {
          region: targetRegion,
          certificateArn: target.loadBalancer.certificateArn,
          hosts: namesToCover(plan, options.journey),
          now: new Date(),
        }),
      ),
      options.claims
        ? problems.guard("names the stack would create", () =>
            checkNamesFree(aws, targetRegion, options.claims!, problems),
          )
        : undefined,
      plan.cache && target.cache
        ? Promise.all([
            problems.guard("cache subnet group", () =>
              checkCacheSubnetGroup(aws, targetRegion, target.cache!.subnetGroup, problems),
            ),
            problems.guard("cache backup", () => findCacheBackup(aws, plan, targetRegion)),
          ]).then(([, backup]) => backup)
        : undefined,
    ]);
  if (certificate) warnings.push(...certificate.warnings);

  let dataLoss = 0;
  if (restorePoint) {
    dataLoss = dataLossWindowMs(options.incidentStart, restorePoint.capturedAt);
    const rpo = plan.objectives.rpo;
    if (dataLoss > rpo && !options.acceptDataLoss) {
      problems.add(
        "RPO_BREACH",
        `the newest restore point ${restorePoint.label} is ${formatDuration(dataLoss)} old at the incident start, beyond the RPO of ${formatDuration(rpo)} — pass --accept-data-loss to restore it anyway, or --snapshot / --restore-time to choose another`,
      );
    } else if (dataLoss > rpo) {
      warnings.push({
        code: "RPO_BREACH_ACCEPTED",
        message: `restoring ${restorePoint.label} loses ${formatDuration(dataLoss)} of data, beyond the RPO of ${formatDuration(rpo)} (--accept-data-loss)`,
      });
    } else if (dataLoss > rpo * 0.8) {
      warnings.push({
        code: "RPO_CLOSE",
        message: `data-loss window ${formatDuration(dataLoss)} is ${Math.round((dataLoss / rpo) * 100)} % of the RPO`,
      });
    }
  }
  let cache: PreflightResult["cache"];
  if (cacheBackup && plan.cache) {
    const ageMs = dataLossWindowMs(options.incidentStart, cacheBackup.capturedAt);
    cache = { backup: cacheBackup, ageMs };
    const maxAge = plan.cache.backup.maxAge;
    if (maxAge !== undefined && ageMs > maxAge) {
      problems.add(
        "CACHE_BACKUP_TOO_OLD",
        `the cache's backup ${cacheBackup.label} is ${formatDuration(ageMs)} old at the incident start, beyond cache.backup.maxAge of ${formatDuration(maxAge)} — export a newer one to the target region, or raise cache.backup.maxAge`,
      );
    }
  }
  const restoredDatabase = restorePoint && resolveRestoredDatabase(plan, targetRegion, restorePoint, problems);
  if (zone) {
    const production = zone.production.routing;
    if (options.journey !== "drill" && production.length === 0 && zone.production.withPolicy.length === 0) {
      problems.add(
        "PRODUCTION_RECORD_NOT_FOUND",
        `production record ${plan.dns.productionRecord} does not exist in zone ${plan.dns.hostedZone}`,
      );
    }
    // The switch replaces simple records only: a policy set (weighted, latency …) cannot be UPSERTed to one target without
    // leaving its siblings answering for the failed region, nor restored as it was.
    for (const set of zone.production.withPolicy) {
      const message = `production record ${set.name} ${set.type} "${set.setIdentifier}" has a ${set.policy} routing policy, which the DNS switch cannot replace safely — switch it yourself (e.g. set the DR set's weight or failover role), or make ${set.name} a simple A/AAAA alias or CNAME record before the failover`;
      // A drill never touches production: it only learns that the failover would refuse.
      if (options.journey === "drill") warnings.push({ code: "PRODUCTION_ROUTING_POLICY", message });
      else problems.add("PRODUCTION_ROUTING_POLICY", message);
    }
    if (options.journey === "drill" && (zone.drill.routing.length > 0 || zone.drill.withPolicy.length > 0)) {
      problems.add(
        "DRILL_RECORD_EXISTS",
        `${plan.dns.drillRecord} already exists in ${plan.dns.hostedZone}: another drill is running or left it behind (dr-failover status); a drill never overwrites a record`,
      );
    }
    const ttl = maxTtl(production);
    if (ttl !== undefined && ttl > 60) {
      warnings.push({
        code: "PRODUCTION_TTL_HIGH",
        message: `${plan.dns.productionRecord} has a TTL of ${ttl} s: clients keep the old answer that long after the switch; lower it to 60 s ahead of time`,
      });
    }
    const lbSubnets = target.loadBalancer.subnets;
    const withoutIpv6 = subnets ? lbSubnets.filter((ref) => subnets.ids.has(ref) && !subnets.ipv6.has(ref)) : [];
    if (production.some((value) => value.type === "AAAA") && withoutIpv6.length > 0) {
      problems.add(
        "LOAD_BALANCER_SUBNETS_IPV4_ONLY",
        `${plan.dns.productionRecord} has an AAAA record, so the DR load balancer must be dual-stack, but its subnet${withoutIpv6.length === 1 ? "" : "s"} ${withoutIpv6.join(", ")} in ${targetRegion} ha${withoutIpv6.length === 1 ? "s" : "ve"} no IPv6 CIDR block — associate an IPv6 CIDR with the VPC and these subnets (or drop the AAAA record)`,
      );
    }
  }

  if (problems.unreachable.length > 0 && problems.list.length === 0) {
    const reasons = [...new Set(problems.unreachable.map((line) => line.split(": ").pop()))].join(", ");
    throw new AwsError("AWS_UNREACHABLE", `AWS in ${targetRegion} did not answer (${reasons}); nothing was created`, {
      hint: `Check the network and the endpoint (${aws.sharedEndpoint ?? `the AWS endpoints of ${targetRegion}`}), then re-run.`,
    });
  }
  // Some calls were answered (with errors) and some not: every one is a problem of its own.
  for (const line of problems.unreachable) problems.add("AWS_CALL_FAILED", line);
  if (problems.list.length > 0) {
    const code = problems.codes.length === 1 ? problems.codes[0] : "PREFLIGHT_FAILED";
    throw new PreconditionError(
      code,
      `preflight found ${problems.list.length} problem${problems.list.length === 1 ? "" : "s"} in ${targetRegion}; nothing was created`,
      {
        details: problems.list,
      },
    );
  }
  return {
    restorePoint: restorePoint!,
    restoredDatabase: restoredDatabase!,
    dataLossWindowMs: dataLoss,
    subnetIds: subnets!.ids,
    securityGroupIds: securityGroupIds!,
    vpcId: subnets!.vpcId,
    zoneId: zone!.zoneId,
    productionRecords: zone!.production.routing,
    certificateArn: certificate!.arn,
    replicaSecretPassword,
    cache,
    warnings,
  };
}
