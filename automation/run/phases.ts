/** The phases the journeys share: preflight, stack setup, provision, verification, teardown, crash recovery. */
import { type ConfigMap, Stack, type LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import type { DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { ARGS_KEY, CONFIG_NAMESPACE, INCIDENT_KEY, PASSWORD_KEY } from "../../stacks/config.js";
import { formatDuration, type Span } from "../clock.js";
import { measuredCriticalPath, type StateResource } from "../critical-path.js";
import { ToolError, UsageError, VerificationError } from "../errors.js";
import type { JourneyContext, ProvisionOptions } from "./context.js";
import { runPreflight, type PreflightResult } from "../preflight.js";
import {
  type ReadinessBudget,
  type ReadinessClock,
  type StepResult,
  SYSTEM_CLOCK,
  sdkProbes,
  stepSubject,
  waitForStep,
  waitUntilReady,
} from "../readiness.js";
import { namesHeldByStack, type RecoveryResult, recoverStack } from "../recovery.js";
import { RDS } from "../sdk.js";
import { wrapAwsError } from "../aws.js";
import { backendStoreFor } from "../backend-store.js";
import { acquireJourneyLock } from "../journey-lock.js";
import type { DrEvent } from "../events.js";
import { listReports } from "../report/store.js";
import {
  baselinesFrom,
  evaluateSqlCheck,
  queryDirect,
  queryByTask,
  reachableFromTool,
  readConnectionSecret,
  type SqlCheckResult,
} from "../sql-checks.js";
import {
  checkEcsService,
  checkHealth,
  checkHttpsRedirect,
  checkObjectVersionRestore,
  runOperatorChecks,
  type CheckResult,
} from "../verify.js";
import {
  backendRegionWarning,
  checkStateBackend,
  dropSharedStackSettings,
  engineEventHandler,
  findStack,
  openWorkspace,
  SUMMARY_WITHOUT_SECRETS,
  writeStackConfig,
} from "../workspace.js";
import { backendUrlOf, concernOf, CONCERNS, parseUrn, RESOURCE_TYPES } from "../vocabulary.js";
import { engineError } from "./engine-errors.js";
import { newPassword } from "./ids.js";
import type { Run } from "./run.js";
import { type StackResourceNames, toOutputs } from "./stack-args.js";

/** Derives the database/service/dns phases from the resource spans of the update. */
function addConcernPhases(run: Run, spans: Span[]) {
  for (const concern of CONCERNS) {
    run.clock.addDerivedPhase(
      concern,
      spans.filter((span) => span.kind === "resource" && concernOf(span.resourceType ?? "", span.name) === concern),
    );
  }
}

/**
 * What the run's stack already holds, by name: a drill's stack is always new;
 * a failover's may be a re-run's. Read-only (no recovery, no lock).
 */
async function namesHeldByRunStack(run: Run, workspaceReady?: Promise<LocalWorkspace>): Promise<ReadonlySet<string>> {
  if (run.journey === "drill") return new Set();
  const stack = await findStack(
    run.ctx.workspace,
    await (workspaceReady ?? openWorkspace(run.ctx.workspace)),
    run.stackName,
  );
  return stack ? namesHeldByStack(stack) : new Set();
}

export async function preflightPhase(
  run: Run,
  journey: "drill" | "failover" | "preview",
  options: ProvisionOptions,
  names: StackResourceNames,
  workspaceReady?: Promise<LocalWorkspace>,
): Promise<PreflightResult> {
  const { ctx } = run;
  return run.phase("preflight", async () => {
    const warning = backendRegionWarning(backendUrlOf(ctx.workspace), ctx.plan.sourceRegion);
    if (warning) run.emit({ type: "warning", code: "BACKEND_IN_SOURCE_REGION", message: warning });
    // Secrets passphrase and state backend usable, before anything is created (a preview opened its own).
    if (journey !== "preview") {
      await checkStateBackend(ctx.workspace);
      await takeJourneyLock(run);
    }
    const result = await runPreflight(ctx.aws, {
      plan: ctx.plan,
      targetRegion: ctx.targetRegion,
      journey,
      incidentStart: run.clock.incidentStart,
      snapshotIdentifier: options.snapshotIdentifier,
      restoreTime: parseRestoreTime(options),
      acceptDataLoss: options.acceptDataLoss ?? false,
      claims: { names, ownedByStack: namesHeldByRunStack(run, workspaceReady) },
    });
    for (const item of result.warnings) run.emit({ type: "warning", ...item });
    for (const message of result.notes) run.emit({ type: "info", message });
    const { storage } = result;
    run.report.storage = {
      replicaBucket: storage.bucket,
      versioning: storage.versioning,
      replication:
        storage.replication.state === "targets-replica"
          ? `rule ${storage.replication.ruleId} of ${ctx.plan.targets[ctx.targetRegion].storage.sourceBucket}`
          : `not checked (${storage.replication.reason})`,
      newestObjectKey: storage.newestObject?.key,
      newestObjectAt: storage.newestObject?.lastModified.toISOString(),
      newestObjectAgeMs: storage.newestObject
        ? Math.max(0, run.clock.incidentStart.getTime() - storage.newestObject.lastModified.getTime())
        : undefined,
      note: storage.newestObjectNote,
    };
    if (result.replicaSecretPassword) run.secrets.push(result.replicaSecretPassword);
    const point = result.restorePoint;
    run.report.rpo = {
      restorePoint: point.capturedAt.toISOString(),
      source: point.source,
      snapshotIdentifier: point.snapshotIdentifier,
      automatedBackupsArn: point.automatedBackupsArn,
      dataLossWindowMs: result.dataLossWindowMs,
      met: result.dataLossWindowMs <= ctx.plan.objectives.rpo,
    };
    if (result.cache) {
      const { backup, ageMs } = result.cache;
      run.report.cache = {
        source: backup.source,
        backup: backup.label,
        capturedAt: backup.capturedAt.toISOString(),
        ageMs,
        maxAgeMs: ctx.plan.cache?.backup.maxAge,
      };
      run.emit({ type: "info", message: `cache backup ${backup.label} (${backup.capturedAt.toISOString()})` });
    }
    run.emit({
      type: "info",
      message:
        point.source === "snapshot"
          ? `restore point ${point.label} (${point.capturedAt.toISOString()})`
          : `restore point: ${point.label} (restore window ${point.restoreWindow!.earliest.toISOString()} to ${point.restoreWindow!.latest.toISOString()})`,
    });
    return result;
  });
}

/** `--restore-time`: an ISO 8601 time, and not together with `--snapshot` (a usage error, nothing created). */
function parseRestoreTime(options: ProvisionOptions): Date | undefined {
  if (options.restoreTime === undefined) return undefined;
  if (options.snapshotIdentifier) {
    throw new UsageError("RESTORE_SOURCE_CONFLICT", "--restore-time and --snapshot name two restore points", {
      hint: "Give --snapshot to restore a snapshot copy, or --restore-time to restore the replicated automated backups to a point in time.",
    });
  }
  const parsed = new Date(options.restoreTime);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(options.restoreTime) || Number.isNaN(parsed.getTime())) {
    throw new UsageError("RESTORE_TIME_INVALID", `--restore-time ${options.restoreTime} is not an ISO 8601 time`, {
      hint: "Give the point to restore to, e.g. --restore-time 2026-11-28T02:55:00+09:00 (default: the latest restorable time).",
    });
  }
  return parsed;
}

/**
 * Takes the lock of the run's app and target region in the state backend
 * (journey-lock.ts) before anything is created; the journey's end releases it.
 * A backend that keeps no lock (Pulumi Cloud, gs://, azblob://) is said once.
 */
export async function takeJourneyLock(run: Run): Promise<void> {
  const { ctx } = run;
  const store = backendStoreFor(backendUrlOf(ctx.workspace), ctx.targetRegion);
  if (!store) {
    run.emit({
      type: "warning",
      code: "JOURNEY_LOCK_UNAVAILABLE",
      message: `the state backend ${backendUrlOf(ctx.workspace).split("?")[0]} keeps no dr-failover journey lock: make sure no one else runs a journey of ${ctx.plan.app} in ${ctx.targetRegion} now`,
    });
    return;
  }
  run.journeyLock = await acquireJourneyLock(
    store,
    {
      app: ctx.plan.app,
      targetRegion: ctx.targetRegion,
      holder: { journey: run.journey, runId: run.runId, stackName: run.stackName },
    },
    (event) => run.emit(event),
  );
  await run.journal.write("journey-lock", "info", `taken at ${run.journeyLock.where}`);
}

/**
 * Opens the workspace while preflight's AWS calls are in flight: loading the
 * program (@pulumi/aws) and the CLI's version check are then off the
 * RTO path. Creates nothing (no stack); a failure surfaces where it is awaited.
 */
export function prepareWorkspace(ctx: JourneyContext): Promise<LocalWorkspace> {
  const ready = openWorkspace(ctx.workspace);
  ready.catch(() => undefined);
  return ready;
}

/** Creates or selects the stack and writes its config; the password is created once and kept. */
export async function configureStack(
  run: Run,
  args: DrStackArgs,
  preflight: PreflightResult,
  workspaceReady?: Promise<LocalWorkspace>,
): Promise<Stack> {
  const workspace = await (workspaceReady ?? openWorkspace(run.ctx.workspace));
  // A drill's stack is always new; only a stack that existed can hold what a killed run left.
  const existed = run.journey === "drill" ? undefined : await findStack(run.ctx.workspace, workspace, run.stackName);
  const stack = existed ?? (await Stack.create(run.stackName, workspace));
  if (existed) run.adoptedUrns.push(...(await recover(run, stack)).adopted);
  await writeStackConfig(
    run.ctx.workspace,
    stack,
    stackConfigFor(run, args, preflight, existed ? await stack.getAllConfig() : {}),
  );
  return stack;
}

/**
 * The stack's config for this run: its arguments, and the password. What an
 * existing stack holds is kept: the connection secret's name (a re-run must not
 * rename it) and the password (created once).
 */
export function stackConfigFor(
  run: Run,
  args: DrStackArgs,
  preflight: PreflightResult,
  existing: ConfigMap,
): ConfigMap {
  const previousArgs = existing[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value;
  if (previousArgs) {
    const previous = JSON.parse(previousArgs) as DrStackArgs;
    args.secret.name = previous.secret.name;
    // The provider's default tags name the run that created the stack: a new run id on a re-run
    // would change every resource's tags_all, and the real provider would update them all.
    if (previous.tags) args.tags = previous.tags;
    // The restore source the database was created from, as for the snapshot: a re-run never
    // restores again (and the report of a re-run names what the database really came from).
    if (previous.database) {
      args.database.snapshotIdentifier = previous.database.snapshotIdentifier;
      args.database.restoreToPointInTime = previous.database.restoreToPointInTime;
    }
    // The same for the cache: what it was seeded from, and the final snapshot name its destroy takes.
    if (previous.cache && args.cache) {
      args.cache.snapshotArns = previous.cache.snapshotArns;
      args.cache.snapshotName = previous.cache.snapshotName;
      args.cache.finalSnapshotIdentifier = previous.cache.finalSnapshotIdentifier;
    }
  }
  const existingPassword = existing[`${CONFIG_NAMESPACE}:${PASSWORD_KEY}`]?.value;
  const password =
    preflight.replicaSecretPassword ??
    (existingPassword && existingPassword !== "[secret]" ? existingPassword : undefined) ??
    newPassword();
  run.secrets.push(password);
  run.databasePassword = password;
  // The incident clock: the first run's start, kept by re-runs (the run itself started from it, see
  // continuedIncident), replaced only when the operator gave --incident-start.
  const incident =
    existing[INCIDENT_KEY] && !run.ctx.incidentStartGiven
      ? existing[INCIDENT_KEY].value
      : JSON.stringify({ start: run.clock.incidentStart.toISOString(), runId: run.runId });
  return {
    [`${CONFIG_NAMESPACE}:${ARGS_KEY}`]: { value: JSON.stringify(args) },
    [`${CONFIG_NAMESPACE}:${PASSWORD_KEY}`]: { value: password, secret: true },
    [INCIDENT_KEY]: { value: incident },
  };
}

/**
 * The incident start an earlier run of this failover stack recorded, when the operator gave none:
 * a re-run after a crash continues that clock (RTO counts the time lost to the crash). Best effort:
 * a stack that cannot be read now is reported by the phases that need it.
 */
export async function continuedIncident(
  ctx: JourneyContext,
  stackName: string,
  workspaceReady: Promise<LocalWorkspace>,
): Promise<{ start: Date; runId: string } | undefined> {
  if (ctx.incidentStart) return undefined;
  try {
    const stack = await findStack(ctx.workspace, await workspaceReady, stackName);
    const recorded = stack ? await stack.getConfig(INCIDENT_KEY).catch(() => undefined) : undefined;
    if (!recorded) return undefined;
    const { start, runId } = JSON.parse(recorded.value) as { start: string; runId: string };
    return { start: new Date(start), runId };
  } catch {
    return undefined;
  }
}

/**
 * How long the readiness waits may take together once the RTO budget is spent
 * (a late failover): the provider's default create timeout of a database.
 */
export const READINESS_LIMIT_WHEN_SPENT_MS = 40 * 60_000;

/**
 * The one deadline of every readiness wait of the run, set by the first wait:
 * the RTO budget left then (the budget ends at incident start + RTO whoever
 * waits), or, once it is spent, READINESS_LIMIT_WHEN_SPENT_MS with a warning.
 */
export function readinessBudgetFor(run: Run, clock: ReadinessClock = SYSTEM_CLOCK): ReadinessBudget {
  if (run.readinessBudget) return run.readinessBudget;
  const leftMs = run.budgetLeftMs();
  if (leftMs > 0) {
    run.readinessBudget = { deadline: clock.now() + leftMs, allowanceMs: leftMs, source: "the RTO budget left" };
  } else {
    run.emit({
      type: "warning",
      code: "RTO_BUDGET_SPENT",
      message: `the RTO budget (${formatDuration(run.report.objectives.rtoMs)}) was spent before the readiness checks started: the database, the service and its targets get ${formatDuration(READINESS_LIMIT_WHEN_SPENT_MS)} together`,
    });
    run.readinessBudget = {
      deadline: clock.now() + READINESS_LIMIT_WHEN_SPENT_MS,
      allowanceMs: READINESS_LIMIT_WHEN_SPENT_MS,
      source: "the limit once the RTO budget is spent",
    };
  }
  return run.readinessBudget;
}

function readinessHint(run: Run): string {
  return run.journey === "drill"
    ? `The RTO is missed at this pace. The drill tears down what it created (if that fails too: dr-failover destroy --stack ${run.stackName}).`
    : "The RTO is missed at this pace; production DNS was not switched. Check it in the AWS console, then re-run the same command: it resumes with the same resources and switches DNS only once the database, the service and its targets are ready.";
}

function readinessOptions(run: Run) {
  return {
    signal: run.ctx.signal,
    hint: readinessHint(run),
    initialIntervalMs: run.ctx.readinessPollIntervalMs,
    onReady: (result: StepResult) => {
      run.report.readiness = [...(run.report.readiness ?? []), result];
      run.emit({ type: "info", message: `${result.name} (${result.detail})` });
    },
  };
}

/**
 * Before the update of an existing stack: what a previous run left half-created
 * (a create that returned init errors, e.g. a restore that outlasted the
 * provider's timeout, or a create crash recovery adopted) is made whole by the
 * driver, because the engine's "continue" update neither waits nor sets the
 * master password. The database is waited for (on the run's one deadline), its
 * master password is set explicitly when the plan resets it, and the
 * half-created resources are refreshed so the state holds their live outputs
 * (the address the connection secret needs) and no init errors.
 */
export async function resumeHalfCreated(run: Run, stack: Stack, args: DrStackArgs): Promise<void> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: StateResource[] } | undefined)?.resources ?? [];
  const halfCreated = resources.filter(
    (resource) =>
      (resource as { initErrors?: string[] }).initErrors?.length ||
      (resource.type === RESOURCE_TYPES.rdsInstance && run.adoptedUrns.includes(resource.urn)),
  );
  if (!halfCreated.length) return;
  const names = halfCreated.map((resource) => `${parseUrn(resource.urn).name} (${resource.type})`).join(", ");
  const database = halfCreated.find((resource) => resource.type === RESOURCE_TYPES.rdsInstance);
  const message = `the previous run left ${names} half-created: ${
    database
      ? `waiting for the database, ${args.database.resetPassword ? "setting its master password, " : ""}then refreshing`
      : "refreshing"
  } before the update`;
  run.emit({ type: "warning", code: "RESUMING_HALF_CREATED", message });
  await run.journal.write("recovery", "info", message);
  await run.phase("readiness", async () => {
    const { ctx } = run;
    const identifier = args.database.identifier;
    if (database) {
      const probes = sdkProbes(ctx.aws, ctx.targetRegion);
      const subject = stepSubject("database", { databaseIdentifier: identifier, serviceName: args.service.name });
      const look = () => probes.database(identifier);
      await waitForStep("database", subject, look, readinessBudgetFor(run), readinessOptions(run));
      if (args.database.resetPassword) {
        await setMasterPassword(run, identifier);
        // On AWS the instance goes through resetting-master-credentials; the secret must not point at it before.
        await waitForStep("database", subject, look, readinessBudgetFor(run), {
          ...readinessOptions(run),
          onReady: undefined,
        });
      }
    }
    try {
      await stack.refresh({
        target: halfCreated.map((resource) => resource.urn),
        color: "never",
        signal: ctx.signal,
        ...SUMMARY_WITHOUT_SECRETS,
      });
    } catch (error) {
      throw engineError(run, "refresh", error);
    }
  });
}

/**
 * After an update that restored the database to a point in time: the provider's
 * restore_to_point_in_time branch sends neither the password nor the backup settings
 * and modifies nothing after its wait (unlike the snapshot branch), and a later `up`
 * sees no change to apply. The driver applies them once, right after the restore,
 * before the readiness waits: the master password (credentials.mode reset) and the
 * backup retention and window.
 */
export async function completePointInTimeRestore(run: Run, args: DrStackArgs, spansBefore: number): Promise<void> {
  if (!args.database.restoreToPointInTime) return;
  const restoredNow = run.clock.spans
    .slice(spansBefore)
    .some((span) => span.kind === "resource" && span.resourceType === RESOURCE_TYPES.rdsInstance);
  if (!restoredNow) return;
  const identifier = args.database.identifier;
  await run.phase("readiness", async () => {
    const password = args.database.resetPassword ? run.databasePassword : undefined;
    if (args.database.resetPassword && !password)
      throw new ToolError("STACK_CONFIG_MISSING", `the stack ${run.stackName} holds no database password`);
    try {
      await run.ctx.aws.rds(run.ctx.targetRegion).send(
        new RDS.ModifyDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          MasterUserPassword: password,
          BackupRetentionPeriod: args.database.backupRetentionPeriod,
          PreferredBackupWindow: args.database.backupWindow,
          ApplyImmediately: true,
        }),
      );
    } catch (error) {
      throw wrapAwsError(`completing the point-in-time restore of ${identifier}`, error);
    }
    const what = `${password ? "master password and " : ""}backup settings of ${identifier} set`;
    await run.journal.write("readiness", "info", what);
    run.emit({ type: "info", message: `${what} (a point-in-time restore keeps the source's)` });
  });
}

/** ModifyDBInstance with the stack's password: what the provider's create did not get to after a timeout. */
async function setMasterPassword(run: Run, identifier: string): Promise<void> {
  const password = run.databasePassword;
  if (!password) throw new ToolError("STACK_CONFIG_MISSING", `the stack ${run.stackName} holds no database password`);
  try {
    await run.ctx.aws.rds(run.ctx.targetRegion).send(
      new RDS.ModifyDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        MasterUserPassword: password,
        ApplyImmediately: true,
      }),
    );
  } catch (error) {
    throw wrapAwsError(`setting the master password of ${identifier}`, error);
  }
  await run.journal.write("readiness", "info", `master password of ${identifier} set`);
  run.emit({ type: "info", message: `master password of ${identifier} set (the restore kept the snapshot's)` });
}

/**
 * After the update, before anything depends on the DR environment (the
 * production switch, verification): the database available, the service
 * steady, its targets healthy, checked by the driver on the run's one deadline.
 */
export async function readinessPhase(run: Run, outputs: DrStackOutputs, desiredCount: number): Promise<void> {
  const { ctx } = run;
  await run.phase("readiness", () =>
    waitUntilReady(
      sdkProbes(ctx.aws, ctx.targetRegion),
      {
        databaseIdentifier: outputs.databaseIdentifier,
        clusterName: outputs.clusterName,
        serviceName: outputs.serviceName,
        targetGroupArn: outputs.targetGroupArn,
        desiredCount,
      },
      readinessBudgetFor(run),
      readinessOptions(run),
    ),
  );
}

export async function provisionPhase(run: Run, stack: Stack): Promise<DrStackOutputs> {
  const started = run.clock.spans.length;
  try {
    const result = await run.phase("provision", () =>
      stack.up({
        onEvent: engineEventHandler(run.clock, (event) => run.emit(event)),
        signal: run.ctx.signal,
        color: "never",
        ...SUMMARY_WITHOUT_SECRETS,
      }),
    );
    return toOutputs(result.outputs);
  } catch (error) {
    throw engineError(run, "up", error);
  } finally {
    addConcernPhases(run, run.clock.spans.slice(started));
  }
}

/** A stack left behind by a killed run: stale lock cleared, pending operations adopted or dropped (see recovery.ts). */
export async function recover(run: Run, stack: Stack): Promise<RecoveryResult> {
  const { ctx } = run;
  return recoverStack(
    {
      aws: ctx.aws,
      region: ctx.targetRegion,
      backendUrl: backendUrlOf(ctx.workspace),
      emit: (event) => run.emit(event),
      journal: run.journal,
    },
    stack,
  );
}

/**
 * The update's critical path from the stack's dependency graph and the measured
 * resource spans. Called after the RTO clock stopped (exportStack costs a CLI
 * call); best effort: a report without it is still a report.
 */
export async function recordCriticalPath(run: Run, stack: Stack): Promise<void> {
  if (!run.clock.spans.some((span) => span.kind === "resource")) return;
  try {
    const state = await stack.exportStack();
    const resources = (state.deployment as { resources?: StateResource[] } | undefined)?.resources ?? [];
    const path = measuredCriticalPath(resources, run.clock.spans);
    if (path.length) run.report.criticalPath = path;
  } catch {
    // The path is an aid for reading the report, never a reason to fail the run.
  }
}

/** The app's health through `hostname`, as the plan asks for it (path, status, patience). */
export function checkPlanHealth(ctx: JourneyContext, hostname: string): Promise<CheckResult> {
  return checkHealth({
    hostname,
    path: ctx.plan.service.healthCheckPath,
    expectStatus: ctx.plan.verification.expectStatus,
    timeoutMs: ctx.plan.verification.healthTimeout,
    connectTo: ctx.connectTo,
    signal: ctx.signal,
  });
}

export async function verificationPhase(
  run: Run,
  outputs: DrStackOutputs,
  hostname: string,
  ttlSeconds: number | undefined,
): Promise<void> {
  const { ctx } = run;
  await run.phase("verification", async () => {
    const health = await checkPlanHealth(ctx, hostname);
    if (health.ok) run.markRecovered(ttlSeconds);
    const results: CheckResult[] = [
      health,
      await checkHttpsRedirect({ hostname, path: ctx.plan.service.healthCheckPath, connectTo: ctx.connectTo }),
      await checkEcsService(ctx.aws, ctx.targetRegion, outputs.clusterName, outputs.serviceName),
    ];
    // The runbook's monthly "restore a file from S3 versions", read-only: a drill proves it, a failover has no time for it.
    if (run.journey === "drill")
      results.push(
        await checkObjectVersionRestore(
          ctx.aws,
          ctx.targetRegion,
          ctx.plan.targets[ctx.targetRegion].storage.replicaBucket,
          ctx.plan.verification.versionSamplePrefix,
        ),
      );
    results.push(
      ...(await runOperatorChecks(
        ctx.plan.verification.commands,
        {
          DR_TARGET_REGION: ctx.targetRegion,
          DR_DB_HOST: outputs.databaseAddress,
          DR_DB_PORT: String(outputs.databasePort),
          DR_DB_NAME: ctx.plan.database.databaseName,
          DR_DB_USER: outputs.databaseUsername,
          DR_DB_SECRET_ARN: outputs.secretArn,
          DR_SERVICE_URL: `https://${hostname}`,
          DR_MODE: run.journey,
        },
        (text) => run.redact(text),
      )),
    );
    run.report.verification = results;
    const dataChecks = ctx.plan.verification.sql ? await dataChecksPhase(run, outputs) : [];
    const failed = [
      ...results.filter((result) => !result.ok).map((result) => `${result.name}: ${result.detail}`),
      ...dataChecks
        .filter((check) => !check.ok)
        .map((check) => `data check ${check.name}: ${check.detail} (expected ${check.expectation})`),
    ];
    if (failed.length) {
      throw new VerificationError("VERIFICATION_FAILED", `${failed.length} verification check(s) failed`, {
        details: failed,
      });
    }
  });
}

/**
 * The plan's data checks (verification.sql) with the DR connection secret's
 * credentials: the password is registered for redaction before anything can
 * print it. Each value is compared with its expectation, a `within` with the
 * last successful drill's value (from the reports in the state directory).
 */
async function dataChecksPhase(run: Run, outputs: DrStackOutputs): Promise<SqlCheckResult[]> {
  const { ctx } = run;
  const sql = ctx.plan.verification.sql!;
  const baselines = baselinesFrom(await listReports(ctx.workspace.stateDir).catch(() => []), {
    app: ctx.plan.app,
    targetRegion: ctx.targetRegion,
    emulator: run.report.emulator,
  });
  let outcomes: Awaited<ReturnType<typeof queryDirect>>;
  if (sql.runner === "direct") {
    const held = await readConnectionSecret(ctx.aws, ctx.targetRegion, outputs.secretArn);
    run.secrets.push(held.password);
    const connection = reachableFromTool(held, outputs);
    outcomes = await queryDirect(connection, sql.checks, { timeoutMs: sql.timeout });
  } else {
    // ECS injects the secret into the task: the tool never reads the password for this runner.
    outcomes = await queryByTask(ctx.aws, {
      region: ctx.targetRegion,
      cluster: outputs.clusterName,
      service: outputs.serviceName,
      secretArn: outputs.secretArn,
      image: sql.image,
      checks: sql.checks,
      timeoutMs: sql.timeout,
      signal: ctx.signal,
      pollIntervalMs: ctx.dnsPollIntervalMs,
      keepLog: run.journey !== "drill",
    });
  }
  const results = sql.checks.map((check) =>
    evaluateSqlCheck(check, outcomes.get(check.name) ?? { error: "not run" }, baselines.get(check.name)),
  );
  for (const result of results) {
    result.detail = run.redact(result.detail);
    run.emit({
      type: result.ok ? "info" : "warning",
      ...(result.ok ? {} : { code: "DATA_CHECK_FAILED" }),
      message: `data check ${result.name}: ${result.value ?? "no value"} (expected ${result.expectation})${result.ok ? "" : `: ${result.detail}`}`,
    } as DrEvent);
  }
  run.report.dataChecks = results;
  return results;
}

/** `signal`: only for destroy; a drill's teardown in `finally` must run to the end even after a Ctrl-C (a second one aborts). */
export async function teardownStack(run: Run, stack: Stack, signal?: AbortSignal): Promise<void> {
  await run.phase("teardown", async () => {
    try {
      await stack.destroy({
        onEvent: engineEventHandler(run.clock, (event) => run.emit(event)),
        color: "never",
        remove: true,
        signal,
        ...SUMMARY_WITHOUT_SECRETS,
      });
    } catch (error) {
      throw engineError(run, "destroy", error);
    }
    await dropSharedStackSettings(run.ctx.workspace, stack.name);
  });
}
