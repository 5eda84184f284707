/**
 * The DR plan: one zod schema gives the TypeScript type, the validation (every
 * problem reported at once as `path: message`) and the JSON Schema for editors.
 */
import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import { z } from "zod";
import { UsageError } from "./errors.js";

const AWS_REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/;

/** "4h", "90m", "1h30m", "45s" or a number of seconds → milliseconds. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value > 0 ? value * 1000 : undefined;
  const match = /^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$/.exec(value);
  if (!match || match.slice(1).every((part) => part === undefined)) return undefined;
  const [hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0));
  const ms = ((hours * 60 + minutes) * 60 + seconds) * 1000;
  return ms > 0 ? ms : undefined;
}

const duration = (what: string) =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `${what} must be a duration like "4h", "90m" or "1h30m" (got ${JSON.stringify(value)})` });
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
/** A subnet or security group: its id (subnet-…, sg-…) or its Name tag, resolved in preflight. */
const networkRef = nonEmpty;

const TargetRegionSchema = z.strictObject({
  database: z.strictObject({
    /** DB subnet group in the target region (seed: peoplebooster-production-db). */
    subnetGroup: nonEmpty,
    /** Security group ids or Name tags for the restored instance. */
    securityGroups: z.array(networkRef).min(1),
    /** KMS key in the target region for encrypted snapshots; the aws/rds key does not travel. */
    kmsKeyId: nonEmpty.optional(),
  }),
  storage: z.strictObject({
    /** The cross-region replica of the asset bucket; bound, never created or deleted. */
    replicaBucket: nonEmpty,
  }),
  service: z.strictObject({
    /** Container image reachable from the target region (e.g. its ECR replica). */
    image: nonEmpty,
    subnets: z.array(networkRef).min(1),
    securityGroups: z.array(networkRef).min(1),
    assignPublicIp: z.boolean().default(false),
  }),
  loadBalancer: z.strictObject({
    subnets: z.array(networkRef).min(2, { message: "an application load balancer needs subnets in at least two AZs" }),
    securityGroups: z.array(networkRef).min(1),
    internal: z.boolean().default(false),
  }),
});

const VerificationCommandSchema = z.strictObject({
  name: nonEmpty,
  /** A shell command run with execa; DR_* variables describe the DR environment. */
  run: nonEmpty,
  timeout: duration("verification.commands[].timeout").prefault(300),
  /** When set, the command's trimmed stdout must match this regular expression. */
  expectOutput: z.string().optional(),
});

/** A notification webhook: Slack-compatible (`{ text, blocks }`) or generic JSON (the event and the report summary). */
const WebhookSchema = z
  .strictObject({
    kind: z.enum(["slack", "json"]),
    /** The URL; webhook URLs are credentials, so prefer `urlEnv`. */
    url: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
    /** Name of the environment variable holding the URL (e.g. DR_SLACK_WEBHOOK_URL). */
    urlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: "must be an environment variable name" }).optional(),
    /** What to send: start, phase (started/finished), dns (production switched), finish. Default: all. */
    events: z.array(z.enum(["start", "phase", "dns", "finish"])).min(1).optional(),
  })
  .refine((hook) => (hook.url === undefined) !== (hook.urlEnv === undefined), { message: "give exactly one of url and urlEnv" });

export const PlanSchema = z
  .strictObject({
    apiVersion: z.literal("dr-failover/v1", { message: 'must be "dr-failover/v1"' }),
    /** Application name; part of the Pulumi project name and every resource name. */
    app: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, { message: "must be 3–32 lowercase letters, digits or dashes" }),
    sourceRegion: region,
    targets: z
      .record(region, TargetRegionSchema)
      .refine((targets) => Object.keys(targets).length > 0, { message: "name at least one target region" }),
    objectives: z
      .strictObject({
        rto: duration("objectives.rto").prefault("4h"),
        rpo: duration("objectives.rpo").prefault("1h"),
        /**
         * How long each phase is expected to take, e.g. `{ database: 30m, service: 10m }`. A phase running
         * longer raises PHASE_SLOWER_THAN_EXPECTED; the projected finish adds what is left of them.
         * @default the median of past runs ×1.5 (once three runs exist)
         */
        expectedPhaseDurations: z
          .partialRecord(z.enum(["preflight", "database", "service", "dns", "verification", "teardown"]), duration("objectives.expectedPhaseDurations"))
          .optional(),
      })
      .prefault({}),
    database: z.strictObject({
      /** The production instance whose snapshots were copied to the target regions. */
      sourceIdentifier: nonEmpty,
      instanceClass: nonEmpty.default("db.t3.medium"),
      engine: z.enum(["postgres", "mysql", "mariadb"]).default("postgres"),
      port: z.number().int().min(1).max(65535).default(5432),
      databaseName: nonEmpty,
      /** Multi-AZ for the restored instance of a real failover (drills always run single-AZ). */
      multiAz: z.boolean().default(true),
      credentials: z
        .strictObject({
          /**
           * reset: set a new master password on the restored instance (works with the source region gone);
           * replica-secret: keep the snapshot's password, read from the secret's replica in the target region.
           */
          mode: z.enum(["reset", "replica-secret"]).default("reset"),
          username: nonEmpty.default("postgres"),
        })
        .prefault({}),
    }),
    secrets: z.strictObject({
      /** The application's DB connection secret (seed: peoplebooster/production/database). */
      databaseSecretName: nonEmpty,
    }),
    service: z.strictObject({
      cluster: nonEmpty,
      name: nonEmpty,
      cpu: z.number().int().positive().default(512),
      memory: z.number().int().positive().default(1024),
      desiredCount: z.number().int().min(1).default(2),
      containerPort: z.number().int().min(1).max(65535).default(8080),
      healthCheckPath: z.string().startsWith("/", { message: 'must start with "/"' }).default("/health"),
      environment: z.record(z.string(), z.string()).default({}),
    }),
    dns: z.strictObject({
      hostedZone: dnsName,
      productionRecord: dnsName,
      drillRecord: dnsName,
      ttl: z.number().int().min(1).max(86400).default(60),
    }),
    notifications: z
      .strictObject({
        /** Each webhook call gives up after this long; a failing webhook never fails the run. */
        timeout: duration("notifications.timeout").prefault("5s"),
        webhooks: z.array(WebhookSchema).min(1),
      })
      .optional(),
    verification: z
      .strictObject({
        healthTimeout: duration("verification.healthTimeout").prefault("10m"),
        expectStatus: z.number().int().min(100).max(599).default(200),
        commands: z.array(VerificationCommandSchema).default([]),
      })
      .prefault({}),
  })
  .superRefine((plan, ctx) => {
    if (plan.targets[plan.sourceRegion]) {
      ctx.addIssue({ code: "custom", path: ["targets", plan.sourceRegion], message: "the source region cannot also be a target region" });
    }
    if (plan.dns.drillRecord === plan.dns.productionRecord) {
      ctx.addIssue({ code: "custom", path: ["dns", "drillRecord"], message: "must differ from dns.productionRecord: a drill never touches production names" });
    }
    for (const key of ["productionRecord", "drillRecord"] as const) {
      const name = plan.dns[key];
      if (name !== plan.dns.hostedZone && !name.endsWith(`.${plan.dns.hostedZone}`)) {
        ctx.addIssue({ code: "custom", path: ["dns", key], message: `must be inside the hosted zone ${plan.dns.hostedZone}` });
      }
    }
    if (plan.objectives.rpo > plan.objectives.rto * 24) {
      ctx.addIssue({ code: "custom", path: ["objectives", "rpo"], message: "looks wrong: more than 24 times the RTO" });
    }
  });

/** A validated plan: durations in milliseconds, defaults applied. */
export type Plan = z.output<typeof PlanSchema>;
/** What a user writes. */
export type PlanInput = z.input<typeof PlanSchema>;
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
  throw new UsageError("PLAN_INVALID", `${source} is not a valid DR plan (${details.length} problem${details.length === 1 ? "" : "s"})`, {
    details,
    hint: "Fix every line above; `dr-failover plan-schema` prints the JSON Schema for your editor.",
  });
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

/** The target region's part of the plan, or a usage error naming the allowed ones. */
export function targetOf(plan: Plan, targetRegion: string): TargetRegionPlan {
  if (targetRegion === plan.sourceRegion) {
    throw new UsageError("TARGET_IS_SOURCE", `--target-region ${targetRegion} is the source region`, {
      hint: `Fail over to one of: ${Object.keys(plan.targets).join(", ")}.`,
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

/** A failover switches production DNS: it needs `--confirm <the production record>`. */
export function checkFailoverConfirmation(plan: Plan, confirm: string | undefined): void {
  const productionName = plan.dns.productionRecord;
  if (confirm?.replace(/\.$/, "").toLowerCase() === productionName) return;
  throw new UsageError(
    confirm ? "CONFIRM_MISMATCH" : "CONFIRM_REQUIRED",
    confirm
      ? `--confirm ${confirm} does not match the production record ${productionName}`
      : `a failover switches production DNS (${productionName}) and needs --confirm ${productionName}`,
    { hint: `Re-run with --confirm ${productionName}; for a rehearsal that never touches production use \`dr-failover drill\`.` },
  );
}
