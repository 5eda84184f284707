/**
 * Preflight: everything a journey needs is checked in the target region (and
 * Route53) before anything is created, concurrently, and every problem is
 * reported at once. No call goes to the source region.
 */
import type { Filter } from "@aws-sdk/client-ec2";
import { awsErrorName, type AwsClients } from "./aws.js";
import { dataLossWindowMs, formatDuration } from "./clock.js";
import { type DnsRecordValue, findHostedZone, readRecord } from "./dns.js";
import { DrFailoverError, PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import { findRestorableSnapshot, type RestorePoint } from "./snapshots.js";
import { EC2, RDS, S3, SecretsManager } from "./sdk.js";

export interface PreflightOptions {
  plan: Plan;
  targetRegion: string;
  journey: "drill" | "failover" | "preview";
  incidentStart: Date;
  snapshotIdentifier?: string;
  acceptDataLoss: boolean;
}

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
  /** The production record as it is now (undefined when absent). */
  productionRecord?: DnsRecordValue;
  /** The password of the snapshot's master user, when credentials.mode is replica-secret. */
  replicaSecretPassword?: string;
  warnings: { code: string; message: string }[];
}

/** Every check's failure is collected; unexpected errors keep their own message. */
class Problems {
  readonly list: string[] = [];
  readonly codes: string[] = [];
  add(code: string, message: string) {
    this.codes.push(code);
    this.list.push(message);
  }
  async guard<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof DrFailoverError)
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

async function resolveSubnets(aws: AwsClients, region: string, refs: string[], problems: Problems) {
  const ids = new Map<string, string>();
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
  return { ids, vpcId: [...vpcs][0] ?? "" };
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
  const id = snapshot.snapshotIdentifier;
  const planned = plan.database;
  const start = problems.list.length;
  const compare = <T>(what: string, path: string, planValue: T | undefined, snapshotValue: T | undefined) => {
    if (planValue === undefined || snapshotValue === undefined || planValue === snapshotValue) return;
    problems.add(
      `SNAPSHOT_${what}_MISMATCH`,
      `${path} is ${planValue} but snapshot ${id} has ${snapshotValue}: a restore keeps the snapshot's — set ${path}: ${snapshotValue} (or leave it out), or restore another snapshot (--snapshot)`,
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
      `${keyPath} is ${planKey} but snapshot ${id} is not encrypted: a restore cannot encrypt it — leave kmsKeyId out, or copy the snapshot with that key and restore the copy`,
    );
  } else if (planKey && snapshot.kmsKeyId && planKey !== snapshot.kmsKeyId) {
    problems.add(
      "SNAPSHOT_KEY_MISMATCH",
      `${keyPath} is ${planKey} but snapshot ${id} is encrypted with ${snapshot.kmsKeyId}: the restored instance keeps the snapshot's key — set kmsKeyId to it (or leave it out), or restore a copy made with your key`,
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
      problems.add("SNAPSHOT_DETAILS_MISSING", `snapshot ${id} does not say its ${path.split(".").pop()}: set ${path}`);
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
  const id = snapshot.snapshotIdentifier;
  const keyArn = snapshot.kmsKeyId;
  if (!keyArn.includes(`:${region}:`)) {
    problems.add(
      "SNAPSHOT_KEY_OTHER_REGION",
      `snapshot ${id} is encrypted with KMS key ${keyArn}, outside ${region}; copy it with a key of ${region} (aws rds copy-db-snapshot --kms-key-id)`,
    );
    return;
  }
  const key = await aws.kms(region).describeKey(keyArn);
  if (!key) {
    problems.add(
      "SNAPSHOT_KEY_NOT_FOUND",
      `KMS key ${keyArn} of snapshot ${id} does not exist in ${region}: the snapshot cannot be decrypted — restore a copy encrypted with an existing key of ${region} (--snapshot)`,
    );
  } else if (key.keyState !== "Enabled") {
    problems.add(
      "SNAPSHOT_KEY_NOT_ENABLED",
      `KMS key ${keyArn} of snapshot ${id} is ${key.keyState}, not Enabled: RDS cannot decrypt the snapshot — ${key.keyState === "PendingDeletion" ? "cancel the deletion and enable it" : "enable it"} (aws kms ${key.keyState === "PendingDeletion" ? "cancel-key-deletion" : "enable-key"} --region ${region} --key-id ${keyArn}), or restore another snapshot (--snapshot)`,
    );
  }
}

export async function runPreflight(aws: AwsClients, options: PreflightOptions): Promise<PreflightResult> {
  const { plan, targetRegion } = options;
  const target = plan.targets[targetRegion];
  const problems = new Problems();
  const warnings: PreflightResult["warnings"] = [];

  const [restorePoint, subnets, securityGroupIds, , , zone, replicaSecretPassword] = await Promise.all([
    problems.guard("snapshot", async () => {
      const found = await findRestorableSnapshot(aws.rds(targetRegion), {
        sourceIdentifier: plan.database.sourceIdentifier,
        targetRegion,
        snapshotIdentifier: options.snapshotIdentifier,
      });
      await problems.guard(`KMS key of snapshot ${found.snapshotIdentifier}`, () =>
        checkSnapshotKey(aws, targetRegion, found, problems),
      );
      return found;
    }),
    problems.guard("subnets", () =>
      resolveSubnets(aws, targetRegion, [...target.service.subnets, ...target.loadBalancer.subnets], problems),
    ),
    problems.guard("security groups", () =>
      resolveSecurityGroups(
        aws,
        targetRegion,
        [...target.database.securityGroups, ...target.service.securityGroups, ...target.loadBalancer.securityGroups],
        problems,
      ),
    ),
    problems.guard("DB subnet group", () => checkSubnetGroup(aws, targetRegion, target.database.subnetGroup, problems)),
    problems.guard("replica bucket", () =>
      checkReplicaBucket(aws, targetRegion, target.storage.replicaBucket, problems),
    ),
    problems.guard("hosted zone", async () => {
      const zoneId = await findHostedZone(aws.route53(), plan.dns.hostedZone);
      const [production, drill] = await Promise.all([
        readRecord(aws.route53(), zoneId, plan.dns.productionRecord),
        readRecord(aws.route53(), zoneId, plan.dns.drillRecord),
      ]);
      return { zoneId, production, drill };
    }),
    plan.database.credentials.mode === "replica-secret"
      ? problems.guard("replica secret", () =>
          readReplicaSecretPassword(aws, targetRegion, plan.secrets.databaseSecretName, problems),
        )
      : Promise.resolve(undefined),
  ]);

  let dataLoss = 0;
  if (restorePoint) {
    dataLoss = dataLossWindowMs(options.incidentStart, restorePoint.capturedAt);
    const rpo = plan.objectives.rpo;
    if (dataLoss > rpo && !options.acceptDataLoss) {
      problems.add(
        "RPO_BREACH",
        `the newest restore point ${restorePoint.snapshotIdentifier} is ${formatDuration(dataLoss)} old at the incident start, beyond the RPO of ${formatDuration(rpo)} — pass --accept-data-loss to restore it anyway, or --snapshot to choose another`,
      );
    } else if (dataLoss > rpo) {
      warnings.push({
        code: "RPO_BREACH_ACCEPTED",
        message: `restoring ${restorePoint.snapshotIdentifier} loses ${formatDuration(dataLoss)} of data, beyond the RPO of ${formatDuration(rpo)} (--accept-data-loss)`,
      });
    } else if (dataLoss > rpo * 0.8) {
      warnings.push({
        code: "RPO_CLOSE",
        message: `data-loss window ${formatDuration(dataLoss)} is ${Math.round((dataLoss / rpo) * 100)} % of the RPO`,
      });
    }
  }
  const restoredDatabase = restorePoint && resolveRestoredDatabase(plan, targetRegion, restorePoint, problems);
  if (zone) {
    if (options.journey !== "drill" && !zone.production) {
      problems.add(
        "PRODUCTION_RECORD_NOT_FOUND",
        `production record ${plan.dns.productionRecord} does not exist in zone ${plan.dns.hostedZone}`,
      );
    }
    if (options.journey === "drill" && zone.drill) {
      problems.add(
        "DRILL_RECORD_EXISTS",
        `${plan.dns.drillRecord} already exists in ${plan.dns.hostedZone}: another drill is running or left it behind (dr-failover status); a drill never overwrites a record`,
      );
    }
    if (zone.production?.ttl !== undefined && zone.production.ttl > 60) {
      warnings.push({
        code: "PRODUCTION_TTL_HIGH",
        message: `${plan.dns.productionRecord} has a TTL of ${zone.production.ttl} s: clients keep the old answer that long after the switch; lower it to 60 s ahead of time`,
      });
    }
  }

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
    productionRecord: zone!.production,
    replicaSecretPassword,
    warnings,
  };
}
