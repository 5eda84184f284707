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
import { checkImage, type ImageCheck, imageProblem } from "./images.js";
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
  /** What the target region's ECR said about the service image. */
  image: ImageCheck;
  /** The replica bucket: versioning, the source's replication rule, the newest replicated object. */
  storage: ReplicaStorageFacts;
  /** The cache's backup (when the plan has a cache) and its age at the incident start. */
  cache?: { backup: CacheBackup; ageMs: number };
  warnings: { code: string; message: string }[];
  /** What was checked and found in order, or deliberately not checked (info lines, not warnings). */
  notes: string[];
}

/** What preflight learnt about the replica bucket. */
export interface ReplicaStorageFacts {
  bucket: string;
  versioning: string;
  /** The source bucket's replication rule to the replica: checked (its id), or why not. */
  replication: { state: "targets-replica"; ruleId: string } | { state: "not-checked"; reason: string };
  /** The newest object of the replica, when one ListObjectsV2 page holds every object (else undefined, see `newestObjectNote`). */
  newestObject?: { key: string; lastModified: Date };
  /** "not measured" and why, when newestObject is undefined. */
  newestObjectNote?: string;
}

/** The problems and findings of a preflight, and its result when there is no problem. */
export interface PreflightInspection {
  problems: { code: string; message: string }[];
  warnings: { code: string; message: string }[];
  notes: string[];
  result?: PreflightResult;
  /** What was resolved even when something else failed (for `check`'s table). */
  partial: Partial<
    Pick<PreflightResult, "restorePoint" | "certificateArn" | "vpcId" | "image" | "storage" | "dataLossWindowMs">
  > & { kmsKeyState?: string };
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

export class Problems {
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
  /** ref → the VPC of its group. */
  const vpcs = new Map<string, string>();
  const unique = [...new Set(refs)];
  const result = await aws.ec2(region).send(new EC2.DescribeSecurityGroupsCommand({}));
  for (const group of result.SecurityGroups ?? []) {
    const name = group.Tags?.find((tag) => tag.Key === "Name")?.Value;
    for (const ref of unique) {
      if (ref === group.GroupId || ref === group.GroupName || ref === name) {
        ids.set(ref, group.GroupId!);
        vpcs.set(ref, group.VpcId ?? "");
      }
    }
  }
  for (const ref of unique) {
    if (!ids.has(ref))
      problems.add(
        "SECURITY_GROUP_NOT_FOUND",
        `security group ${ref} not found in ${region} (by id, name or Name tag)`,
      );
  }
  return { ids, vpcs };
}

/** The DB subnet group's VPC, or undefined when it does not exist (a problem). */
async function checkSubnetGroup(aws: AwsClients, region: string, name: string, problems: Problems) {
  try {
    const found = await aws.rds(region).send(new RDS.DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }));
    return found.DBSubnetGroups?.[0]?.VpcId;
  } catch (error) {
    if (awsErrorName(error) !== "DBSubnetGroupNotFoundFault") throw error;
    problems.add(
      "DB_SUBNET_GROUP_NOT_FOUND",
      `DB subnet group ${name} does not exist in ${region}; create it over the DR subnets first`,
    );
    return undefined;
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

/**
 * Subnets, DB subnet group and security groups of the service, the load
 * balancer and the database must all be in one VPC: AWS refuses a security
 * group of another VPC only when the resource is created, in the middle of the update.
 */
function checkOneVpc(
  region: string,
  target: Plan["targets"][string],
  subnetsVpc: string,
  subnetGroupVpc: string | undefined,
  groups: { vpcs: Map<string, string>; ids: Map<string, string> },
  problems: Problems,
) {
  const field = `targets.${region}`;
  if (subnetGroupVpc && subnetGroupVpc !== subnetsVpc) {
    problems.add(
      "SUBNET_GROUP_OTHER_VPC",
      `DB subnet group ${target.database.subnetGroup} (${field}.database.subnetGroup) is in ${subnetGroupVpc}, but the plan's subnets are in ${subnetsVpc}: the database could not be reached from the service — use a DB subnet group over subnets of ${subnetsVpc}`,
    );
  }
  const roles = [
    ["database", target.database.securityGroups],
    ["service", target.service.securityGroups],
    ["loadBalancer", target.loadBalancer.securityGroups],
  ] as const;
  const reported = new Set<string>();
  for (const [role, refs] of roles) {
    for (const ref of refs) {
      const vpc = groups.vpcs.get(ref);
      if (!vpc || vpc === subnetsVpc || reported.has(ref)) continue;
      reported.add(ref);
      problems.add(
        "SECURITY_GROUP_OTHER_VPC",
        `security group ${ref} (${groups.ids.get(ref)}, ${field}.${role}.securityGroups) is in ${vpc}, but the plan's subnets are in ${subnetsVpc}: AWS refuses a security group of another VPC when the resource is created — use a group of ${subnetsVpc}`,
      );
    }
  }
}

/** One ListObjectsV2 page: the newest object's age is measured only when the page holds the whole bucket. */
const NEWEST_OBJECT_PAGE = 1000;

/**
 * The replica bucket exists, its versioning is Enabled (S3 replication needs it
 * on both buckets, and the runbook's restore from object versions needs it), and
 * the newest replicated object, when one page of the listing holds them all.
 */
async function inspectReplicaBucket(
  aws: AwsClients,
  region: string,
  bucket: string,
  problems: Problems,
): Promise<Omit<ReplicaStorageFacts, "replication"> | undefined> {
  const s3 = aws.s3(region);
  try {
    await s3.send(new S3.HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name !== "NotFound" && name !== "NoSuchBucket" && name !== "Forbidden") throw error;
    problems.add(
      "REPLICA_BUCKET_NOT_FOUND",
      `replica bucket ${bucket} does not exist in ${region}: set up cross-region replication of the asset bucket (the DR stack never creates it)`,
    );
    return undefined;
  }
  const [versioning, listed] = await Promise.all([
    s3.send(new S3.GetBucketVersioningCommand({ Bucket: bucket })),
    s3.send(new S3.ListObjectsV2Command({ Bucket: bucket, MaxKeys: NEWEST_OBJECT_PAGE })),
  ]);
  const status = versioning.Status ?? "never enabled";
  if (status !== "Enabled") {
    problems.add(
      "REPLICA_BUCKET_VERSIONING_OFF",
      `replica bucket ${bucket} in ${region} has versioning ${status}, not Enabled: S3 replication stops writing to it and no earlier version of a file can be restored — enable it: aws s3api put-bucket-versioning --region ${region} --bucket ${bucket} --versioning-configuration Status=Enabled`,
    );
  }
  const facts: Omit<ReplicaStorageFacts, "replication"> = { bucket, versioning: status };
  if (listed.IsTruncated) {
    facts.newestObjectNote = `not measured (more than ${NEWEST_OBJECT_PAGE} objects: one listing page does not show the newest)`;
  } else {
    const newest = (listed.Contents ?? [])
      .filter((object) => object.Key && object.LastModified)
      .sort((a, b) => b.LastModified!.getTime() - a.LastModified!.getTime())[0];
    if (newest) facts.newestObject = { key: newest.Key!, lastModified: newest.LastModified! };
    else facts.newestObjectNote = "not measured (the replica bucket is empty)";
  }
  return facts;
}

/** How long the source region gets to answer: it may be the region that is down. */
const SOURCE_REGION_TIMEOUT_MS = 5_000;

/**
 * The source bucket's replication configuration has an enabled rule whose
 * destination is the replica. Never for a failover: nothing on its path calls
 * the source region. Otherwise (drill, preview, check) the source region may
 * be unwell: when it does not answer within seconds, or not clearly, that is a
 * warning; a definite wrong answer is a problem.
 */
async function checkReplicationRule(
  aws: AwsClients,
  options: PreflightOptions,
  problems: Problems,
  warnings: PreflightResult["warnings"],
): Promise<ReplicaStorageFacts["replication"]> {
  const { plan, targetRegion } = options;
  const storage = plan.targets[targetRegion].storage;
  const source = storage.sourceBucket;
  if (!source)
    return { state: "not-checked", reason: `targets.${targetRegion}.storage.sourceBucket is not in the plan` };
  if (options.journey === "failover")
    return { state: "not-checked", reason: "a failover never calls the source region" };
  const replicaArn = `arn:aws:s3:::${storage.replicaBucket}`;
  const wrong = (code: string, message: string) => problems.add(code, message);
  let rules: { ID?: string; Status?: string; Destination?: { Bucket?: string } }[];
  try {
    const found = await aws.s3(plan.sourceRegion).send(new S3.GetBucketReplicationCommand({ Bucket: source }), {
      abortSignal: AbortSignal.timeout(SOURCE_REGION_TIMEOUT_MS),
    });
    rules = found.ReplicationConfiguration?.Rules ?? [];
  } catch (error) {
    const name = awsErrorName(error);
    if (name === "NoSuchBucket") {
      wrong(
        "SOURCE_BUCKET_NOT_FOUND",
        `source bucket ${source} (targets.${targetRegion}.storage.sourceBucket) does not exist in ${plan.sourceRegion}: fix the name — it is the bucket replicated to ${storage.replicaBucket}`,
      );
      return { state: "not-checked", reason: `${source} does not exist` };
    }
    if (name !== "ReplicationConfigurationNotFoundError") {
      const reason = `${name ?? "Error"}${error instanceof Error && error.message && error.message !== name ? `: ${error.message}` : ""}`;
      warnings.push({
        code: "REPLICATION_NOT_READ",
        message: `the replication rule of ${source} in ${plan.sourceRegion} could not be read (${reason}); not checked — the source region may be down`,
      });
      return { state: "not-checked", reason: `${plan.sourceRegion} did not answer (${name ?? "Error"})` };
    }
    rules = [];
  }
  const rule = rules.find(
    (candidate) => candidate.Status === "Enabled" && candidate.Destination?.Bucket === replicaArn,
  );
  if (rule) return { state: "targets-replica", ruleId: rule.ID ?? "(no id)" };
  const elsewhere = [...new Set(rules.map((candidate) => `${candidate.Destination?.Bucket} (${candidate.Status})`))];
  wrong(
    "REPLICATION_NOT_TO_REPLICA",
    `source bucket ${source} in ${plan.sourceRegion} has no enabled replication rule to ${storage.replicaBucket}${elsewhere.length ? ` (its rules replicate to ${elsewhere.join(", ")})` : " (no replication configuration)"}: new files no longer reach ${targetRegion} — add a rule with destination ${replicaArn} (aws s3api put-bucket-replication --bucket ${source})`,
  );
  return { state: "not-checked", reason: "no enabled rule to the replica" };
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
async function checkSnapshotKey(
  aws: AwsClients,
  region: string,
  snapshot: RestorePoint,
  problems: Problems,
): Promise<string | undefined> {
  if (!snapshot.encrypted || !snapshot.kmsKeyId) return undefined;
  const what = restoreSubject(snapshot);
  const keyArn = snapshot.kmsKeyId;
  if (!keyArn.includes(`:${region}:`)) {
    problems.add(
      "SNAPSHOT_KEY_OTHER_REGION",
      `${what} is encrypted with KMS key ${keyArn}, outside ${region}; copy it with a key of ${region} (aws rds copy-db-snapshot --kms-key-id)`,
    );
    return undefined;
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
    return "not found";
  }
  if (key.KeyState !== "Enabled") {
    problems.add(
      "SNAPSHOT_KEY_NOT_ENABLED",
      `KMS key ${keyArn} of ${what} is ${key.KeyState}, not Enabled: RDS cannot decrypt the snapshot — ${key.KeyState === "PendingDeletion" ? "cancel the deletion and enable it" : "enable it"} (aws kms ${key.KeyState === "PendingDeletion" ? "cancel-key-deletion" : "enable-key"} --region ${region} --key-id ${keyArn}), or restore another snapshot (--snapshot)`,
    );
  }
  return key.KeyState;
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
): Promise<{ point: RestorePoint; keyState?: string }> {
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
  const keyState = await problems.guard(`KMS key of ${restoreSubject(chosen)}`, () =>
    checkSnapshotKey(aws, targetRegion, chosen, problems),
  );
  return { point: chosen, keyState };
}

/**
 * Every check of preflight, without refusing: the problems, warnings and notes,
 * the result when there is no problem, and what was resolved in any case.
 * Throws only when AWS in the target region did not answer at all (AWS_UNREACHABLE).
 */
export async function inspectPreflight(aws: AwsClients, options: PreflightOptions): Promise<PreflightInspection> {
  const { plan, targetRegion } = options;
  const target = plan.targets[targetRegion];
  const problems = new Problems();
  const warnings: PreflightResult["warnings"] = [];
  const notes: string[] = [];

  const [
    restore,
    subnets,
    securityGroups,
    subnetGroupVpc,
    replica,
    zone,
    replicaSecretPassword,
    certificate,
    ,
    image,
    replication,
    cacheBackup,
  ] = await Promise.all([
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
    problems.guard("DB subnet group", () => checkSubnetGroup(aws, targetRegion, target.database.subnetGroup, problems)),
    problems.guard("replica bucket", () =>
      inspectReplicaBucket(aws, targetRegion, target.storage.replicaBucket, problems),
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
    problems.guard("service image", () => checkImage(aws, targetRegion, target.service.image)),
    checkReplicationRule(aws, options, problems, warnings),
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
  const restorePoint = restore?.point;
  const securityGroupIds = securityGroups?.ids;
  if (subnets && securityGroups && !problems.codes.includes("SUBNETS_SPAN_VPCS"))
    checkOneVpc(targetRegion, target, subnets.vpcId, subnetGroupVpc, securityGroups, problems);
  if (image) {
    const problem = imageProblem(image, target.service.image, targetRegion);
    if (problem) problems.add(problem.code, problem.message);
    else if (image.state === "not-ecr")
      notes.push(`image ${target.service.image} is not in ECR: whether it exists was not checked`);
    else notes.push(`image ${target.service.image} is in the ECR of ${targetRegion}`);
  }
  const storage: ReplicaStorageFacts | undefined = replica && { ...replica, replication };
  if (storage) {
    notes.push(
      `replica bucket ${storage.bucket}: versioning ${storage.versioning}; ${storage.replication.state === "targets-replica" ? `replicated by rule ${storage.replication.ruleId} of ${target.storage.sourceBucket}` : `replication rule not checked (${storage.replication.reason})`}; newest object ${storage.newestObject ? `${storage.newestObject.key} ${formatDuration(Math.max(0, options.incidentStart.getTime() - storage.newestObject.lastModified.getTime()))} old` : storage.newestObjectNote}`,
    );
  }

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

  settleUnreachable(problems, targetRegion, aws.sharedEndpoint);
  const partial: PreflightInspection["partial"] = {
    restorePoint,
    certificateArn: certificate?.arn,
    vpcId: subnets?.vpcId,
    image,
    storage,
    dataLossWindowMs: restorePoint ? dataLoss : undefined,
    kmsKeyState: restore?.keyState,
  };
  const found = problems.list.map((message, index) => ({ code: problems.codes[index], message }));
  if (found.length > 0) return { problems: found, warnings, notes, partial };
  const result: PreflightResult = {
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
    image: image!,
    storage: storage!,
    cache,
    warnings,
    notes,
  };
  return { problems: [], warnings, notes, partial, result };
}

/** Preflight: every check, and a PreconditionError listing every problem (nothing created) when any fails. */
export async function runPreflight(aws: AwsClients, options: PreflightOptions): Promise<PreflightResult> {
  const inspection = await inspectPreflight(aws, options);
  if (inspection.result) return inspection.result;
  throw preflightFailure(inspection.problems, options.targetRegion);
}

/** No answer at all from AWS is AWS_UNREACHABLE; calls answered with errors beside unanswered ones are each a problem. */
function settleUnreachable(problems: Problems, region: string, endpoint: string | undefined): void {
  if (problems.unreachable.length > 0 && problems.list.length === 0) {
    const reasons = [...new Set(problems.unreachable.map((line) => line.split(": ").pop()))].join(", ");
    throw new AwsError("AWS_UNREACHABLE", `AWS in ${region} did not answer (${reasons}); nothing was created`, {
      hint: `Check the network and the endpoint (${endpoint ?? `the AWS endpoints of ${region}`}), then re-run.`,
    });
  }
  for (const line of problems.unreachable) problems.add("AWS_CALL_FAILED", line);
}

/** Every problem at once (PREFLIGHT_FAILED, or the one problem's code); no answer at all from AWS is AWS_UNREACHABLE. */
export function failOnProblems(problems: Problems, region: string, endpoint: string | undefined): void {
  settleUnreachable(problems, region, endpoint);
  if (problems.list.length > 0)
    throw preflightFailure(
      problems.list.map((message, index) => ({ code: problems.codes[index], message })),
      region,
    );
}

function preflightFailure(problems: { code: string; message: string }[], region: string): PreconditionError {
  return new PreconditionError(
    problems.length === 1 ? problems[0].code : "PREFLIGHT_FAILED",
    `preflight found ${problems.length} problem${problems.length === 1 ? "" : "s"} in ${region}; nothing was created`,
    { details: problems.map((problem) => problem.message) },
  );
}
