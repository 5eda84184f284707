/**
 * Seeds the moto emulator with the world a DR plan expects to find: the
 * production environment in the source region and the DR artifacts the
 * runbook leaves in a target region (copied snapshots, replica bucket,
 * network, DB subnet group, secret replica, the load balancer's ACM
 * certificate for the production and drill names and the zone's wildcard),
 * plus the public hosted zone with the production record. Everything is named from the plan; only what a plan
 * does not name (CIDRs, object keys, the source ALB's DNS name) is made up.
 *
 * `faults` builds the bad worlds preflight must catch. Two of them cannot be
 * expressed in moto (snapshots are always `available` and stamped with the
 * server's clock); for those the seeded world says what it pretends in
 * `emulationGaps`, so a test can feed the clock or the status in another way.
 */
import { randomBytes, randomInt } from "node:crypto";
import type { IpPermission } from "@aws-sdk/client-ec2";
import type { BucketLocationConstraint } from "@aws-sdk/client-s3";
import { rdbLocation } from "../../automation/cache-backup.js";
import { parseEcrImage } from "../../automation/images.js";
import { targetOf, type Plan } from "../../automation/plan.js";
import { emulatorClients, motoJsonCall, motoQueryCall, type EmulatorClients } from "./clients.js";
import { ACM, EC2, ECR, ECS, ElastiCache, IAM, RDS, Route53, S3, SecretsManager } from "../../automation/sdk.js";
import { selfSignedCertificate, type TlsCertificate } from "./certificate.js";

/** Ways to make the seeded world wrong, one precondition at a time. */
export interface WorldFaults {
  /** No snapshot copy in the target region (the source snapshots still exist). */
  noCopiedSnapshot?: boolean;
  /**
   * Pretend the newest copy is this old. moto stamps SnapshotCreateTime with its
   * own clock and has no way to set it, so the copy is named after the pretended
   * time and `emulationGaps.evaluateAt` gives the instant at which its real
   * moto timestamp is this old: run the code under test with that as "now".
   */
  snapshotAgeMs?: number;
  /** The replica bucket does not exist in the target region. */
  noReplicaBucket?: boolean;
  /** The replica bucket's versioning is `Suspended` (it was turned off after replication was set up). */
  replicaVersioningSuspended?: boolean;
  /** The source bucket's replication rule sends the objects to another bucket than the replica. */
  replicationElsewhere?: boolean;
  /** The service image's ECR repository exists in the target region, the image (its tag) does not. */
  noImage?: boolean;
  /** The database's security groups are created in another VPC of the target region than the subnets. */
  databaseGroupsInOtherVpc?: boolean;
  /** The public hosted zone does not exist (nor, therefore, the record). */
  noHostedZone?: boolean;
  /** The zone exists but has no production record. */
  noProductionRecord?: boolean;
  /**
   * Pretend the newest copy is still `copying`. moto marks every snapshot
   * `available` at once and cannot change it: reported in
   * `emulationGaps.newestSnapshotStatus`, nothing in moto differs.
   */
  snapshotNotAvailable?: boolean;
  /**
   * The production name's record sets. Default: alias A and alias AAAA to the
   * source ALB — a dual-stack production, the shape a one-record switch got
   * wrong. "cname": one CNAME (simple, IPv4 and IPv6 alike through the ALB's
   * name). "weighted": two weighted alias A sets (a routing policy the
   * failover must refuse) beside a simple alias AAAA.
   */
  productionDns?: "cname" | "weighted";
  /** The DR subnets have no IPv6 CIDR block (a dual-stack load balancer cannot be placed in them). */
  ipv4OnlySubnets?: boolean;
  /**
   * The DR load balancer's certificate in the target region's ACM is wrong:
   * `absent` (none imported), `pending-validation` (requested, not yet ISSUED:
   * moto issues it after ACM_VALIDATION_WAIT, 60 s) or `other-names` (ISSUED
   * for a name of the zone the plan does not use).
   */
  certificate?: "absent" | "pending-validation" | "other-names";
  /** The production database's automated backups are not replicated to the target region. */
  noReplicatedBackup?: boolean;
  /** The production database, its snapshots and their copies are not encrypted. */
  unencryptedSnapshots?: boolean;
  /**
   * The target-region key the copies are encrypted with is disabled, scheduled
   * for deletion, or gone (created through a CloudFormation stack that is then
   * deleted: moto's only way to delete a KMS key).
   */
  snapshotKey?: "disabled" | "pending-deletion" | "deleted";
  /**
   * Tables of the newest restore point that lost half their rows (the snapshot copy is there, its
   * data is not whole): what the data checks must catch. Used by the restore points' PostgreSQL
   * servers (postgres.ts), not by moto.
   */
  lostRows?: string[];
  /** No .rdb export of the cache in the target region's bucket, and no ElastiCache snapshot there. */
  noCacheBackup?: boolean;
  /**
   * A bad event (a bad deploy, a deleted table) `minutesAgo` before seeding halved the rows of
   * `tables` in the production database: a point-in-time restore to a time before it finds them
   * whole, one after it finds the damage. Used by the restore points' PostgreSQL servers.
   */
  dataDamage?: { minutesAgo: number; tables: string[] };
}

export interface SeedWorldOptions {
  /** The moto endpoint, e.g. http://127.0.0.1:43121. */
  endpoint: string;
  plan: Plan;
  targetRegion: string;
  /** The instant the newest snapshot is named after (default: the current time). */
  now?: Date;
  faults?: WorldFaults;
  /**
   * When the newest daily snapshot was taken (default: now, at seeding). The snapshots are
   * stamped with it (an emulator-only tag, see moto-server.py), so a daily snapshot can be as
   * old as it is on AWS: the rehearsal takes the plan's backup window. Not with `snapshotAgeMs`.
   */
  dailySnapshotAt?: Date;
}

/**
 * The start of the plan's daily backup window (UTC) last reached before `now`: when the runbook's
 * daily snapshot was taken. Without a window in the plan, 03:00 UTC.
 */
export function lastDailyBackup(plan: Plan, now: Date): Date {
  const [hours, minutes] = (plan.database.backup.window?.split("-")[0] ?? "03:00").split(":").map(Number);
  const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hours, minutes));
  return at.getTime() > now.getTime() ? new Date(at.getTime() - DAY_MS) : at;
}

/** What moto could not be made to hold, and what the seeded world pretends instead. */
export interface EmulationGaps {
  /** The pretended creation time of the newest copy (with `snapshotAgeMs`). */
  newestSnapshotCreateTime?: Date;
  /** The instant at which moto's real timestamp of the newest copy is `snapshotAgeMs` old. */
  evaluateAt?: Date;
  /** The pretended status of the newest copy (with `snapshotNotAvailable`): moto says `available`. */
  newestSnapshotStatus?: string;
  /** Plan entries given as ids (subnet-…, sg-…): moto picks its own ids, so they are not seeded. */
  unseededIds: string[];
  /** Human-readable notes on each gap. */
  notes: string[];
}

export interface SeededWorld {
  sourceRegion: string;
  targetRegion: string;
  sourceInstanceArn: string;
  /** The newest manual snapshot in the source region. */
  sourceSnapshotId: string;
  sourceSnapshotArn: string;
  /** Every manual snapshot in the source region, newest first. */
  sourceSnapshotIds: string[];
  /** Copies in the target region, newest first ([] with `noCopiedSnapshot`). */
  copiedSnapshotIds: string[];
  copiedSnapshotArns: string[];
  /** Undefined with `noHostedZone`. */
  hostedZoneId?: string;
  /** Where the production name points (the alias target of A and AAAA, or the CNAME's value); undefined when absent. */
  productionRecordValue?: string;
  sourceBucket: string;
  replicaBucket: string;
  /** Keys in the replica bucket ([] with `noReplicaBucket`). */
  replicaObjectKeys: string[];
  databaseSecretArn: string;
  databaseSecretName: string;
  /** The seeded master password: must never appear in any output. */
  databasePassword: string;
  /** Subnet ids by Name tag (target region). */
  subnetIds: Record<string, string>;
  /** Security group ids by Name tag / GroupName (target region). */
  securityGroupIds: Record<string, string>;
  vpcId: string;
  dbSubnetGroup: string;
  /** The ECR repository created for the service image, when the image is an ECR URI. */
  ecrRepository?: { region: string; name: string; uri: string; tag: string };
  /** The ACM certificate in the target region (undefined with `certificate: absent`). */
  certificateArn?: string;
  /**
   * The imported certificate and key, for the production and drill names and the
   * zone's wildcard (undefined with a `certificate` fault): what the app stand-in
   * serves HTTPS with.
   */
  tls?: TlsCertificate;
  /** KMS key alias in the target region for the Pulumi state's secrets (see emulatorSecretsProvider). */
  stateKeyAlias: string;
  /** The source region's key of the production database and its snapshots (undefined with `unencryptedSnapshots`). */
  sourceKeyArn?: string;
  /**
   * The target region's key the copies are encrypted with (a cross-region copy of an encrypted
   * snapshot needs one there); undefined with `unencryptedSnapshots`.
   */
  snapshotKeyArn?: string;
  /**
   * The cache's backups in the target region (plans with a cache; undefined with `noCacheBackup`): the .rdb
   * export in the replicated bucket, and an ElastiCache snapshot (the plan's snapshotName, or one named after the day).
   */
  cache?: { rdbBucket: string; rdbKey: string; snapshotName: string; subnetGroup: string };
  /**
   * The production database's automated backups replicated to the target region (undefined with
   * `noReplicatedBackup`, and in a same-region world: there a point-in-time restore names the instance).
   */
  automatedBackupsArn?: string;
  /** When the seeded bad event damaged which tables (the `dataDamage` fault). */
  dataDamage?: { at: Date; tables: string[] };
  emulationGaps: EmulationGaps;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The canonical hosted zone ids AWS publishes for ALBs (an alias target names one), for the example plans' regions. */
const ALB_HOSTED_ZONE_IDS: Record<string, string> = {
  "ap-northeast-1": "Z14GRHDCWA56QT",
  "ap-northeast-3": "Z5LXEXXYW11ES",
  "us-east-1": "Z35SXDOTRQ7X7K",
  "us-west-2": "Z1H1FL5HABSF5",
};

/** The runbook's snapshot name: `<instance>-YYYYMMDD-HHMMSS` (UTC). */
export function snapshotName(instance: string, at: Date): string {
  const iso = at.toISOString(); // 2025-01-31T12:34:56.789Z
  return `${instance}-${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

const DIRECTION_ABBREVIATIONS: Record<string, string> = {
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
};

/** ap-northeast-3 → apne3, us-west-2 → usw2. */
export function regionAbbreviation(region: string): string {
  const [area, direction, number] = region.replace("-gov", "gov").split("-");
  return `${area}${DIRECTION_ABBREVIATIONS[direction] ?? direction}${number}`;
}

/** The production bucket the replica was replicated from: the replica's name without its region suffix. */
export function sourceBucketName(replicaBucket: string, targetRegion: string): string {
  for (const suffix of [`-${targetRegion}`, `-${regionAbbreviation(targetRegion)}`, "-replica", "-dr"]) {
    if (replicaBucket.endsWith(suffix) && replicaBucket.length > suffix.length + 2)
      return replicaBucket.slice(0, -suffix.length);
  }
  return `${replicaBucket}-source`;
}

/** A password RDS accepts (no `/`, `@`, `"` or spaces). */
function randomPassword(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  return Array.from(randomBytes(32), (byte) => alphabet[byte % alphabet.length]).join("");
}

const looksLikeId = (ref: string, prefix: "subnet-" | "sg-") => new RegExp(`^${prefix}[0-9a-f]{8,17}$`).test(ref);
const unique = <T>(items: readonly T[]) => [...new Set(items)];

/** Objects a production asset bucket holds (nothing in the plan names them). */
const ASSET_OBJECTS: ReadonlyArray<{ key: string; contentType: string; body: string }> = [
  { key: "reports/report-123.pdf", contentType: "application/pdf", body: "%PDF-1.4\n% report 123\n%%EOF\n" },
  { key: "reports/report-124.pdf", contentType: "application/pdf", body: "%PDF-1.4\n% report 124\n%%EOF\n" },
  { key: "avatars/user-42.png", contentType: "image/png", body: "\u0089PNG stand-in" },
  { key: "exports/2024/q4/people.csv", contentType: "text/csv", body: "id,name\n1,Aiko\n2,Kenji\n" },
];

async function createVersionedBucket(
  clients: EmulatorClients,
  bucket: string,
  tags: Record<string, string>,
): Promise<void> {
  await clients.s3.send(
    new S3.CreateBucketCommand({
      Bucket: bucket,
      ...(clients.region === "us-east-1"
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: clients.region as BucketLocationConstraint } }),
    }),
  );
  await clients.s3.send(
    new S3.PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  for (const object of ASSET_OBJECTS) {
    await clients.s3.send(
      new S3.PutObjectCommand({
        Bucket: bucket,
        Key: object.key,
        Body: object.body,
        ContentType: object.contentType,
        Metadata: tags,
      }),
    );
  }
}

/** The index-th /64 of a VPC's /56 (`2600:1f18:aa:bb00::/56`, 1 → `2600:1f18:aa:bb01::/64`). */
function ipv6Subnet(vpcBlock: string, index: number): string {
  const groups = vpcBlock.split("::")[0].split(":");
  while (groups.length < 4) groups.push("0");
  groups[3] = (Number.parseInt(groups[3], 16) + index).toString(16);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

async function seedNetwork(
  clients: EmulatorClients,
  plan: Plan,
  targetRegion: string,
  faults: WorldFaults,
): Promise<{
  vpcId: string;
  subnetIds: Record<string, string>;
  securityGroupIds: Record<string, string>;
  unseededIds: string[];
}> {
  const target = targetOf(plan, targetRegion);
  const unseededIds: string[] = [];
  const tagSpec = (resourceType: "vpc" | "subnet" | "security-group" | "internet-gateway", name: string) => [
    {
      ResourceType: resourceType,
      Tags: [
        { Key: "Name", Value: name },
        { Key: "app", Value: plan.app },
      ],
    },
  ];

  const vpc = await clients.ec2.send(
    new EC2.CreateVpcCommand({
      CidrBlock: "10.40.0.0/16",
      AmazonProvidedIpv6CidrBlock: !faults.ipv4OnlySubnets,
      TagSpecifications: tagSpec("vpc", `${plan.app}-dr`),
    }),
  );
  const vpcId = vpc.Vpc!.VpcId!;
  // Dual-stack subnets (a /64 each out of the VPC's /56), so that a dual-stack load balancer can be placed in them.
  const vpcIpv6 = vpc.Vpc!.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock;
  const igw = await clients.ec2.send(
    new EC2.CreateInternetGatewayCommand({ TagSpecifications: tagSpec("internet-gateway", `${plan.app}-dr`) }),
  );
  await clients.ec2.send(
    new EC2.AttachInternetGatewayCommand({ InternetGatewayId: igw.InternetGateway!.InternetGatewayId!, VpcId: vpcId }),
  );

  // Names ending in -a / -c go to that AZ when it exists; the others alternate over the first two AZs.
  const zones = await clients.ec2.send(new EC2.DescribeAvailabilityZonesCommand({}));
  const zoneNames = (zones.AvailabilityZones ?? []).map((zone) => zone.ZoneName!).sort();
  if (zoneNames.length < 2) throw new Error(`moto lists fewer than two availability zones in ${targetRegion}`);
  const subnetNames = unique([...target.service.subnets, ...target.loadBalancer.subnets]);
  const subnetIds: Record<string, string> = {};
  let index = 0;
  for (const name of subnetNames) {
    if (looksLikeId(name, "subnet-")) {
      unseededIds.push(name);
      continue;
    }
    const suffix = /-([a-f])$/.exec(name)?.[1];
    const zone =
      suffix && zoneNames.includes(`${targetRegion}${suffix}`) ? `${targetRegion}${suffix}` : zoneNames[index % 2];
    const subnet = await clients.ec2.send(
      new EC2.CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.40.${index * 16}.0/20`,
        Ipv6CidrBlock: vpcIpv6 ? ipv6Subnet(vpcIpv6, index) : undefined,
        AvailabilityZone: zone,
        TagSpecifications: tagSpec("subnet", name),
      }),
    );
    subnetIds[name] = subnet.Subnet!.SubnetId!;
    index += 1;
  }

  // Security groups by role: the ALB takes HTTP(S) from anywhere, the app takes
  // the container port from the ALB, the database its port from the app.
  const roles = [
    { names: target.loadBalancer.securityGroups, role: "load balancer" },
    { names: target.service.securityGroups, role: "service" },
    { names: target.database.securityGroups, role: "database" },
    { names: target.cache?.securityGroups ?? [], role: "cache" },
  ];
  const securityGroupIds: Record<string, string> = {};
  const otherVpcId = faults.databaseGroupsInOtherVpc
    ? (
        await clients.ec2.send(
          new EC2.CreateVpcCommand({
            CidrBlock: "10.41.0.0/16",
            TagSpecifications: tagSpec("vpc", `${plan.app}-other`),
          }),
        )
      ).Vpc!.VpcId!
    : undefined;
  for (const { names, role } of roles) {
    for (const name of names) {
      if (looksLikeId(name, "sg-")) {
        unseededIds.push(name);
        continue;
      }
      if (securityGroupIds[name]) continue;
      const group = await clients.ec2.send(
        new EC2.CreateSecurityGroupCommand({
          GroupName: name,
          Description: `${plan.app} DR ${role}`,
          VpcId: role === "database" ? (otherVpcId ?? vpcId) : vpcId,
          TagSpecifications: tagSpec("security-group", name),
        }),
      );
      securityGroupIds[name] = group.GroupId!;
    }
  }
  const idsOf = (names: readonly string[]) =>
    names.map((name) => securityGroupIds[name]).filter((id): id is string => Boolean(id));
  const ingress = async (groupNames: readonly string[], permissions: IpPermission[]) => {
    for (const groupId of idsOf(groupNames)) {
      await clients.ec2.send(
        new EC2.AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions }),
      );
    }
  };
  const anyIpv6 = vpcIpv6 ? [{ CidrIpv6: "::/0" }] : undefined;
  await ingress(target.loadBalancer.securityGroups, [
    { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: anyIpv6 },
    { IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: anyIpv6 },
  ]);
  const fromGroups = (names: readonly string[]) => idsOf(names).map((GroupId) => ({ GroupId }));
  if (fromGroups(target.loadBalancer.securityGroups).length > 0) {
    const port = plan.service.containerPort;
    await ingress(target.service.securityGroups, [
      {
        IpProtocol: "tcp",
        FromPort: port,
        ToPort: port,
        UserIdGroupPairs: fromGroups(target.loadBalancer.securityGroups),
      },
    ]);
  }
  if (fromGroups(target.service.securityGroups).length > 0) {
    const port = seededDatabase(plan).port;
    await ingress(target.database.securityGroups, [
      { IpProtocol: "tcp", FromPort: port, ToPort: port, UserIdGroupPairs: fromGroups(target.service.securityGroups) },
    ]);
  }
  return { vpcId, subnetIds, securityGroupIds, unseededIds };
}

/**
 * The production cache's backups as the runbook keeps them in the target region: its subnet group,
 * the daily snapshot exported as an .rdb to the bucket that replicates there (moto copies nothing,
 * so it is put there directly), and an ElastiCache snapshot of the region (ElastiCache cannot copy
 * one across regions: it is taken of a group seeded in the region and deleted, as a restore check would).
 */
async function seedCache(
  dr: EmulatorClients,
  plan: Plan,
  targetRegion: string,
  subnetIds: Record<string, string>,
  faults: WorldFaults,
  takenAt: Date,
): Promise<SeededWorld["cache"]> {
  const target = targetOf(plan, targetRegion);
  if (!plan.cache || !target.cache) return undefined;
  const subnetGroup = target.cache.subnetGroup;
  const subnets = unique(target.service.subnets.map((name) => subnetIds[name]).filter(Boolean));
  await dr.elasticache.send(
    new ElastiCache.CreateCacheSubnetGroupCommand({
      CacheSubnetGroupName: subnetGroup,
      CacheSubnetGroupDescription: `${plan.app} DR cache subnets`,
      SubnetIds: subnets.length > 0 ? subnets : Object.values(subnetIds),
    }),
  );
  const { bucket, prefix } = rdbLocation(plan, targetRegion);
  const inReplicaBucket = bucket === target.storage.replicaBucket;
  // Without the replica bucket there is nowhere for the exports to have arrived.
  if (faults.noCacheBackup || (inReplicaBucket && faults.noReplicaBucket)) return undefined;
  if (!inReplicaBucket) await createVersionedBucket(dr, bucket, { app: plan.app });
  const source = plan.cache.sourceReplicationGroupId;
  const daily = snapshotName(source, takenAt);
  // ElastiCache exports one .rdb per node group: <snapshot>-0001.rdb.
  const rdbKey = `${prefix}${daily}-0001.rdb`;
  await dr.s3.send(new S3.PutObjectCommand({ Bucket: bucket, Key: rdbKey, Body: "REDIS0011 stand-in" }));
  const name = target.cache.backup.snapshotName ?? daily;
  const seed = `${source.slice(0, 34).replace(/-+$/, "")}-seed`;
  await dr.elasticache.send(
    new ElastiCache.CreateReplicationGroupCommand({
      ReplicationGroupId: seed,
      ReplicationGroupDescription: `${plan.app} cache seeded in ${targetRegion}`,
      CacheNodeType: plan.cache.nodeType,
      Engine: "redis",
      NumCacheClusters: 1,
      CacheSubnetGroupName: subnetGroup,
      SnapshotArns: [`arn:aws:s3:::${bucket}/${rdbKey}`],
    }),
  );
  await dr.elasticache.send(
    new ElastiCache.CreateSnapshotCommand({
      ReplicationGroupId: seed,
      SnapshotName: name,
      // Emulator-only: the snapshot's time (moto-server.py), as for the RDS snapshots.
      Tags: [{ Key: "dr-emulator:snapshot-create-time", Value: takenAt.toISOString() }],
    }),
  );
  await dr.elasticache.send(new ElastiCache.DeleteReplicationGroupCommand({ ReplicationGroupId: seed }));
  return { rdbBucket: bucket, rdbKey, snapshotName: name, subnetGroup };
}

/** The production database's engine, port and master user: the plan's, or what the plan's defaults used to be. */
export function seededDatabase(plan: Plan): { engine: string; port: number; username: string } {
  return {
    engine: plan.database.engine ?? "postgres",
    port: plan.database.port ?? 5432,
    username: plan.database.credentials.username ?? "postgres",
  };
}

/** The key id of a key ARN (moto's DisableKey and ScheduleKeyDeletion take only the id). */
const keyIdOf = (keyArn: string) => keyArn.slice(keyArn.indexOf(":key/") + ":key/".length);

/** A KMS key (symmetric, Enabled) in `region`; its ARN. */
async function createKmsKey(endpoint: string, region: string, description: string, app: string): Promise<string> {
  const key = await motoJsonCall<{ KeyMetadata: { Arn: string } }>(endpoint, region, {
    signingName: "kms",
    target: "TrentService.CreateKey",
    body: { Description: description, Tags: [{ TagKey: "app", TagValue: app }] },
  });
  return key.KeyMetadata.Arn;
}

/**
 * A KMS key made as a CloudFormation stack's resource, so that deleting the stack deletes it
 * (moto keeps a key scheduled for deletion forever). Returns its ARN and the stack's name.
 */
async function createDeletableKmsKey(endpoint: string, region: string, app: string) {
  const stackName = `${app}-deleted-snapshot-key`;
  const policy = {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }],
  };
  // moto's AWS::KMS::Key takes the key policy as a JSON string (it fails on an object).
  const template = { Resources: { Key: { Type: "AWS::KMS::Key", Properties: { KeyPolicy: JSON.stringify(policy) } } } };
  await motoQueryCall(endpoint, region, "cloudformation", {
    Action: "CreateStack",
    Version: "2010-05-15",
    StackName: stackName,
    TemplateBody: JSON.stringify(template),
  });
  const resources = await motoQueryCall(endpoint, region, "cloudformation", {
    Action: "DescribeStackResources",
    Version: "2010-05-15",
    StackName: stackName,
  });
  const keyId = /<PhysicalResourceId>([^<]+)<\/PhysicalResourceId>/.exec(resources)?.[1];
  if (!keyId) throw new Error(`seed-world: no KMS key in CloudFormation stack ${stackName}`);
  const key = await motoJsonCall<{ KeyMetadata: { Arn: string } }>(endpoint, region, {
    signingName: "kms",
    target: "TrentService.DescribeKey",
    body: { KeyId: keyId },
  });
  return { arn: key.KeyMetadata.Arn, stackName };
}

/** Creates the plan's world in moto; see the module comment. */
export async function seedWorld(options: SeedWorldOptions): Promise<SeededWorld> {
  const { endpoint, plan, targetRegion } = options;
  const faults = options.faults ?? {};
  const now = options.now ?? new Date();
  const target = targetOf(plan, targetRegion);
  const sourceRegion = plan.sourceRegion;
  // A same-region world (targets.<sourceRegion>): no copies, no replication, production's bucket and subnet group.
  const sameRegion = targetRegion === sourceRegion;
  const source = emulatorClients(endpoint, sourceRegion);
  const dr = emulatorClients(endpoint, targetRegion);
  const global = emulatorClients(endpoint, "us-east-1");
  const gaps: EmulationGaps = { unseededIds: [], notes: [] };
  const appTags = [{ Key: "app", Value: plan.app }];

  try {
    // ── Source region: the production database (encrypted, as production databases are) and its manual snapshots ──
    const databasePassword = randomPassword();
    const db = plan.database;
    const seeded = seededDatabase(plan);
    const encrypted = !faults.unencryptedSnapshots;
    const sourceKeyArn = encrypted
      ? await createKmsKey(endpoint, sourceRegion, `${plan.app} production database`, plan.app)
      : undefined;
    // Its network: a VPC with two subnets and the DB subnet group (a failback restores into it).
    const sourceVpc = await source.ec2.send(new EC2.CreateVpcCommand({ CidrBlock: "10.10.0.0/16" }));
    const sourceSubnets: string[] = [];
    for (const [index, zone] of ["a", "c"].entries()) {
      const subnet = await source.ec2.send(
        new EC2.CreateSubnetCommand({
          VpcId: sourceVpc.Vpc!.VpcId!,
          CidrBlock: `10.10.${index}.0/24`,
          AvailabilityZone: `${sourceRegion}${zone}`,
        }),
      );
      sourceSubnets.push(subnet.Subnet!.SubnetId!);
    }
    const sourceSubnetGroup = `${db.sourceIdentifier}-db`;
    await source.rds.send(
      new RDS.CreateDBSubnetGroupCommand({
        DBSubnetGroupName: sourceSubnetGroup,
        DBSubnetGroupDescription: `${plan.app} production database subnets`,
        SubnetIds: sourceSubnets,
        Tags: appTags,
      }),
    );
    const instance = await source.rds.send(
      new RDS.CreateDBInstanceCommand({
        DBInstanceIdentifier: db.sourceIdentifier,
        DBSubnetGroupName: sourceSubnetGroup,
        Engine: seeded.engine,
        DBInstanceClass: db.instanceClass,
        MasterUsername: seeded.username,
        MasterUserPassword: databasePassword,
        DBName: db.databaseName,
        Port: seeded.port,
        AllocatedStorage: 20,
        MultiAZ: db.multiAz,
        BackupRetentionPeriod: 7,
        ...(sourceKeyArn ? { StorageEncrypted: true, KmsKeyId: sourceKeyArn } : {}),
        Tags: appTags,
      }),
    );
    const sourceInstanceArn = instance.DBInstance!.DBInstanceArn!;
    const endpointAddress =
      instance.DBInstance!.Endpoint?.Address ?? `${db.sourceIdentifier}.abcdefghijkl.${sourceRegion}.rds.amazonaws.com`;

    // The runbook snapshots daily; the newest is named after `now` (or the pretended age).
    const newestAt =
      faults.snapshotAgeMs !== undefined
        ? new Date(now.getTime() - faults.snapshotAgeMs)
        : (options.dailySnapshotAt ?? now);
    const snapshotTimes = [new Date(newestAt.getTime() - DAY_MS), newestAt]; // created oldest first: moto stamps its clock
    const sourceSnapshots: Array<{ id: string; arn: string }> = [];
    for (const at of snapshotTimes) {
      const id = snapshotName(db.sourceIdentifier, at);
      const created = await source.rds.send(
        new RDS.CreateDBSnapshotCommand({
          DBInstanceIdentifier: db.sourceIdentifier,
          DBSnapshotIdentifier: id,
          Tags: options.dailySnapshotAt
            ? [...appTags, { Key: "dr-emulator:snapshot-create-time", Value: at.toISOString() }]
            : appTags,
        }),
      );
      sourceSnapshots.push({ id: created.DBSnapshot!.DBSnapshotIdentifier!, arn: created.DBSnapshot!.DBSnapshotArn! });
    }
    const newestSource = sourceSnapshots[sourceSnapshots.length - 1];

    // ── Source region: the asset bucket and the DB connection secret (+ replica) ──
    const replicaBucket = target.storage.replicaBucket;
    const sourceBucket = sameRegion
      ? replicaBucket
      : (target.storage.sourceBucket ?? sourceBucketName(replicaBucket, targetRegion));
    await createVersionedBucket(source, sourceBucket, { app: plan.app });

    const databaseSecretName = plan.secrets.databaseSecretName;
    const secret = await source.secrets.send(
      new SecretsManager.CreateSecretCommand({
        Name: databaseSecretName,
        Description: `${plan.app} production database connection`,
        SecretString: JSON.stringify({
          host: endpointAddress,
          port: seeded.port,
          database: db.databaseName,
          username: seeded.username,
          password: databasePassword,
        }),
        ...(sameRegion ? {} : { AddReplicaRegions: [{ Region: targetRegion }] }),
        Tags: appTags,
      }),
    );

    // ── Source region: the production ECS service (a failback deploys it again on the restored database) ──
    await source.ecs.send(new ECS.CreateClusterCommand({ clusterName: plan.service.cluster }));
    const taskDefinition = await source.ecs.send(
      new ECS.RegisterTaskDefinitionCommand({
        family: plan.service.name,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(plan.service.cpu),
        memory: String(plan.service.memory),
        containerDefinitions: [
          {
            name: plan.service.name,
            image: `${plan.service.name}:production`,
            portMappings: [{ containerPort: plan.service.containerPort }],
          },
        ],
      }),
    );
    await source.ecs.send(
      new ECS.CreateServiceCommand({
        cluster: plan.service.cluster,
        serviceName: plan.service.name,
        taskDefinition: taskDefinition.taskDefinition!.taskDefinitionArn!,
        desiredCount: plan.service.desiredCount,
        launchType: "FARGATE",
      }),
    );

    // ── Target region: the key of the copies (an encrypted snapshot's key does not leave its region) ──
    let snapshotKeyArn: string | undefined;
    let deletedKeyStack: string | undefined;
    if (encrypted && faults.snapshotKey === "deleted") {
      const deletable = await createDeletableKmsKey(endpoint, targetRegion, plan.app);
      snapshotKeyArn = deletable.arn;
      deletedKeyStack = deletable.stackName;
    } else if (encrypted) {
      snapshotKeyArn = await createKmsKey(endpoint, targetRegion, `${plan.app} DR snapshot copies`, plan.app);
    }
    if (target.database.kmsKeyId) {
      gaps.notes.push(
        `targets.${targetRegion}.database.kmsKeyId (${target.database.kmsKeyId}) is not seeded: moto picks its own key ids; ` +
          `the copies are encrypted with ${snapshotKeyArn ?? "no key (unencryptedSnapshots)"}.`,
      );
    }

    // ── Target region: the production database's automated backups, replicated (point-in-time restore) ──
    let automatedBackupsArn: string | undefined;
    if (!faults.noReplicatedBackup && !sameRegion) {
      const started = await dr.rds.send(
        new RDS.StartDBInstanceAutomatedBackupsReplicationCommand({
          SourceDBInstanceArn: sourceInstanceArn,
          BackupRetentionPeriod: 7,
          ...(snapshotKeyArn ? { KmsKeyId: snapshotKeyArn } : {}),
        }),
      );
      automatedBackupsArn = started.DBInstanceAutomatedBackup!.DBInstanceAutomatedBackupsArn!;
    }

    // ── Target region: the copies of the snapshots, oldest first ──
    const copies: Array<{ id: string; arn: string }> = [];
    if (!faults.noCopiedSnapshot && !sameRegion) {
      for (const snapshot of sourceSnapshots) {
        // Called in the target region with the source ARN. The SDK has no SourceRegion input for
        // CopyDBSnapshot: its RDS middleware derives the source region from the ARN and adds the PreSignedUrl.
        const copy = await dr.rds.send(
          new RDS.CopyDBSnapshotCommand({
            SourceDBSnapshotIdentifier: snapshot.arn,
            TargetDBSnapshotIdentifier: snapshot.id,
            CopyTags: true,
            ...(snapshotKeyArn ? { KmsKeyId: snapshotKeyArn } : {}),
          }),
        );
        copies.push({ id: copy.DBSnapshot!.DBSnapshotIdentifier!, arn: copy.DBSnapshot!.DBSnapshotArn! });
      }
      copies.reverse(); // newest first
      if (faults.snapshotAgeMs !== undefined) {
        const described = await dr.rds.send(new RDS.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: copies[0].id }));
        const motoCreated = described.DBSnapshots?.[0]?.SnapshotCreateTime ?? new Date();
        gaps.newestSnapshotCreateTime = newestAt;
        gaps.evaluateAt = new Date(motoCreated.getTime() + faults.snapshotAgeMs);
        gaps.notes.push(
          `moto stamps SnapshotCreateTime with its own clock and cannot backdate it: the newest copy ${copies[0].id} ` +
            `is named as if taken at ${newestAt.toISOString()}, but moto says ${motoCreated.toISOString()}; ` +
            `evaluate with now = ${gaps.evaluateAt.toISOString()} to see it ${faults.snapshotAgeMs} ms old.`,
        );
      }
      if (faults.snapshotNotAvailable) {
        gaps.newestSnapshotStatus = "copying";
        gaps.notes.push(
          `moto marks every snapshot available at once and cannot change it: the newest copy ${copies[0].id} ` +
            "is meant to be 'copying', but moto reports it 'available'.",
        );
      }
    } else if (faults.snapshotAgeMs !== undefined || faults.snapshotNotAvailable) {
      gaps.notes.push(
        "snapshotAgeMs / snapshotNotAvailable ignored: noCopiedSnapshot leaves no copy to age or hold back.",
      );
    }

    if (snapshotKeyArn && faults.snapshotKey === "disabled") {
      await motoJsonCall(endpoint, targetRegion, {
        signingName: "kms",
        target: "TrentService.DisableKey",
        body: { KeyId: keyIdOf(snapshotKeyArn) },
      });
    } else if (snapshotKeyArn && faults.snapshotKey === "pending-deletion") {
      await motoJsonCall(endpoint, targetRegion, {
        signingName: "kms",
        target: "TrentService.ScheduleKeyDeletion",
        body: { KeyId: keyIdOf(snapshotKeyArn), PendingWindowInDays: 7 },
      });
    } else if (deletedKeyStack) {
      await motoQueryCall(endpoint, targetRegion, "cloudformation", {
        Action: "DeleteStack",
        Version: "2010-05-15",
        StackName: deletedKeyStack,
      });
    }

    // ── Target region: network, DB subnet group, replica bucket, image repository ──
    const network = await seedNetwork(dr, plan, targetRegion, faults);
    gaps.unseededIds.push(...network.unseededIds);
    if (network.unseededIds.length > 0) {
      gaps.notes.push(`not seeded (given by id; moto picks its own ids): ${network.unseededIds.join(", ")}`);
    }
    const dbSubnetIds = unique(target.service.subnets.map((name) => network.subnetIds[name]).filter(Boolean));
    const dbSubnetGroup = target.database.subnetGroup;
    await dr.rds.send(
      new RDS.CreateDBSubnetGroupCommand({
        DBSubnetGroupName: dbSubnetGroup,
        DBSubnetGroupDescription: `${plan.app} DR database subnets`,
        SubnetIds: dbSubnetIds.length > 0 ? dbSubnetIds : Object.values(network.subnetIds),
        Tags: appTags,
      }),
    );

    let replicaObjectKeys: string[] = [];
    if (!faults.noReplicaBucket) {
      if (!sameRegion) await createVersionedBucket(dr, replicaBucket, { app: plan.app });
      replicaObjectKeys = ASSET_OBJECTS.map((object) => object.key);
      // A re-generated report: its first version is what the runbook's monthly "restore a file from S3 versions" reads.
      const revised = ASSET_OBJECTS[0];
      await dr.s3.send(
        new S3.PutObjectCommand({
          Bucket: replicaBucket,
          Key: revised.key,
          Body: `${revised.body}% revised\n`,
          ContentType: revised.contentType,
          Metadata: { app: plan.app },
        }),
      );
      if (faults.replicaVersioningSuspended) {
        await dr.s3.send(
          new S3.PutBucketVersioningCommand({
            Bucket: replicaBucket,
            VersioningConfiguration: { Status: "Suspended" },
          }),
        );
      }
      // The replication rule the runbook configured (moto stores it; it copies nothing); none within one region.
      if (!sameRegion) {
        const roleName = `${plan.app}-s3-replication-${regionAbbreviation(targetRegion)}`;
        const role = await global.iam.send(
          new IAM.CreateRoleCommand({
            RoleName: roleName,
            AssumeRolePolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Principal: { Service: "s3.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            Tags: appTags,
          }),
        );
        await global.iam.send(
          new IAM.PutRolePolicyCommand({
            RoleName: roleName,
            PolicyName: "replicate",
            PolicyDocument: JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: ["s3:GetReplicationConfiguration", "s3:ListBucket"],
                  Resource: `arn:aws:s3:::${sourceBucket}`,
                },
                { Effect: "Allow", Action: ["s3:GetObjectVersion*"], Resource: `arn:aws:s3:::${sourceBucket}/*` },
                { Effect: "Allow", Action: ["s3:Replicate*"], Resource: `arn:aws:s3:::${replicaBucket}/*` },
              ],
            }),
          }),
        );
        await source.s3.send(
          new S3.PutBucketReplicationCommand({
            Bucket: sourceBucket,
            ReplicationConfiguration: {
              Role: role.Role!.Arn!,
              Rules: [
                {
                  ID: `to-${targetRegion}`,
                  Status: "Enabled",
                  Priority: 1,
                  Filter: { Prefix: "" },
                  DeleteMarkerReplication: { Status: "Disabled" },
                  Destination: {
                    Bucket: `arn:aws:s3:::${faults.replicationElsewhere ? `${sourceBucket}-elsewhere` : replicaBucket}`,
                  },
                },
              ],
            },
          }),
        );
      }
    }

    const cache = await seedCache(dr, plan, targetRegion, network.subnetIds, faults, options.dailySnapshotAt ?? now);
    if (cache?.rdbBucket === replicaBucket) replicaObjectKeys.push(cache.rdbKey);

    let ecrRepository: SeededWorld["ecrRepository"];
    const image = parseEcrImage(target.service.image);
    if (image) {
      const ecr = emulatorClients(endpoint, image.region);
      try {
        const created = await ecr.ecr.send(
          new ECR.CreateRepositoryCommand({
            repositoryName: image.repository,
            tags: appTags.map(({ Key, Value }) => ({ Key, Value })),
          }),
        );
        const tag = image.tag ?? "latest";
        if (!faults.noImage) {
          await ecr.ecr.send(
            new ECR.PutImageCommand({
              repositoryName: image.repository,
              imageTag: tag,
              imageManifest: JSON.stringify({
                schemaVersion: 2,
                mediaType: "application/vnd.docker.distribution.manifest.v2+json",
                config: {
                  mediaType: "application/vnd.docker.container.image.v1+json",
                  size: 1,
                  digest: `sha256:${"0".repeat(64)}`,
                },
                layers: [],
              }),
            }),
          );
        }
        ecrRepository = {
          region: image.region,
          name: image.repository,
          uri: created.repository!.repositoryUri!,
          tag,
        };
      } catch (error) {
        gaps.notes.push(`ECR repository for ${target.service.image} not seeded: ${(error as Error).message}`);
      } finally {
        ecr.destroy();
      }
    }

    // ── Route 53 (global): the public zone and the production name → the source ALB (alias A + AAAA by default) ──
    let hostedZoneId: string | undefined;
    let productionRecordValue: string | undefined;
    if (!faults.noHostedZone) {
      const zone = await global.route53.send(
        new Route53.CreateHostedZoneCommand({
          Name: plan.dns.hostedZone,
          CallerReference: `${plan.app}-${now.getTime()}-${randomInt(1e9)}`,
          HostedZoneConfig: { Comment: `${plan.app} public zone`, PrivateZone: false },
        }),
      );
      hostedZoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, "");
      if (!faults.noProductionRecord) {
        const sourceAlb = `${plan.app}-prod-${randomInt(100_000_000, 2_000_000_000)}.${sourceRegion}.elb.amazonaws.com`;
        const alias = (type: "A" | "AAAA", weighted?: { id: string; weight: number }) => ({
          Name: plan.dns.productionRecord,
          Type: type,
          ...(weighted && { SetIdentifier: weighted.id, Weight: weighted.weight }),
          AliasTarget: {
            DNSName: `dualstack.${sourceAlb}`,
            HostedZoneId: ALB_HOSTED_ZONE_IDS[sourceRegion] ?? "Z00000000000SOURCEALB",
            EvaluateTargetHealth: true,
          },
        });
        const sets =
          faults.productionDns === "cname"
            ? [
                {
                  Name: plan.dns.productionRecord,
                  Type: "CNAME" as const,
                  TTL: plan.dns.ttl,
                  ResourceRecords: [{ Value: sourceAlb }],
                },
              ]
            : faults.productionDns === "weighted"
              ? [alias("A", { id: "primary", weight: 100 }), alias("A", { id: "secondary", weight: 0 }), alias("AAAA")]
              : [alias("A"), alias("AAAA")];
        productionRecordValue = faults.productionDns === "cname" ? sourceAlb : `dualstack.${sourceAlb}`;
        await global.route53.send(
          new Route53.ChangeResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            ChangeBatch: { Changes: sets.map((set) => ({ Action: "CREATE", ResourceRecordSet: set })) },
          }),
        );
      }
    }

    // ── Target region: the load balancer's certificate in ACM (the runbook requests it ahead) ──
    let certificateArn: string | undefined;
    let tls: TlsCertificate | undefined;
    // The two names the journeys serve, and the zone's wildcard (as a runbook would request it).
    const certificateNames = [plan.dns.productionRecord, plan.dns.drillRecord, `*.${plan.dns.hostedZone}`];
    if (faults.certificate === "pending-validation") {
      const requested = await dr.acm.send(
        new ACM.RequestCertificateCommand({
          DomainName: certificateNames[0],
          SubjectAlternativeNames: certificateNames,
          ValidationMethod: "DNS",
          Tags: appTags,
        }),
      );
      certificateArn = requested.CertificateArn;
    } else if (faults.certificate !== "absent") {
      const pem =
        faults.certificate === "other-names"
          ? await selfSignedCertificate([`other.${plan.dns.hostedZone}`])
          : await selfSignedCertificate(certificateNames);
      const imported = await dr.acm.send(
        new ACM.ImportCertificateCommand({
          Certificate: Buffer.from(pem.cert),
          PrivateKey: Buffer.from(pem.key),
          Tags: appTags,
        }),
      );
      certificateArn = imported.CertificateArn;
      if (!faults.certificate) tls = pem;
    }

    // ── Target region: the KMS key that protects the DR stacks' state secrets ──
    const stateKeyAlias = `alias/${plan.app}-dr-state`;
    const stateKey = await motoJsonCall<{ KeyMetadata: { KeyId: string } }>(endpoint, targetRegion, {
      signingName: "kms",
      target: "TrentService.CreateKey",
      body: { Description: `${plan.app} DR Pulumi state secrets`, Tags: [{ TagKey: "app", TagValue: plan.app }] },
    });
    await motoJsonCall(endpoint, targetRegion, {
      signingName: "kms",
      target: "TrentService.CreateAlias",
      body: { AliasName: stateKeyAlias, TargetKeyId: stateKey.KeyMetadata.KeyId },
    });

    return {
      sourceRegion,
      targetRegion,
      sourceInstanceArn,
      sourceSnapshotId: newestSource.id,
      sourceSnapshotArn: newestSource.arn,
      sourceSnapshotIds: sourceSnapshots.map((snapshot) => snapshot.id).reverse(),
      copiedSnapshotIds: copies.map((copy) => copy.id),
      copiedSnapshotArns: copies.map((copy) => copy.arn),
      automatedBackupsArn,
      dataDamage: faults.dataDamage && {
        at: new Date(now.getTime() - faults.dataDamage.minutesAgo * 60_000),
        tables: faults.dataDamage.tables,
      },
      cache,
      hostedZoneId,
      productionRecordValue,
      sourceBucket,
      replicaBucket,
      replicaObjectKeys,
      databaseSecretArn: secret.ARN!,
      databaseSecretName,
      databasePassword,
      subnetIds: network.subnetIds,
      securityGroupIds: network.securityGroupIds,
      vpcId: network.vpcId,
      dbSubnetGroup,
      ecrRepository,
      certificateArn,
      tls,
      stateKeyAlias,
      sourceKeyArn,
      snapshotKeyArn,
      emulationGaps: gaps,
    };
  } finally {
    source.destroy();
    dr.destroy();
    global.destroy();
  }
}
