/**
 * The least-privilege IAM policy each journey needs, derived from what the
 * code calls: the driver's own SDK calls (preflight, snapshots, DNS switch,
 * verification, crash recovery) and the API calls the `aws` provider makes for
 * the resources the stack declares (stacks/). Scoped to the plan's names and
 * target region(s) wherever AWS allows resource-level permissions; the rest
 * (Describe/List calls that only take "*") is pinned to the target region(s)
 * with `aws:RequestedRegion`. Nothing for a failover names the source region.
 *
 * Not included: the state backend (s3:// bucket) and a KMS secrets provider,
 * which live outside the plan.
 */
import { parseEcrImage } from "./images.js";
import { checkTargetRegion, targetOf, type Plan } from "./plan.js";
import { JOURNEYS, type Journey } from "./vocabulary.js";

export type PolicyJourney = Journey | "all";

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface IamPolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

export interface IamPolicyOptions {
  journey: PolicyJourney;
  /** Default: every target region of the plan. */
  targetRegions?: string[];
  /** Default "*" (any account). */
  accountId?: string;
}

type Step =
  | "preflight"
  | "provision"
  | "release"
  | "teardown"
  | "dnsDrill"
  | "dnsProduction"
  | "verify"
  | "recover"
  | "finalSnapshot"
  | "versionRestore"
  | "replicationRead"
  | "failback";

const STEPS: Record<Exclude<PolicyJourney, "all">, Step[]> = {
  // Provision creates and updates; a drill also tears its own stack down.
  // versionRestore: the runbook's monthly read of an earlier object version in the replica bucket.
  // replicationRead: the source bucket's replication rule (a drill's preflight and check; never a failover's).
  drill: ["preflight", "provision", "teardown", "dnsDrill", "verify", "recover", "versionRestore", "replicationRead"],
  // No delete of the database, ever, on the failover path; production DNS is UPSERTed (never deleted).
  failover: ["preflight", "provision", "dnsProduction", "verify", "recover"],
  // Restore production DNS, release protection (an update of the database only: nothing is restored or
  // created), final snapshot, delete everything. (dnsDrill: destroy --stack of a kept drill deletes its drill record.)
  destroy: ["release", "teardown", "dnsProduction", "dnsDrill", "finalSnapshot", "recover"],
  // The DR service to 0, a final snapshot, its copy home, a restore there (never a delete), the production
  // secret and service of the source region, production DNS UPSERTed back.
  failback: ["failback", "dnsProduction"],
};

/**
 * The Redis cache: the newest .rdb under the prefix (preflight lists the bucket), the replication group
 * created from the .rdb or the snapshot, deleted (a failover's with its final snapshot). ElastiCache
 * reads the .rdb itself, under the bucket policy that grants it (see docs/real-aws.md).
 */
function cacheStatements(
  plan: Plan,
  regions: string[],
  account: string,
  steps: Set<Step>,
  add: (sid: string, action: string[], resource: string[]) => void,
) {
  const source = plan.cache!.sourceReplicationGroupId;
  const arns = (make: (region: string) => string) => regions.map(make);
  // The DR groups are <source>-dr and <source>-d<run> (the source id cut to fit 40 characters): never the source.
  const base = `${source.slice(0, 34).replace(/-+$/, "")}${source.length <= 34 ? "-" : ""}*`;
  const groups = arns((r) => `arn:aws:elasticache:${r}:${account}:replicationgroup:${base}`);
  const clusters = arns((r) => `arn:aws:elasticache:${r}:${account}:cluster:${base}`);
  const finalSnapshots = arns((r) => `arn:aws:elasticache:${r}:${account}:snapshot:${base}-final-*`);
  if (steps.has("preflight") && plan.cache!.backup.source === "rdb-in-s3") {
    add(
      "CacheBackupLookup",
      ["s3:ListBucket"],
      regions.map(
        (r) => `arn:aws:s3:::${targetOf(plan, r).cache?.backup.bucket ?? targetOf(plan, r).storage.replicaBucket}`,
      ),
    );
  }
  if (steps.has("provision")) {
    add(
      "RestoreCache",
      [
        "elasticache:CreateReplicationGroup",
        "elasticache:CreateCacheCluster",
        "elasticache:ModifyReplicationGroup",
        "elasticache:AddTagsToResource",
        "elasticache:RemoveTagsFromResource",
        "elasticache:ListTagsForResource",
      ],
      [
        ...groups,
        ...clusters,
        ...regions.map(
          (r) => `arn:aws:elasticache:${r}:${account}:subnetgroup:${targetOf(plan, r).cache?.subnetGroup ?? "*"}`,
        ),
        ...arns((r) => `arn:aws:elasticache:${r}:${account}:parametergroup:*`),
        ...arns((r) => `arn:aws:elasticache:${r}:${account}:securitygroup:*`),
        // The snapshot restored from (snapshot source), by the plan's name.
        ...regions.map(
          (r) =>
            `arn:aws:elasticache:${r}:${account}:snapshot:${targetOf(plan, r).cache?.backup.snapshotName ?? `${source}*`}`,
        ),
      ],
    );
  }
  if (steps.has("teardown")) {
    add(
      "DeleteCache",
      ["elasticache:DeleteReplicationGroup", "elasticache:DeleteCacheCluster", "elasticache:CreateSnapshot"],
      [...groups, ...clusters, ...finalSnapshots],
    );
  }
}

function statementsFor(
  plan: Plan,
  regions: string[],
  account: string,
  steps: Set<Step>,
  journey: string,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const inRegions = { StringEquals: { "aws:RequestedRegion": regions } };
  const arns = (make: (region: string) => string) => regions.map(make);
  const add = (sid: string, action: string[], resource: string[], condition?: PolicyStatement["Condition"]) =>
    statements.push({
      Sid: `${journey}${sid}`,
      Effect: "Allow",
      Action: [...new Set(action)].sort(),
      Resource: resource,
      ...(condition ? { Condition: condition } : {}),
    });
  const db = plan.database.sourceIdentifier;
  const cluster = plan.service.cluster;
  const service = plan.service.name;
  const lbPrefix = plan.app.slice(0, 20);
  // The key of the snapshot copies: the plan's when it names one, else any key of the target region
  // (the snapshot's key is only known at run time).
  const snapshotKeys = arns((r) => targetOf(plan, r).database.kmsKeyId ?? `arn:aws:kms:${r}:${account}:key/*`);

  // Describe/List calls AWS only authorizes on "*": pinned to the target region(s).
  const reads = ["sts:GetCallerIdentity"];
  if (steps.has("preflight"))
    reads.push(
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeVpcs",
      "rds:DescribeDBSnapshots",
      // The point-in-time restore source: the source's automated backups replicated to the target region.
      "rds:DescribeDBInstanceAutomatedBackups",
      "rds:DescribeDBSubnetGroups",
      // The load balancer's certificate, when the plan does not name it.
      "acm:ListCertificates",
      // The names the stack would create must be free (or the stack's own).
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTargetGroups",
    );
  if (steps.has("provision") || steps.has("release") || steps.has("teardown") || steps.has("recover")) {
    reads.push(
      "rds:DescribeDBInstances",
      "elasticloadbalancing:DescribeLoadBalancers",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeListeners",
      // The provider's listener Read (HTTP/HTTPS listeners).
      "elasticloadbalancing:DescribeListenerAttributes",
      "elasticloadbalancing:DescribeLoadBalancerAttributes",
      "elasticloadbalancing:DescribeTargetGroupAttributes",
      "elasticloadbalancing:DescribeTags",
      "ecs:DescribeTaskDefinition",
      "ecs:ListTaskDefinitions",
      "ec2:DescribeVpcs",
      "ec2:DescribeSubnets",
      "ec2:DescribeSecurityGroups",
    );
  }
  if (steps.has("finalSnapshot")) reads.push("rds:DescribeDBSnapshots");
  if (plan.cache) {
    // The cache's subnet group and snapshot (preflight), the group's waits and Read (provider, recovery).
    if (steps.has("preflight")) reads.push("elasticache:DescribeCacheSubnetGroups", "elasticache:DescribeSnapshots");
    if (steps.has("provision") || steps.has("teardown") || steps.has("recover"))
      reads.push("elasticache:DescribeReplicationGroups", "elasticache:DescribeCacheClusters");
  }
  add("RegionalReads", reads, ["*"], inRegions);

  if (steps.has("preflight")) {
    // The snapshot's key must exist and be Enabled in the target region.
    add("SnapshotKeyCheck", ["kms:DescribeKey"], snapshotKeys);
    // The replica exists, keeps versions, and its newest object (one ListObjectsV2 page) dates the replication.
    add(
      "ReplicaBucketLookup",
      ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"],
      regions.map((region) => `arn:aws:s3:::${targetOf(plan, region).storage.replicaBucket}`),
    );
    // The source bucket's replication rule, read when the plan names it — never by a failover (the source region).
    const sources = [...new Set(regions.map((r) => targetOf(plan, r).storage.sourceBucket).filter(Boolean))];
    if (sources.length && steps.has("replicationRead"))
      add(
        "ReplicationRuleRead",
        ["s3:GetReplicationConfiguration"],
        sources.map((bucket) => `arn:aws:s3:::${bucket}`),
      );
    // The service image must exist in the target region's ECR (DescribeImages on its repository).
    const repositories = regions.flatMap((r) => {
      const image = parseEcrImage(targetOf(plan, r).service.image);
      return image ? [`arn:aws:ecr:${image.region}:${image.account}:repository/${image.repository}`] : [];
    });
    if (repositories.length) add("ImageLookup", ["ecr:DescribeImages"], [...new Set(repositories)]);
    // The plan's certificate, or each candidate of the region: status, expiry and names.
    add(
      "CertificateLookup",
      ["acm:DescribeCertificate"],
      regions.map((r) => targetOf(plan, r).loadBalancer.certificateArn ?? `arn:aws:acm:${r}:${account}:certificate/*`),
    );
    if (plan.database.credentials.mode === "replica-secret") {
      // The snapshot's password, read from the secret's replica in the target region.
      add(
        "ReplicaSecretRead",
        ["secretsmanager:GetSecretValue"],
        arns((r) => `arn:aws:secretsmanager:${r}:${account}:secret:${plan.secrets.databaseSecretName}-*`),
      );
    }
  }

  const database = arns((r) => `arn:aws:rds:${r}:${account}:db:${db}-*`);
  if (steps.has("provision")) {
    add(
      "RestoreDatabase",
      [
        "rds:RestoreDBInstanceFromDBSnapshot",
        "rds:RestoreDBInstanceToPointInTime",
        "rds:ModifyDBInstance",
        "rds:AddTagsToResource",
        "rds:RemoveTagsFromResource",
        "rds:ListTagsForResource",
      ],
      [
        ...database,
        ...arns((r) => `arn:aws:rds:${r}:${account}:snapshot:${db}-*`),
        // Replicated automated backups have generated ids (ab-…).
        ...arns((r) => `arn:aws:rds:${r}:${account}:auto-backup:*`),
        ...regions.map((r) => `arn:aws:rds:${r}:${account}:subgrp:${targetOf(plan, r).database.subnetGroup}`),
        ...arns((r) => `arn:aws:rds:${r}:${account}:og:*`),
        ...arns((r) => `arn:aws:rds:${r}:${account}:pg:*`),
      ],
    );
    // A same-region recovery restores production's own automated backups: naming the live instance is
    // all it may do with it (no modify, no delete).
    if (regions.includes(plan.sourceRegion)) {
      add(
        "RestoreFromProductionBackups",
        ["rds:RestoreDBInstanceToPointInTime"],
        [`arn:aws:rds:${plan.sourceRegion}:${account}:db:${db}`],
      );
    }
    // An encrypted snapshot is restored with its own key, through RDS only.
    add(
      "RestoreEncryptedSnapshot",
      ["kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey*"],
      snapshotKeys,
      {
        ...inRegions,
        StringLike: { "kms:ViaService": regions.map((r) => `rds.${r}.amazonaws.com`) },
      },
    );
  }
  if (steps.has("release")) {
    // Deletion protection off and the final snapshot's name set: a targeted update of the database.
    add(
      "ReleaseDatabase",
      ["rds:ModifyDBInstance", "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "rds:ListTagsForResource"],
      database,
    );
  }
  if (steps.has("teardown")) add("DeleteDatabase", ["rds:DeleteDBInstance"], database);
  if (steps.has("finalSnapshot") || steps.has("teardown")) {
    add(
      "FinalSnapshot",
      ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
      [...database, ...arns((r) => `arn:aws:rds:${r}:${account}:snapshot:${db}-dr-final-*`)],
    );
  }

  if (plan.cache) cacheStatements(plan, regions, account, steps, add);

  const secrets = arns((r) => `arn:aws:secretsmanager:${r}:${account}:secret:${plan.secrets.databaseSecretName}/dr-*`);
  const roles = [`arn:aws:iam::${account}:role/${service}-*`];
  const clusters = arns((r) => `arn:aws:ecs:${r}:${account}:cluster/${cluster}*`);
  const services = arns((r) => `arn:aws:ecs:${r}:${account}:service/${cluster}*/${service}*`);
  const loadBalancing = [
    ...arns((r) => `arn:aws:elasticloadbalancing:${r}:${account}:loadbalancer/app/${lbPrefix}-*`),
    ...arns((r) => `arn:aws:elasticloadbalancing:${r}:${account}:targetgroup/${lbPrefix}-*`),
    ...arns((r) => `arn:aws:elasticloadbalancing:${r}:${account}:listener/app/${lbPrefix}-*`),
    ...arns((r) => `arn:aws:elasticloadbalancing:${r}:${account}:listener-rule/app/${lbPrefix}-*`),
  ];
  if (steps.has("preflight")) {
    // A cluster or role of the names the stack would create, not the stack's own, is refused before anything is created.
    add("NameChecks", ["ecs:DescribeClusters"], clusters);
    add("RoleNameChecks", ["iam:GetRole"], roles);
  }
  if (steps.has("provision") || steps.has("teardown")) {
    const write = steps.has("provision");
    const remove = steps.has("teardown");
    add(
      "ConnectionSecret",
      [
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetResourcePolicy",
        "secretsmanager:ListSecretVersionIds",
        ...(write
          ? [
              "secretsmanager:CreateSecret",
              "secretsmanager:PutSecretValue",
              "secretsmanager:GetSecretValue",
              "secretsmanager:TagResource",
              "secretsmanager:UntagResource",
            ]
          : []),
        ...(remove ? ["secretsmanager:DeleteSecret", "secretsmanager:UpdateSecretVersionStage"] : []),
      ],
      secrets,
    );
    add(
      "ServiceRoles",
      [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListInstanceProfilesForRole",
        ...(write
          ? [
              "iam:CreateRole",
              "iam:TagRole",
              "iam:UntagRole",
              "iam:PutRolePolicy",
              "iam:AttachRolePolicy",
              "iam:UpdateAssumeRolePolicy",
            ]
          : []),
        ...(remove ? ["iam:DeleteRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy"] : []),
      ],
      roles,
    );
    if (write)
      add("PassServiceRoles", ["iam:PassRole"], roles, {
        StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
      });
    add(
      "EcsService",
      [
        "ecs:DescribeClusters",
        "ecs:DescribeServices",
        "ecs:ListTagsForResource",
        ...(write
          ? ["ecs:CreateCluster", "ecs:CreateService", "ecs:UpdateService", "ecs:TagResource", "ecs:UntagResource"]
          : []),
        ...(remove ? ["ecs:DeleteCluster", "ecs:DeleteService", "ecs:UpdateService"] : []),
      ],
      [...clusters, ...services],
    );
    // RegisterTaskDefinition authorizes on "*" only; a replacement deregisters the old revision.
    add(
      "EcsTaskDefinition",
      [...(write ? ["ecs:RegisterTaskDefinition", "ecs:TagResource"] : []), "ecs:DeregisterTaskDefinition"],
      ["*"],
      inRegions,
    );
    add(
      "LoadBalancer",
      [
        ...(write
          ? [
              "elasticloadbalancing:CreateLoadBalancer",
              "elasticloadbalancing:CreateTargetGroup",
              "elasticloadbalancing:CreateListener",
              "elasticloadbalancing:ModifyLoadBalancerAttributes",
              "elasticloadbalancing:ModifyTargetGroup",
              "elasticloadbalancing:ModifyTargetGroupAttributes",
              "elasticloadbalancing:ModifyListener",
              // The provider sets the HTTP(S) listener attributes after CreateListener.
              "elasticloadbalancing:ModifyListenerAttributes",
              "elasticloadbalancing:SetSecurityGroups",
              "elasticloadbalancing:SetSubnets",
              // A re-run that turns the load balancer dual-stack (the production name gained an AAAA) updates it in place.
              "elasticloadbalancing:SetIpAddressType",
              "elasticloadbalancing:AddTags",
              "elasticloadbalancing:RemoveTags",
            ]
          : []),
        ...(remove
          ? [
              "elasticloadbalancing:DeleteLoadBalancer",
              "elasticloadbalancing:DeleteTargetGroup",
              "elasticloadbalancing:DeleteListener",
            ]
          : []),
      ],
      loadBalancing,
    );
    if (write) {
      // First ECS/ELB use in an account creates their service-linked roles.
      add("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], [`arn:aws:iam::${account}:role/aws-service-role/*`], {
        StringEquals: { "iam:AWSServiceName": ["ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com"] },
      });
    }
  }
  if (steps.has("verify")) add("VerifyService", ["ecs:DescribeServices"], services);
  if (steps.has("verify") && plan.verification.sql?.runner === "ecs-task") {
    // The data checks' one-off task (sql-checks.ts queryByTask): its definition, its run, its log.
    add("DataCheckTaskDefinition", ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"], ["*"], inRegions);
    add(
      "DataCheckTask",
      ["ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask"],
      [
        ...arns((r) => `arn:aws:ecs:${r}:${account}:task-definition/${service}*-sql-checks:*`),
        ...arns((r) => `arn:aws:ecs:${r}:${account}:task/${cluster}*/*`),
      ],
    );
    add(
      "DataCheckLog",
      // A drill removes its log group; a failover keeps it (30 days) and deletes nothing.
      [
        "logs:CreateLogGroup",
        "logs:GetLogEvents",
        steps.has("dnsDrill") ? "logs:DeleteLogGroup" : "logs:PutRetentionPolicy",
      ],
      arns((r) => `arn:aws:logs:${r}:${account}:log-group:/dr-failover/${service}*`),
    );
    // The task runs with the service's execution role.
    add("DataCheckPassRole", ["iam:PassRole"], roles, {
      StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    });
  }
  if (steps.has("versionRestore")) {
    // Read-only: ListObjectVersions on the replica, then GetObject of an earlier version under the sample prefix.
    add(
      "ReplicaVersionList",
      ["s3:ListBucketVersions"],
      regions.map((r) => `arn:aws:s3:::${targetOf(plan, r).storage.replicaBucket}`),
    );
    add(
      "ReplicaVersionRead",
      ["s3:GetObjectVersion"],
      regions.map(
        (r) => `arn:aws:s3:::${targetOf(plan, r).storage.replicaBucket}/${plan.verification.versionSamplePrefix}*`,
      ),
    );
  }
  if (steps.has("failback")) failbackStatements(plan, regions, account, add);

  // Route53 is global: scoped to the plan's record names (normalized-names condition), never a delete of production.
  const records = [
    ...(steps.has("dnsDrill") ? [plan.dns.drillRecord] : []),
    ...(steps.has("dnsProduction") ? [plan.dns.productionRecord] : []),
  ];
  add("DnsRead", ["route53:ListHostedZonesByName", "route53:GetChange"], ["*"]);
  add("DnsZoneRead", ["route53:ListResourceRecordSets", "route53:GetHostedZone"], ["arn:aws:route53:::hostedzone/*"]);
  if (records.length) {
    // A failover only UPSERTs production sets (each keeps its type). Destroy restores them, and DELETEs a type the
    // switch of an older version created (its alias A in place of an AAAA); the drill record is created and deleted
    // by the drill stack (destroy --stack of a kept drill).
    add("DnsChange", ["route53:ChangeResourceRecordSets"], ["arn:aws:route53:::hostedzone/*"], {
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": records,
        "route53:ChangeResourceRecordSetsActions": steps.has("dnsDrill") ? ["CREATE", "UPSERT", "DELETE"] : ["UPSERT"],
      },
    });
  }
  if (steps.has("provision") || steps.has("teardown")) {
    // The database's connection name: a private hosted zone of the DR VPC (<app>.dr.internal, a drill's
    // drill-<run>.<app>.dr.internal) holding one CNAME, db.<zone>. CreateHostedZone authorizes on "*" only;
    // a private zone's VPC is checked with ec2:DescribeVpcs (RegionalReads).
    const write = steps.has("provision");
    const remove = steps.has("teardown");
    add(
      "ConnectionZone",
      [
        "route53:GetHostedZone",
        "route53:ListTagsForResource",
        ...(write
          ? [
              "route53:CreateHostedZone",
              "route53:ChangeTagsForResource",
              "route53:UpdateHostedZoneComment",
              "route53:AssociateVPCWithHostedZone",
            ]
          : []),
        ...(remove ? ["route53:DeleteHostedZone", "route53:DisassociateVPCFromHostedZone"] : []),
      ],
      ["*"],
    );
    add("ConnectionRecord", ["route53:ChangeResourceRecordSets"], ["arn:aws:route53:::hostedzone/*"], {
      "ForAllValues:StringLike": {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [
          `db.${plan.app.toLowerCase()}.dr.internal`,
          `db.drill-*.${plan.app.toLowerCase()}.dr.internal`,
        ],
      },
      "ForAllValues:StringEquals": {
        "route53:ChangeResourceRecordSetsActions": [
          ...(write ? ["CREATE", "UPSERT"] : []),
          ...(remove ? ["DELETE"] : []),
        ],
      },
    });
  }
  return statements;
}

/**
 * A failback's own permissions: reads in the source and DR regions, the DR service scaled to 0, a read
 * replica of the DR database in the source region promoted there (method replica) or a final snapshot of
 * the DR database, its copy in the source region and a restore there (method snapshot), both under the
 * failback's own name (`<db>-failback-*`: the old primary `<db>` matches no pattern), the production
 * secret and service.
 * No DeleteDBInstance anywhere.
 */
function failbackStatements(
  plan: Plan,
  regions: string[],
  account: string,
  add: (sid: string, action: string[], resource: string[], condition?: PolicyStatement["Condition"]) => void,
) {
  const source = plan.sourceRegion;
  const db = plan.database.sourceIdentifier;
  const both = [source, ...regions];
  add("FailbackReads", ["rds:DescribeDBInstances", "rds:DescribeDBSnapshots", "ecs:DescribeServices"], ["*"], {
    StringEquals: { "aws:RequestedRegion": both },
  });
  add(
    "FailbackWriteFreeze",
    ["ecs:UpdateService"],
    regions.map((r) => `arn:aws:ecs:${r}:${account}:service/${plan.service.cluster}*/${plan.service.name}*`),
  );
  add(
    "FailbackFinalSnapshot",
    ["rds:CreateDBSnapshot", "rds:AddTagsToResource"],
    regions.flatMap((r) => [`arn:aws:rds:${r}:${account}:db:${db}-*`, `arn:aws:rds:${r}:${account}:snapshot:${db}-*`]),
  );
  add(
    "FailbackCopySnapshot",
    ["rds:CopyDBSnapshot", "rds:AddTagsToResource"],
    both.map((r) => `arn:aws:rds:${r}:${account}:snapshot:${db}-*`),
  );
  add(
    "FailbackRestore",
    ["rds:RestoreDBInstanceFromDBSnapshot", "rds:ModifyDBInstance", "rds:AddTagsToResource"],
    [
      `arn:aws:rds:${source}:${account}:db:${db}-failback-*`,
      `arn:aws:rds:${source}:${account}:snapshot:${db}-*`,
      `arn:aws:rds:${source}:${account}:subgrp:*`,
      `arn:aws:rds:${source}:${account}:og:*`,
      `arn:aws:rds:${source}:${account}:pg:*`,
    ],
  );
  // Method replica: the read replica of the DR database (`<db>-*` in the DR region: never the old primary, which
  // lives in the source region) created under the failback's own name, promoted there; no delete of either.
  add(
    "FailbackReplica",
    ["rds:CreateDBInstanceReadReplica", "rds:AddTagsToResource"],
    [
      `arn:aws:rds:${source}:${account}:db:${db}-failback-*`,
      ...regions.map((r) => `arn:aws:rds:${r}:${account}:db:${db}-*`),
      `arn:aws:rds:${source}:${account}:subgrp:*`,
      `arn:aws:rds:${source}:${account}:og:*`,
      `arn:aws:rds:${source}:${account}:pg:*`,
    ],
  );
  add("FailbackPromote", ["rds:PromoteReadReplica"], [`arn:aws:rds:${source}:${account}:db:${db}-failback-*`]);
  add(
    "FailbackKeys",
    ["kms:DescribeKey", "kms:CreateGrant", "kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"],
    both.map((r) => `arn:aws:kms:${r}:${account}:key/*`),
    { StringEquals: { "aws:RequestedRegion": both } },
  );
  add(
    "FailbackSecrets",
    ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
    [`arn:aws:secretsmanager:${source}:${account}:secret:${plan.secrets.databaseSecretName}-*`],
  );
  add(
    "FailbackDrSecretRead",
    ["secretsmanager:GetSecretValue"],
    regions.map((r) => `arn:aws:secretsmanager:${r}:${account}:secret:${plan.secrets.databaseSecretName}/dr-*`),
  );
  add(
    "FailbackProductionService",
    ["ecs:UpdateService"],
    [`arn:aws:ecs:${source}:${account}:service/${plan.service.cluster}/${plan.service.name}`],
  );
}

/** The policy document for one journey (or all of them). */
export function iamPolicyFor(plan: Plan, options: IamPolicyOptions): IamPolicyDocument {
  const regions = options.targetRegions?.length ? options.targetRegions : Object.keys(plan.targets);
  for (const region of regions) checkTargetRegion(plan, region);
  const account = options.accountId ?? "*";
  const journeys = options.journey === "all" ? JOURNEYS : [options.journey];
  const statements = journeys.flatMap((journey) => {
    const prefix = journeys.length > 1 ? journey.charAt(0).toUpperCase() + journey.slice(1) : "";
    return statementsFor(plan, regions, account, new Set(STEPS[journey]), prefix);
  });
  return { Version: "2012-10-17", Statement: statements };
}
