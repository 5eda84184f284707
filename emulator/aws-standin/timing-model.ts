/**
 * Modeled AWS latencies of the stand-in `aws` provider, in seconds per
 * operation (before scaling). Off unless `DR_STANDIN_LATENCY_SCALE` is a
 * positive number; the sleep is `seconds * scale`. One table, exported so a
 * benchmark can compute the expected critical path from the same numbers.
 *
 * Override per type with `DR_STANDIN_LATENCY_MODEL`, a JSON object whose values
 * are either a number (the create latency) or `{ create?, update?, delete? }`:
 *   DR_STANDIN_LATENCY_MODEL='{"aws:rds/instance:Instance": 900}'
 */

import type { FAILBACK_PHASES } from "../../automation/vocabulary.js";

export type LatencyOperation = "create" | "update" | "delete";

export interface OperationLatency {
  /** Seconds modeled for a create. */
  readonly create: number;
  /** Seconds modeled for an in-place update. */
  readonly update: number;
  /** Seconds modeled for a delete (smaller than create). */
  readonly delete: number;
  /**
   * When set, the modeled latency applies only if this boolean input is true
   * (e.g. ECS services only wait for steady state with `waitForSteadyState`);
   * otherwise the default entry applies.
   */
  readonly onlyWhenInput?: string;
}

/** Used for every type (and operation) not listed in TIMING_MODEL. */
export const DEFAULT_LATENCY: OperationLatency = { create: 3, update: 3, delete: 1 };

export const TIMING_MODEL: Readonly<Record<string, OperationLatency>> = {
  // Restore from snapshot / create: the dominant term of a DR failover.
  "aws:rds/instance:Instance": { create: 1200, update: 3, delete: 300 },
  // An ALB goes from provisioning to active in ~3 minutes.
  "aws:lb/loadBalancer:LoadBalancer": { create: 180, update: 3, delete: 30 },
  // waitForSteadyState: tasks pulled, started and healthy behind the target group.
  "aws:ecs/service:Service": { create: 240, update: 240, delete: 30, onlyWhenInput: "waitForSteadyState" },
  // A change is done when GetChange reports INSYNC.
  "aws:route53/record:Record": { create: 60, update: 60, delete: 60 },
};

/**
 * Seconds from the database answering to the app's first healthy answer
 * behind the load balancer, for tasks already running: the target group's
 * interval × healthy threshold (as the stack sets them: plan
 * service.healthCheckIntervalSeconds × service.healthyThreshold, 10 × 3 by
 * default; upstream's schema defaults when the block leaves them out, 30 × 3).
 * moto-server.py's DescribeTargetHealth waits the same, × the latency scale.
 * A term of the critical path the benchmark aims at.
 */
export function appHealthyAfterDatabaseSeconds(
  healthCheck: { interval?: number; healthyThreshold?: number } = {},
): number {
  return (healthCheck.interval ?? 30) * (healthCheck.healthyThreshold ?? 3);
}

/** The latency scale from the environment (0 = no modeled delays). */
export function latencyScale(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DR_STANDIN_LATENCY_SCALE;
  if (raw === undefined || raw.trim() === "") return 0;
  const scale = Number(raw);
  return Number.isFinite(scale) && scale > 0 ? scale : 0;
}

function parseOverrides(env: NodeJS.ProcessEnv): Record<string, Partial<OperationLatency>> {
  const raw = env.DR_STANDIN_LATENCY_MODEL;
  if (!raw || raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("DR_STANDIN_LATENCY_MODEL is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error("DR_STANDIN_LATENCY_MODEL must be a JSON object keyed by resource type token");
  }
  const result: Record<string, Partial<OperationLatency>> = {};
  for (const [token, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === "number") result[token] = { create: value };
    else if (value && typeof value === "object") result[token] = value as Partial<OperationLatency>;
    else throw new Error(`DR_STANDIN_LATENCY_MODEL["${token}"] must be a number or {create, update, delete}`);
  }
  return result;
}

/** The effective table: TIMING_MODEL with the env overrides applied. */
export function effectiveTimingModel(env: NodeJS.ProcessEnv = process.env): Record<string, OperationLatency> {
  const overrides = parseOverrides(env);
  const model: Record<string, OperationLatency> = { ...TIMING_MODEL };
  for (const [token, override] of Object.entries(overrides)) {
    const base = model[token] ?? DEFAULT_LATENCY;
    model[token] = { ...base, ...override };
  }
  return model;
}

/** Unscaled seconds modeled for one operation on one resource type. */
export function modeledSeconds(
  token: string,
  operation: LatencyOperation,
  inputs: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): number {
  const entry = effectiveTimingModel(env)[token];
  if (!entry) return DEFAULT_LATENCY[operation];
  if (entry.onlyWhenInput && inputs[entry.onlyWhenInput] !== true) return DEFAULT_LATENCY[operation];
  return entry[operation] ?? DEFAULT_LATENCY[operation];
}

/** Milliseconds to sleep for one operation (0 when latencies are off). */
export function modeledDelayMs(
  token: string,
  operation: LatencyOperation,
  inputs: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = process.env,
): number {
  const scale = latencyScale(env);
  if (scale === 0) return 0;
  return Math.round(modeledSeconds(token, operation, inputs, env) * scale * 1000);
}

/**
 * Modeled seconds of the AWS operations a failback calls through the SDK
 * (outside the engine, so the stand-in never sleeps them; moto answers at
 * once): the bench adds them to the tool time a measured failback records per
 * phase (test/bench/failback.ts). The terms shared with a failover are the
 * TIMING_MODEL entries themselves, so the two figures cannot drift apart.
 */
export const FAILBACK_SDK_MODEL = {
  /**
   * UpdateService desiredCount 0 → no task running: ECS stops a task behind a
   * load balancer only after the target group's deregistration delay (upstream
   * `deregistration_delay` default 300 s, SPEC.md "aws:lb/targetGroup").
   */
  serviceDrainS: 300,
  /** CreateDBSnapshot → available: a fixed part and a part per GB (incremental over the automated backups). */
  snapshotCreateS: 60,
  snapshotCreatePerGbS: 6,
  /** CopyDBSnapshot across regions → available: the first copy is a full one, ~2 GB a minute. */
  snapshotCopyS: 60,
  snapshotCopyPerGbS: 30,
  /** RestoreDBInstanceFromDBSnapshot → available: the failover's restore. */
  restoreS: TIMING_MODEL["aws:rds/instance:Instance"].create,
  /** UpdateService forceNewDeployment → steady: the failover's service wait. */
  serviceDeploymentS: TIMING_MODEL["aws:ecs/service:Service"].update,
  /** ChangeResourceRecordSets → INSYNC. */
  insyncS: TIMING_MODEL["aws:route53/record:Record"].update,
  /** Replica method (a model until it is measured): lag to zero once writes stop in DR. */
  replicaCatchUpS: 30,
  /** Replica method (a model): PromoteReadReplica → available (a reboot, a few minutes). */
  promoteS: 300,
} as const;

/** What a modeled failback depends on besides the table: the database's size and the production record's TTL. */
export interface FailbackModelInputs {
  allocatedStorageGb: number;
  ttlS: number;
}

/**
 * A failback's modeled AWS waits by phase, in seconds, and the TTL clients keep
 * the DR answer after INSYNC. `snapshot` uses the journey's own phase names
 * (automation/vocabulary.ts FAILBACK_PHASES), `replica` its downtime phases
 * (freeze → catch-up → promote → secret → service → INSYNC → TTL → health; the
 * replica is prepared before the freeze and handed over after the health check).
 */
export function failbackModeledWaits(
  method: "snapshot" | "replica",
  inputs: FailbackModelInputs,
): { phases: Record<string, number>; ttlS: number } {
  const m = FAILBACK_SDK_MODEL;
  const gb = inputs.allocatedStorageGb;
  const common = {
    "production-secret": 0,
    "production-service": m.serviceDeploymentS,
    dns: m.insyncS,
    // The new tasks passed the target group's health checks inside the deployment wait: one request.
    verification: 0,
  };
  // Every phase the journey runs has its term (a new phase without one does not compile).
  const snapshot: Record<(typeof FAILBACK_PHASES)["snapshot"][number], number> = {
    "write-freeze": m.serviceDrainS,
    "final-snapshot": m.snapshotCreateS + m.snapshotCreatePerGbS * gb,
    "copy-snapshot": m.snapshotCopyS + m.snapshotCopyPerGbS * gb,
    restore: m.restoreS,
    "data-check": 0,
    ...common,
  };
  const replica: Record<Exclude<(typeof FAILBACK_PHASES)["replica"][number], "prepare-replica">, number> = {
    "write-freeze": m.serviceDrainS,
    "catch-up": m.replicaCatchUpS,
    promote: m.promoteS,
    "data-check": 0,
    ...common,
  };
  const phases: Record<string, number> = method === "snapshot" ? snapshot : replica;
  return { phases, ttlS: inputs.ttlS };
}
