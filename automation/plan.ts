/**
 * The DR plan: one zod schema gives the TypeScript type, the validation (every
 * problem reported at once as `path: message`) and the JSON Schema for editors.
 */
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { z } from "zod";
import { UsageError } from "./errors.js";
import { EXPECTABLE_PHASES } from "./vocabulary.js";

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
/** `arn:<partition>:acm:<region>:<account>:certificate/<id>`: what an ALB listener takes from ACM. */
const ACM_CERTIFICATE_ARN =
  /^arn:aws(?:-cn|-us-gov)?:acm:([a-z]{2}(?:-gov)?-[a-z]+-\d):\d{12}:certificate\/[0-9a-f-]+$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/;

/** The region of an ACM certificate ARN, or undefined when it is not one. */
export function certificateRegion(arn: string): string | undefined {
  return ACM_CERTIFICATE_ARN.exec(arn)?.[1];
}

/** "35d", "4h", "90m", "1h30m", "45s" or a number of seconds → milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  const match = /^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$/.exec(value);
  if (!match || match.slice(1).every((part) => part === undefined)) return undefined;
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : undefined;
}

const duration = (what: string) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `${what} must be a duration like "4h", "90m" or "1h30m" (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return ms;
  });

const region = z.string().regex(AWS_REGION, { message: "must be an AWS region code such as ap-northeast-3" });
const dnsName = z
  .string()
  .transform((name) => name.toLowerCase().replace(/\.$/, ""))
  .pipe(z.string().regex(DNS_NAME, { message: "must be a fully qualified DNS name such as api.example.com" }));
const nonEmpty = z.string().min(1, { message: "must not be empty" });

/** RDS wants a backup window of at least 30 minutes (it may wrap past midnight). */
function backupWindowLongEnough(window: string): boolean {
  const [start, end] = window.split("-").map((time) => {
    const [hours, minutes] = time.split(":").map(Number);
    return hours * 60 + minutes;
  });
  return (end - start + 24 * 60) % (24 * 60) >= 30;
}

/** A KMS key ARN (not an alias ARN): `arn:<partition>:kms:<region>:<account>:key/<key id>`. */
const KMS_KEY_ARN = /^arn:aws(-[a-z]+)*:kms:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):key\/[A-Za-z0-9-]+$/;

/**
 * Why `value` is not the ARN of a KMS key in `region`, or undefined when it is.
 * RDS reports an instance's and a snapshot's key by its key ARN: an alias, a
 * bare key id or a key of another region never compares equal to it.
 */
export function kmsKeyArnProblem(value: string, region: string): string | undefined {
  const match = KMS_KEY_ARN.exec(value);
  if (!match)
    return `must be the ARN of a KMS key, arn:aws:kms:${region}:<account>:key/<key id> (got ${JSON.stringify(value)}; an alias or a bare key id is not accepted: RDS reports the key by its key ARN)`;
  if (match[2] !== region)
    return `must be a KMS key of ${region} (got a key of ${match[2]}): a KMS key does not leave its region`;
  return undefined;
}
/** A subnet or security group: its id (subnet-…, sg-…) or its Name tag, resolved in preflight. */
const networkRef = nonEmpty;

/*
 * Every field carries a description: editors show it from the JSON Schema, and
 * docs/plan-reference.md is generated from it (test/unit/plan-reference.test.ts).
 */
const DURATION = 'a duration like "4h", "90m", "1h30m" or "45s", or a number of seconds';

const TargetRegionSchema = z
  .strictObject({
    database: z
      .strictObject({
        subnetGroup: nonEmpty.describe(
          "Name of the existing DB subnet group the restored instance is placed in, e.g. peoplebooster-production-db.",
        ),
        securityGroups: z
          .array(networkRef)
          .min(1)
          .describe(
            "Security groups of the restored instance (at least one): ids (sg-…) or Name tags, resolved in preflight, e.g. [peoplebooster-dr-db].",
          ),
        kmsKeyId: nonEmpty
          .optional()
          .describe(
            "ARN of the KMS key of this region that the snapshot copies are encrypted with (arn:aws:kms:<region>:<account>:key/<key id>; not an alias or a bare key id). The restored instance always inherits the snapshot's encryption and key, so this only asserts it: preflight refuses a snapshot that is unencrypted or encrypted with another key. Whatever is given, preflight checks that the snapshot's key exists in this region and is enabled. Default: none (any key of this region).",
          ),
      })
      .describe("Where the database is restored in this region."),
    storage: z
      .strictObject({
        replicaBucket: nonEmpty.describe(
          "Name of the S3 bucket holding the cross-region replica of the asset bucket; looked up, never created or deleted. Preflight refuses it unless its versioning is Enabled. The service gets it as ASSETS_BUCKET. Example: peoplebooster-production-assets-apne3.",
        ),
        sourceBucket: nonEmpty
          .optional()
          .describe(
            "Name of the production asset bucket (in sourceRegion) replicated to replicaBucket, e.g. peoplebooster-production-assets. When given, the preflight of a drill or a preview and `dr-failover check` read its replication configuration (a few seconds at most, and only a warning when the source region does not answer) and refuse one with no enabled rule to replicaBucket; a failover never reads it (nothing on its path calls the source region). Default: not checked.",
          ),
      })
      .describe("The application's replicated storage in this region."),
    cache: z
      .strictObject({
        subnetGroup: nonEmpty.describe(
          "Name of the existing ElastiCache subnet group the restored replication group is placed in, e.g. peoplebooster-dr-cache.",
        ),
        securityGroups: z
          .array(networkRef)
          .min(1)
          .describe(
            "Security groups of the restored replication group (at least one): ids (sg-…) or Name tags, resolved in preflight, e.g. [peoplebooster-dr-cache].",
          ),
        backup: z
          .strictObject({
            bucket: nonEmpty
              .optional()
              .describe(
                "With cache.backup.source rdb-in-s3: the S3 bucket of this region holding the .rdb exports (replicated from the source region). ElastiCache must be allowed to read the objects (s3:GetObject for the region's ElastiCache service). Default: storage.replicaBucket.",
              ),
            prefix: z
              .string()
              .default("elasticache/")
              .describe(
                "With cache.backup.source rdb-in-s3: the key prefix of the .rdb exports in the bucket; the newest .rdb under it is restored. Default elasticache/.",
              ),
            snapshotName: nonEmpty
              .optional()
              .describe(
                "With cache.backup.source snapshot: the name of the ElastiCache snapshot in this region to restore (ElastiCache cannot copy snapshots across regions: e.g. the final snapshot of an earlier failover, or one taken of a group seeded here). Required for that source.",
              ),
          })
          .prefault({})
          .describe("Where the cache's backup is in this region."),
      })
      .optional()
      .describe(
        "Where the Redis cache is restored in this region; required for every target when the plan has a cache section.",
      ),
    service: z
      .strictObject({
        image: nonEmpty.describe(
          "Container image the DR service runs, reachable from this region (e.g. its ECR replica: 123456789012.dkr.ecr.ap-northeast-3.amazonaws.com/peoplebooster-backend:latest).",
        ),
        subnets: z
          .array(networkRef)
          .min(1)
          .describe(
            "Subnets of the service's tasks (at least one): ids (subnet-…) or Name tags, resolved in preflight.",
          ),
        securityGroups: z
          .array(networkRef)
          .min(1)
          .describe(
            "Security groups of the service's tasks (at least one): ids (sg-…) or Name tags, resolved in preflight.",
          ),
        assignPublicIp: z
          .boolean()
          .default(false)
          .describe(
            "Give the Fargate tasks public IPs (needed in public subnets without a NAT gateway, to pull the image). Default false.",
          ),
      })
      .describe("The network and image of the ECS service in this region."),
    loadBalancer: z
      .strictObject({
        subnets: z
          .array(networkRef)
          .min(2, { message: "an application load balancer needs subnets in at least two AZs" })
          .describe(
            "Subnets of the application load balancer, in at least two availability zones: ids (subnet-…) or Name tags.",
          ),
        securityGroups: z
          .array(networkRef)
          .min(1)
          .describe("Security groups of the load balancer (at least one): ids (sg-…) or Name tags."),
        internal: z
          .boolean()
          .default(false)
          .describe("Create an internal load balancer instead of an internet-facing one. Default false."),
        certificateArn: z
          .string()
          .regex(ACM_CERTIFICATE_ARN, {
            message: "must be an ACM certificate ARN such as arn:aws:acm:ap-northeast-3:123456789012:certificate/…",
          })
          .optional()
          .describe(
            "ACM certificate of this region the load balancer serves HTTPS (:443) with; it must be ISSUED, unexpired and cover dns.productionRecord (and dns.drillRecord for a drill), e.g. a wildcard of the zone. Default: the ISSUED certificate of this region that covers those names and stays valid longest.",
          ),
        sslPolicy: z
          .string()
          .regex(/^ELBSecurityPolicy-[A-Za-z0-9-]+$/, {
            message: "must be an ELB security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06",
          })
          .default("ELBSecurityPolicy-TLS13-1-2-2021-06")
          .describe(
            "TLS security policy of the HTTPS listener (see the ELB documentation's list). Default ELBSecurityPolicy-TLS13-1-2-2021-06 (TLS 1.2 and 1.3); give the production listener's policy if clients need older TLS.",
          ),
      })
      .describe(
        "The application load balancer created in front of the service in this region: HTTPS on :443 with the certificate, and :80 redirecting to it.",
      ),
  })
  .describe(
    "What already exists in this target region for the DR environment: DB subnet group, security groups, replica bucket, image, subnets.",
  );

const VerificationCommandSchema = z
  .strictObject({
    name: nonEmpty.describe("Name of the check in the report, e.g. record-count."),
    run: nonEmpty.describe(
      "Shell command run with execa; it passes when it exits 0. Its environment describes the DR environment: DR_TARGET_REGION, DR_DB_HOST, DR_DB_PORT, DR_DB_NAME, DR_DB_USER, DR_DB_SECRET_ARN, DR_SERVICE_URL, DR_MODE (never a password).",
    ),
    timeout: duration("verification.commands[].timeout")
      .prefault(300)
      .describe(`How long the command may run before it is stopped and fails: ${DURATION}. Default 300 (5 minutes).`),
    expectOutput: z
      .string()
      .optional()
      .describe(
        "Regular expression the command's trimmed stdout must match as well, e.g. ^[1-9][0-9]*$. Default: any output.",
      ),
  })
  .describe("One check of your own: a shell command run after the DR environment is up.");

/** The image the ecs-task runner runs psql from, unless the plan names another. */
export const DEFAULT_SQL_CHECK_IMAGE = "public.ecr.aws/docker/library/postgres:16-alpine";

const percent = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const match = typeof value === "number" ? [String(value), String(value)] : /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  const number = match ? Number(match[1]) : Number.NaN;
  if (!Number.isFinite(number) || number < 0) {
    ctx.addIssue({ code: "custom", message: `must be a percentage like "5%" (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return number;
});

const SqlCheckSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: "must be 1–64 letters, digits, _ . or -" })
      .describe("Name of the check in the report, usually the table it counts, e.g. orders."),
    query: nonEmpty.describe(
      "SQL run in the DR database (the plan's databaseName) as the DR connection secret's user; it must return one row with one number, e.g. SELECT count(*) FROM orders.",
    ),
    min: z.number().optional().describe("The value must be at least this. Default: no lower bound."),
    max: z.number().optional().describe("The value must be at most this. Default: no upper bound."),
    equals: z.number().optional().describe("The value must be exactly this. Default: any value."),
    within: percent
      .optional()
      .describe(
        'The value must be within this percentage of what the last successful drill of this app and target region measured, e.g. "5%". The first drill has no earlier value: then only the other expectations count. Default: not compared.',
      ),
  })
  .refine((check) => [check.min, check.max, check.equals, check.within].some((value) => value !== undefined), {
    message: "give at least one expectation: min, max, equals or within",
  })
  .describe("One data check: a SQL query returning one number, and what the number must be.");

const SqlChecksSchema = z
  .strictObject({
    runner: z
      .enum(["ecs-task", "direct"])
      .default("ecs-task")
      .describe(
        "Where the queries run. ecs-task: a one-off Fargate task in the DR cluster, in the service's subnets and security groups, with the connection secret injected by ECS (the database is private); its output is read back from CloudWatch Logs. direct: the tool connects itself (a machine inside the VPC, a VPN). Default ecs-task.",
      ),
    image: nonEmpty
      .default(DEFAULT_SQL_CHECK_IMAGE)
      .describe(
        `Container image with psql for the ecs-task runner, reachable from the target region. Default ${DEFAULT_SQL_CHECK_IMAGE}.`,
      ),
    timeout: duration("verification.sql.timeout")
      .prefault("10m")
      .describe(`How long all the queries may take together before they fail: ${DURATION}. Default 10m.`),
    checks: z
      .array(SqlCheckSchema)
      .min(1, { message: "name at least one check" })
      .describe("The checks, run in order (e.g. the runbook's record counts of the main tables)."),
  })
  .superRefine(
    (sql, ctx) => {
      const seen = new Set<string>();
      (sql.checks ?? []).forEach((check, index) => {
        if (typeof check?.name !== "string") return;
        if (seen.has(check.name))
          ctx.addIssue({
            code: "custom",
            path: ["checks", index, "name"],
            message: `${check.name} is named twice: each check needs its own name`,
          });
        seen.add(check.name);
      });
    },
    { when: () => true },
  )
  .describe(
    "Data checks in the restored database with the DR connection secret's credentials (the runbook's monthly record counts): each query returns one number, compared with its expectation; a failing one fails verification (exit 5). PostgreSQL only.",
  );

const WebhookSchema = z
  .strictObject({
    kind: z
      .enum(["slack", "json"])
      .describe(
        "slack: a Slack-compatible incoming webhook ({ text, blocks }); json: a generic JSON body ({ schemaVersion, source, time, sequence, run, event, summary }).",
      ),
    url: z
      .url({ protocol: /^https?$/, message: "must be an http(s) URL" })
      .optional()
      .describe(
        "The webhook's http(s) URL. Webhook URLs are credentials: prefer urlEnv. Give exactly one of url and urlEnv.",
      ),
    urlEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" })
      .optional()
      .describe(
        "Name of the environment variable holding the URL, e.g. DR_SLACK_WEBHOOK_URL. Give exactly one of url and urlEnv.",
      ),
    events: z
      .array(z.enum(["start", "phase", "dns", "finish"]))
      .min(1)
      .optional()
      .describe(
        "What to send: start, phase (each phase started/finished), dns (production DNS switched), finish (the result with the report summary). Default: all four.",
      ),
  })
  .refine((hook) => (hook.url === undefined) !== (hook.urlEnv === undefined), {
    message: "give exactly one of url and urlEnv",
  })
  .describe(
    "A notification webhook: Slack-compatible or generic JSON, with its URL given directly (url) or in an environment variable (urlEnv).",
  );

export const PlanSchema = z
  .strictObject({
    apiVersion: z
      .literal("dr-failover/v1", { message: 'must be "dr-failover/v1"' })
      .describe('Version of the plan format: always "dr-failover/v1".'),
    app: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, { message: "must be 3–32 lowercase letters, digits or dashes" })
      .describe(
        "Application name: 3–32 lowercase letters, digits or dashes, starting with a letter. Part of the Pulumi stack names and the load balancer names, and every resource's dr-failover:app tag. Example: peoplebooster.",
      ),
    sourceRegion: region.describe(
      "AWS region where production runs (the one failed over from), e.g. ap-northeast-1. Cannot also be a target region.",
    ),
    targets: z
      .record(
        region.meta({ title: "region", description: "An AWS region code, e.g. ap-northeast-3." }),
        TargetRegionSchema,
      )
      .refine((targets) => Object.keys(targets).length > 0, { message: "name at least one target region" })
      .describe(
        "The regions the application may fail over to (at least one), keyed by AWS region code, e.g. ap-northeast-3; --target-region picks one. An entry for sourceRegion itself describes a same-region recovery (corrupted data, not a dead region): its network, bucket and image in the production region; a drill or failover there needs --restore-time and builds a stack beside production whose names end in -recovery (-rec for the load balancer).",
      ),
    objectives: z
      .strictObject({
        rto: duration("objectives.rto")
          .prefault("4h")
          .describe(
            `Recovery time objective: the budget from the incident start (--incident-start, default now) until the DR service answers its health check; ${DURATION}. The readiness checks before the DNS switch (database available, service steady, targets healthy) share what is left of it and time out when it is spent. Default 4h.`,
          ),
        rpo: duration("objectives.rpo")
          .prefault("1h")
          .describe(
            `Recovery point objective: the most data loss accepted, i.e. the age of the restored snapshot at the incident start; ${DURATION}. Preflight refuses an older restore point (RPO_BREACH) unless --accept-data-loss. At most 24 times the RTO. Default 1h.`,
          ),
        expectedPhaseDurations: z
          .partialRecord(
            z.enum(EXPECTABLE_PHASES).meta({
              title: "phase",
              description: `A phase: ${EXPECTABLE_PHASES.join(", ")}.`,
            }),
            duration("objectives.expectedPhaseDurations").describe(
              `How long this phase is expected to take: ${DURATION}.`,
            ),
          )
          .optional()
          .describe(
            "How long each phase is expected to take, e.g. { database: 30m, service: 10m }. A phase running longer raises PHASE_SLOWER_THAN_EXPECTED; the projected finish adds what is left of them. Default: the median of past successful runs ×1.5, once three exist.",
          ),
        failbackDowntime: duration("objectives.failbackDowntime")
          .optional()
          .describe(
            `Downtime budget of a failback: the most time from the write freeze in the DR region to production answering healthy in the source region; ${DURATION}. The live view projects the downtime against it (DOWNTIME_PROJECTED_OVERRUN, from the phases' expected durations); a longer downtime is reported as missed (warning DOWNTIME_BUDGET_MISSED, the report and \`history\`) without failing the failback, which has already brought production home. Optional.`,
          ),
        maxDrillAge: duration("objectives.maxDrillAge")
          .prefault("35d")
          .describe(
            `How old the last successful drill of a target may be before \`dr-failover check\` reports the target not ready (DRILL_TOO_OLD): ${DURATION}, or days like "35d". Default 35d (the runbook's monthly drill, with a few days' slack).`,
          ),
      })
      .prefault({})
      .describe("The recovery objectives every run is timed against."),
    database: z
      .strictObject({
        sourceIdentifier: nonEmpty.describe(
          "DB instance identifier of the production database whose snapshots are copied to the target regions; the newest available copy is restored (or the one given with --snapshot). Example: peoplebooster-production.",
        ),
        restoreFrom: z
          .enum(["auto", "snapshot", "point-in-time"])
          .default("auto")
          .describe(
            "What the DR database is restored from: snapshot (the newest copy of a snapshot in the target region, or --snapshot), point-in-time (the source's automated backups replicated to the target region, restored to their latest restorable time or to --restore-time), or auto: whichever of the two loses less data at the incident start (a restore point given with --snapshot or --restore-time decides). Default auto.",
          ),
        instanceClass: nonEmpty
          .default("db.t3.medium")
          .describe("RDS instance class of the restored instance. Default db.t3.medium."),
        engine: z
          .enum(["postgres", "mysql", "mariadb"])
          .optional()
          .describe(
            "Database engine of the snapshot: postgres, mysql or mariadb. Preflight refuses a snapshot of another engine. Default: the snapshot's.",
          ),
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .optional()
          .describe(
            "TCP port of the production database (1–65535); the restored instance listens on it. Preflight refuses a snapshot taken of an instance on another port (the DR security groups and the application expect production's). Default: the snapshot's.",
          ),
        databaseName: nonEmpty.describe(
          "Name of the application's database on the instance; written to the DR connection secret and given to verification commands as DR_DB_NAME. Example: peoplebooster.",
        ),
        multiAz: z
          .boolean()
          .default(true)
          .describe(
            "Run the restored instance of a real failover Multi-AZ (drills always run single-AZ). Default true.",
          ),
        backup: z
          .strictObject({
            retentionDays: z
              .number()
              .int()
              .min(1)
              .max(35)
              .default(7)
              .describe(
                "Days of automated backups (point-in-time recovery) the restored instance of a real failover keeps, as the primary it becomes (1–35). Drills keep 1 day: the cheapest setting that keeps backups on (0 would turn them off, an outage of the freshly restored instance). Default 7.",
              ),
            window: z
              .string()
              .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, {
                message: 'must be a daily UTC window "hh:mm-hh:mm", e.g. "18:00-19:00"',
              })
              .refine(backupWindowLongEnough, { message: "must be at least 30 minutes long (an RDS rule)" })
              .optional()
              .describe(
                'Daily window for automated backups of the restored instance of a real failover, in UTC, "hh:mm-hh:mm" (at least 30 minutes; not overlapping its maintenance window), e.g. "18:00-19:00" for 03:00–04:00 JST. Default: a window RDS picks.',
              ),
          })
          .prefault({})
          .describe(
            "Automated backups of the restored instance: after a failover it is the primary, with production's backup settings.",
          ),
        credentials: z
          .strictObject({
            mode: z
              .enum(["reset", "replica-secret"])
              .default("reset")
              .describe(
                "reset: set a new master password on the restored instance, kept only in Pulumi secrets and Secrets Manager (works with the source region gone); replica-secret: keep the snapshot's password, read from the secret's replica in the target region. Default reset.",
              ),
            username: nonEmpty
              .optional()
              .describe(
                "Master username of the database. A restored instance keeps the snapshot's master user, so preflight refuses a snapshot whose master user differs; written to the DR connection secret and given to verification commands as DR_DB_USER. Default: the snapshot's. Example: pbadmin.",
              ),
          })
          .prefault({})
          .describe("How the restored instance's master credentials are obtained."),
      })
      .describe("The production database and how its snapshot copy is restored in the target region."),
    cache: z
      .strictObject({
        sourceReplicationGroupId: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,39}$/, {
            message:
              "must be an ElastiCache replication group id: 1–40 lowercase letters, digits or dashes, starting with a letter",
          })
          .describe(
            "Replication group id of the production Redis (ElastiCache) whose backups are restored, e.g. peoplebooster-production-redis. The restored group is named after it (-dr for a failover, -d<run> for a drill).",
          ),
        nodeType: nonEmpty
          .default("cache.t3.micro")
          .describe("Node type of the restored replication group. Default cache.t3.micro."),
        numCacheClusters: z
          .number()
          .int()
          .min(1)
          .max(6)
          .default(1)
          .describe(
            "Nodes of the restored replication group of a real failover: one primary and the rest replicas (1–6; drills run one node). Default 1.",
          ),
        port: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .default(6379)
          .describe(
            "TCP port the restored group listens on (1–65535); the service gets it as REDIS_PORT. Default 6379.",
          ),
        engineVersion: z
          .string()
          .regex(/^\d+(\.\d+){0,2}$/, { message: 'must be a Redis version such as "7.1"' })
          .optional()
          .describe("Redis engine version of the restored group, e.g. 7.1. Default: ElastiCache's default."),
        backup: z
          .strictObject({
            source: z
              .enum(["rdb-in-s3", "snapshot"])
              .describe(
                "rdb-in-s3: the newest .rdb export under targets.<region>.cache.backup.prefix in the bucket replicated to the target region (ElastiCache cannot copy snapshots across regions), seeding the group through its S3 ARN; snapshot: the ElastiCache snapshot targets.<region>.cache.backup.snapshotName already in the target region.",
              ),
            maxAge: duration("cache.backup.maxAge")
              .optional()
              .describe(
                `The oldest cache backup accepted at the incident start: ${DURATION}. An older one is refused in preflight (CACHE_BACKUP_TOO_OLD). Default: none (the age is reported, never gated).`,
              ),
          })
          .describe("Where the cache's backups are, and how old they may be."),
      })
      .optional()
      .describe(
        "The application's ElastiCache Redis, restored in the target region from its backup; the service gets its primary endpoint as REDIS_HOST and REDIS_PORT. Default: no cache.",
      ),
    secrets: z
      .strictObject({
        databaseSecretName: nonEmpty.describe(
          "Name of the application's DB connection secret in Secrets Manager, e.g. peoplebooster/production/database. The DR connection secret is created next to it as <name>/dr-<drill|failover>-<run>; with credentials.mode replica-secret the password is read from its replica.",
        ),
      })
      .describe("The application's secrets in Secrets Manager."),
    service: z
      .strictObject({
        cluster: nonEmpty.describe(
          "Name of the ECS cluster created for the DR service; a drill appends -drill-<run>. Example: peoplebooster-production.",
        ),
        name: nonEmpty.describe(
          "Name of the ECS service and its container; a drill appends -drill-<run>. Example: peoplebooster-backend.",
        ),
        cpu: z
          .number()
          .int()
          .positive()
          .default(512)
          .describe("Fargate task CPU in CPU units (1024 = 1 vCPU). Default 512."),
        memory: z.number().int().positive().default(1024).describe("Fargate task memory in MiB. Default 1024."),
        desiredCount: z.number().int().min(1).default(2).describe("Number of tasks to run (at least 1). Default 2."),
        containerPort: z
          .number()
          .int()
          .min(1)
          .max(65535)
          .default(8080)
          .describe(
            "TCP port the container listens on; the load balancer's target group forwards to it (1–65535). Default 8080.",
          ),
        healthCheckPath: z
          .string()
          .startsWith("/", { message: 'must start with "/"' })
          .default("/health")
          .describe(
            "HTTP path of the health check, used by the target group and by verification; starts with /. Default /health.",
          ),
        healthCheckIntervalSeconds: z
          .number()
          .int()
          .min(5)
          .max(300)
          .default(10)
          .describe(
            "Seconds between two health checks of the DR target group (5–300, as AWS allows). With healthyThreshold it sets when the app's first healthy answer can come once the restored database answers: interval × threshold, 30 s by default. Default 10 (AWS's own default is 30).",
          ),
        healthyThreshold: z
          .number()
          .int()
          .min(2)
          .max(10)
          .default(3)
          .describe(
            "Consecutive successful health checks before the DR target group reports a task healthy (2–10, as AWS allows). Default 3.",
          ),
        environment: z
          .record(
            z.string().meta({ title: "name", description: "An environment variable name." }),
            z.string().describe("The variable's value (plain text: not for secrets)."),
          )
          .default({})
          .describe(
            "Environment variables of the container, e.g. { NODE_ENV: production }; ASSETS_BUCKET and DATABASE_SECRET_ARN are added. Default: none.",
          ),
      })
      .describe(
        "The application's ECS (Fargate) service, recreated in the target region; its image and network are per target (targets.<region>.service).",
      ),
    dns: z
      .strictObject({
        hostedZone: dnsName.describe(
          "The Route 53 hosted zone holding both records, e.g. peoplebooster.example.com (case and a trailing dot are ignored).",
        ),
        productionRecord: dnsName.describe(
          "The name clients use, inside hostedZone, e.g. api.peoplebooster.example.com. A failover (with --confirm <this name>) points it at the DR load balancer after recording its previous value; destroy restores it. A drill never touches it.",
        ),
        drillRecord: dnsName.describe(
          "The name a drill creates (a CNAME to the DR load balancer) and deletes, inside hostedZone and different from productionRecord, e.g. drill-api.peoplebooster.example.com. A drill refuses to start when it exists.",
        ),
        ttl: z
          .number()
          .int()
          .min(1)
          .max(86400)
          .default(60)
          .describe(
            "TTL in seconds (1–86400) of the drill record, and of the production record when it is a CNAME (an alias has none). Default 60.",
          ),
      })
      .describe(
        "The Route 53 names: the hosted zone, the production record a failover switches, and a drill's own record.",
      ),
    notifications: z
      .strictObject({
        timeout: duration("notifications.timeout")
          .prefault("5s")
          .describe(
            `How long each webhook call may take before it is abandoned: ${DURATION}. A failing webhook never fails the run. Default 5s.`,
          ),
        webhooks: z.array(WebhookSchema).min(1).describe("The webhooks to call (at least one)."),
      })
      .optional()
      .describe(
        "Webhooks told about the start, phase changes, the production DNS switch and the result. Fire-and-forget: a failing or hanging one costs a NOTIFICATION_FAILED warning, never the run. Default: none.",
      ),
    verification: z
      .strictObject({
        healthTimeout: duration("verification.healthTimeout")
          .prefault("10m")
          .describe(
            `How long the health check (https://<record><service.healthCheckPath>, the certificate verified for that name) keeps polling for expectStatus: ${DURATION}. Default 10m.`,
          ),
        expectStatus: z
          .number()
          .int()
          .min(100)
          .max(599)
          .default(200)
          .describe("HTTP status the health check must get (100–599). Default 200."),
        commands: z
          .array(VerificationCommandSchema)
          .default([])
          .describe(
            "Your own checks, shell commands run in order after the health and ECS checks; each must pass. Default: none.",
          ),
        sql: SqlChecksSchema.optional(),
        versionSamplePrefix: z
          .string()
          .default("")
          .describe(
            'Key prefix of the objects a drill samples for the runbook\'s monthly "restore a file from S3 versions" check: it reads (ListObjectVersions, then GetObject with the VersionId) a previous version of the first object under this prefix in the replica bucket that has one, and writes nothing. Default "" (the whole bucket).',
          ),
      })
      .prefault({})
      .describe("Checks run once the DR environment is up; a failing one fails the run (exit 5)."),
  })
  // Cross-field rules run even when other fields are invalid (`when`), so `validate` lists every
  // problem at once; the value may then be partly unparsed, hence the guards.
  .superRefine(
    (plan, ctx) => {
      const dns = (plan.dns ?? {}) as Partial<Plan["dns"]>;
      const isName = (value: unknown): value is string => typeof value === "string" && value.length > 0;
      if (isName(dns.drillRecord) && dns.drillRecord === dns.productionRecord) {
        ctx.addIssue({
          code: "custom",
          path: ["dns", "drillRecord"],
          message: "must differ from dns.productionRecord: a drill never touches production names",
        });
      }
      for (const [region, target] of Object.entries((plan.targets ?? {}) as Plan["targets"])) {
        const kmsKeyId = target?.database?.kmsKeyId;
        const problem = typeof kmsKeyId === "string" ? kmsKeyArnProblem(kmsKeyId, region) : undefined;
        if (problem)
          ctx.addIssue({ code: "custom", path: ["targets", region, "database", "kmsKeyId"], message: problem });
      }
      const cache = plan.cache as Partial<NonNullable<Plan["cache"]>> | undefined;
      for (const [region, target] of Object.entries((plan.targets ?? {}) as Plan["targets"])) {
        if (!target || typeof target !== "object") continue;
        if (cache && !target.cache) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", region, "cache"],
            message: `the plan has a cache section: say where the cache is restored in ${region} (subnetGroup, securityGroups, backup)`,
          });
        } else if (!cache && target.cache) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", region, "cache"],
            message:
              "the plan has no cache section: add cache (sourceReplicationGroupId, backup.source) or remove this",
          });
        } else if (cache?.backup?.source === "snapshot" && target.cache && !target.cache.backup?.snapshotName) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", region, "cache", "backup", "snapshotName"],
            message: `cache.backup.source is snapshot: name the ElastiCache snapshot in ${region} to restore`,
          });
        } else if (cache?.backup?.source === "rdb-in-s3" && target.cache?.backup?.snapshotName) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", region, "cache", "backup", "snapshotName"],
            message:
              "cache.backup.source is rdb-in-s3: the .rdb is found under backup.bucket/prefix; remove snapshotName or set cache.backup.source: snapshot",
          });
        }
      }
      for (const [region, target] of Object.entries((plan.targets ?? {}) as Plan["targets"])) {
        const arn = target?.loadBalancer?.certificateArn;
        const where = typeof arn === "string" ? certificateRegion(arn) : undefined;
        if (where && where !== region) {
          ctx.addIssue({
            code: "custom",
            path: ["targets", region, "loadBalancer", "certificateArn"],
            message: `is a certificate of ${where}: a load balancer in ${region} needs an ACM certificate of ${region} (request or import one there)`,
          });
        }
      }
      for (const key of ["productionRecord", "drillRecord"] as const) {
        const name = dns[key];
        const zone = dns.hostedZone;
        if (isName(name) && isName(zone) && name !== zone && !name.endsWith(`.${zone}`)) {
          ctx.addIssue({ code: "custom", path: ["dns", key], message: `must be inside the hosted zone ${zone}` });
        }
      }
      const engine = (plan.database as Partial<Plan["database"]> | undefined)?.engine;
      if (plan.verification?.sql && engine && engine !== "postgres") {
        ctx.addIssue({
          code: "custom",
          path: ["verification", "sql"],
          message: `runs its queries with psql and pg: PostgreSQL only (database.engine is ${engine}); use verification.commands`,
        });
      }
      const { rpo, rto } = (plan.objectives ?? {}) as Partial<Plan["objectives"]>;
      if (typeof rpo === "number" && typeof rto === "number" && rpo > rto * 24) {
        ctx.addIssue({
          code: "custom",
          path: ["objectives", "rpo"],
          message: "looks wrong: more than 24 times the RTO",
        });
      }
    },
    { when: () => true },
  )
  .describe(
    "A dr-failover DR plan: where production runs, what exists in each target region, and the objectives a drill or failover is timed against.",
  );

/** A validated plan: durations in milliseconds, defaults applied. */
export type Plan = z.output<typeof PlanSchema>;
export type TargetRegionPlan = Plan["targets"][string];

/** JSON Schema of the plan file, for editors (`dr-failover plan-schema`). */
export function planJsonSchema(): unknown {
  return z.toJSONSchema(PlanSchema, { io: "input", unrepresentable: "any" });
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return "(plan)";
  return path
    .map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join("");
}

/** Validates an already-parsed document; throws a UsageError listing every problem. */
export function parsePlan(document: unknown, source = "plan"): Plan {
  const result = PlanSchema.safeParse(document);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new UsageError(
    "PLAN_INVALID",
    `${source} is not a valid DR plan (${details.length} problem${details.length === 1 ? "" : "s"})`,
    {
      details,
      hint: "Fix every line above; `dr-failover plan-schema` prints the JSON Schema for your editor.",
    },
  );
}

/** Reads and validates a YAML plan file. */
export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new UsageError("PLAN_NOT_FOUND", `cannot read the plan file ${path}`, {
      hint: "Pass an existing YAML file with --plan (see examples/peoplebooster.yaml).",
      cause,
    });
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new UsageError("PLAN_YAML", `${path} is not valid YAML`, {
      details: document.errors.map((error) => error.message.split("\n")[0]),
      hint: "Fix the YAML syntax at the line and column given.",
    });
  }
  return parsePlan(document.toJS(), path);
}

/** A target equal to the source region: recovery from corrupted data beside production, not from a dead region. */
export function isSameRegionRecovery(plan: Plan, targetRegion: string): boolean {
  return targetRegion === plan.sourceRegion;
}

/** The target region's part of the plan, or a usage error naming the allowed ones. */
export function targetOf(plan: Plan, targetRegion: string): TargetRegionPlan {
  if (isSameRegionRecovery(plan, targetRegion) && !plan.targets[targetRegion]) {
    const others = Object.keys(plan.targets).join(", ");
    throw new UsageError("TARGET_IS_SOURCE", `--target-region ${targetRegion} is the source region`, {
      hint: `Fail over to one of: ${others}. To recover from corrupted data in ${targetRegion} itself, add targets.${targetRegion} (the production region's network, bucket and image) and pass --restore-time.`,
    });
  }
  const target = plan.targets[targetRegion];
  if (!target) {
    throw new UsageError("TARGET_NOT_IN_PLAN", `--target-region ${targetRegion} is not a target region of this plan`, {
      hint: `Use one of: ${Object.keys(plan.targets).join(", ")}, or add targets.${targetRegion} to the plan.`,
    });
  }
  return target;
}

/** Refuses a target region the plan does not name (or the source region), before anything starts. */
export function checkTargetRegion(plan: Plan, targetRegion: string): void {
  targetOf(plan, targetRegion);
}

/**
 * A same-region recovery restores production's own automated backups to a point before the damage:
 * it needs that point (`--restore-time`); the latest restorable time holds the damage, and a snapshot
 * of the production region is no different from production's data of that day.
 */
export function checkSameRegionRecovery(
  plan: Plan,
  targetRegion: string,
  restore: { restoreTime?: string; snapshotIdentifier?: string },
): void {
  if (!isSameRegionRecovery(plan, targetRegion)) return;
  if (restore.restoreTime === undefined || restore.snapshotIdentifier !== undefined) {
    throw new UsageError(
      "SAME_REGION_NEEDS_RESTORE_TIME",
      `--target-region ${targetRegion} is the source region: a same-region recovery needs --restore-time${restore.snapshotIdentifier !== undefined ? ", not --snapshot" : ""}`,
      {
        hint: `Pass --restore-time <ISO 8601>, a point before the data was damaged (inside the restore window of ${plan.database.sourceIdentifier}'s automated backups), e.g. --restore-time 2026-11-28T02:55:00+09:00.`,
      },
    );
  }
}

/** A failover switches production DNS: it needs `--confirm <the production record>`. */
export function checkFailoverConfirmation(
  plan: Plan,
  confirm: string | undefined,
  journey: "failover" | "failback" = "failover",
): void {
  const productionName = plan.dns.productionRecord;
  if (confirm?.replace(/\.$/, "").toLowerCase() === productionName) return;
  throw new UsageError(
    confirm ? "CONFIRM_MISMATCH" : "CONFIRM_REQUIRED",
    confirm
      ? `--confirm ${confirm} does not match the production record ${productionName}`
      : `a ${journey} switches production DNS (${productionName}) and needs --confirm ${productionName}`,
    {
      hint: `Re-run with --confirm ${productionName}; for a rehearsal that never touches production use \`dr-failover drill\`.`,
    },
  );
}
