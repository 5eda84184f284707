/**
 * Readiness, checked by the driver itself before production DNS is switched (a
 * failover) or the DR service is verified (a drill): the database is
 * `available`, the ECS service is steady (one deployment, runningCount ==
 * desiredCount) and the target group's targets are `healthy` — on the first
 * run and on every resume.
 *
 * The provider's own waits cannot be relied on for this: a create that timed
 * out is saved half-created, and the engine "continues" it with an update
 * that has no changed inputs, which neither waits nor sets the master password
 * (terraform-provider-aws PR #38252; RDS and ECS updates act only inside
 * `HasChangesExcept("tags", …)`). So the provider keeps its default timeouts,
 * and the RTO budget is enforced here: every wait of a run draws on one
 * deadline, never one budget per wait.
 */
import { formatDuration } from "./clock.js";
import { sleep, wrapAwsError, type AwsClients } from "./aws.js";
import { ToolError } from "./errors.js";
import { ECS, ELBv2, RDS } from "./sdk.js";

/** The readiness steps, in the order they are checked. */
export const READINESS_STEPS = ["database", "service", "targets"] as const;
export type ReadinessStep = (typeof READINESS_STEPS)[number];

/** What one look at a step found. */
export interface Probe {
  ready: boolean;
  /** What was seen, for the report and a timeout's message (e.g. "status creating"). */
  detail: string;
}

/** One deadline shared by every wait of a run. */
export interface ReadinessBudget {
  /** When every wait of the run must be done (on `ReadinessClock.now()`'s scale). */
  readonly deadline: number;
  /** The whole allowance when the budget was set, for messages. */
  readonly allowanceMs: number;
  /** What the allowance is, for messages: "the RTO budget left" … */
  readonly source: string;
}

export interface ReadinessClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: ReadinessClock = { now: () => Date.now(), sleep };

/** What the readiness checks look at; `sdkProbes` asks AWS, tests can fake it. */
export interface ReadinessProbes {
  database(identifier: string): Promise<Probe>;
  service(cluster: string, service: string): Promise<Probe>;
  targets(targetGroupArn: string, desiredCount: number): Promise<Probe>;
}

export interface ReadinessTargets {
  databaseIdentifier: string;
  clusterName: string;
  serviceName: string;
  targetGroupArn: string;
  desiredCount: number;
}

export interface StepResult {
  step: ReadinessStep;
  name: string;
  ok: boolean;
  detail: string;
  durationMs: number;
}

export interface WaitOptions {
  clock?: ReadinessClock;
  signal?: AbortSignal;
  /** First pause between two looks (doubles up to `maxIntervalMs`). */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /** What to tell the operator when the wait times out. */
  hint?: string;
  /** Called once per step when it is found ready. */
  onReady?: (result: StepResult) => void;
}

/** The state each step waits for. */
export const READY_STATE: Record<ReadinessStep, string> = {
  database: "available",
  service: "steady",
  targets: "healthy",
};

/** What each step looks at, as said in events and errors. */
export function stepSubject(
  step: ReadinessStep,
  targets: Pick<ReadinessTargets, "databaseIdentifier" | "serviceName">,
): string {
  switch (step) {
    case "database":
      return `database ${targets.databaseIdentifier}`;
    case "service":
      return `ECS service ${targets.serviceName}`;
    case "targets":
      return `the target group's targets of ${targets.serviceName}`;
  }
}

/**
 * Looks at one step until it is ready or the run's deadline passes. A miss is
 * WAIT_TIMED_OUT naming the step and what was last seen.
 */
export async function waitForStep(
  step: ReadinessStep,
  subject: string,
  probe: () => Promise<Probe>,
  budget: ReadinessBudget,
  options: WaitOptions = {},
): Promise<StepResult> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const started = clock.now();
  let interval = options.initialIntervalMs ?? 1_000;
  let last: Probe = { ready: false, detail: "not looked at" };
  for (;;) {
    last = await probe();
    if (last.ready) {
      const result = {
        step,
        name: `${subject} ${READY_STATE[step]}`,
        ok: true,
        detail: last.detail,
        durationMs: clock.now() - started,
      };
      options.onReady?.(result);
      return result;
    }
    const left = budget.deadline - clock.now();
    if (left <= 0 || options.signal?.aborted) break;
    await clock.sleep(Math.min(interval, left), options.signal);
    interval = Math.min(interval * 2, options.maxIntervalMs ?? 15_000);
  }
  throw new ToolError(
    "WAIT_TIMED_OUT",
    `${subject} was not ${READY_STATE[step]} within ${formatDuration(budget.allowanceMs)}, ${budget.source} (step ${step})`,
    { details: [`last seen: ${last.detail}`], hint: options.hint },
  );
}

/** The three steps in order, all on one deadline. */
export async function waitUntilReady(
  probes: ReadinessProbes,
  targets: ReadinessTargets,
  budget: ReadinessBudget,
  options: WaitOptions = {},
): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const looks: Record<ReadinessStep, () => Promise<Probe>> = {
    database: () => probes.database(targets.databaseIdentifier),
    service: () => probes.service(targets.clusterName, targets.serviceName),
    targets: () => probes.targets(targets.targetGroupArn, targets.desiredCount),
  };
  for (const step of READINESS_STEPS) {
    results.push(await waitForStep(step, stepSubject(step, targets), looks[step], budget, options));
  }
  return results;
}

/** The probes on the AWS API of the target region; a call that fails after the SDK's retries is AWS_CALL_FAILED. */
export function sdkProbes(aws: AwsClients, region: string): ReadinessProbes {
  const probes: ReadinessProbes = {
    async database(identifier) {
      const found = await aws
        .rds(region)
        .send(new RDS.DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))
        .then((out) => out.DBInstances?.[0])
        .catch((error: unknown) => {
          if ((error as { name?: string }).name?.startsWith("DBInstanceNotFound")) return undefined;
          throw error;
        });
      if (!found) return { ready: false, detail: "not found" };
      const status = found.DBInstanceStatus ?? "unknown";
      const address = found.Endpoint?.Address;
      return { ready: status === "available" && Boolean(address), detail: `status ${status}` };
    },
    async service(cluster, service) {
      const out = await aws.ecs(region).send(new ECS.DescribeServicesCommand({ cluster, services: [service] }));
      const found = out.services?.[0];
      if (!found) return { ready: false, detail: "not found" };
      const deployments = found.deployments?.length ?? 0;
      const running = found.runningCount ?? 0;
      const desired = found.desiredCount ?? 0;
      return {
        ready: found.status === "ACTIVE" && deployments === 1 && running === desired && desired > 0,
        detail: `${found.status}, ${running}/${desired} running, ${deployments} deployment(s)`,
      };
    },
    async targets(targetGroupArn, desiredCount) {
      const out = await aws
        .elbv2(region)
        .send(new ELBv2.DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
      const states = (out.TargetHealthDescriptions ?? []).map((target) => target.TargetHealth?.State ?? "unknown");
      const healthy = states.filter((state) => state === "healthy").length;
      const others = [...new Set(states.filter((state) => state !== "healthy"))]
        .map((state) => `${states.filter((s) => s === state).length} ${state}`)
        .join(", ");
      return {
        ready: healthy >= Math.max(1, desiredCount),
        detail: `${healthy}/${desiredCount} healthy${others ? ` (${others})` : ""}`,
      };
    },
  };
  const wrapped =
    <A extends unknown[]>(what: string, look: (...args: A) => Promise<Probe>) =>
    (...args: A) =>
      look(...args).catch((error: unknown) => {
        throw wrapAwsError(`${what} (readiness check)`, error);
      });
  return {
    database: wrapped("DescribeDBInstances", probes.database),
    service: wrapped("DescribeServices", probes.service),
    targets: wrapped("DescribeTargetHealth", probes.targets),
  };
}
