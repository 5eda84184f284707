/** The phases the journeys share: preflight, stack setup, provision, verification, teardown, crash recovery. */
import { Stack, StackNotFoundError, type LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import type { DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { ARGS_KEY, CONFIG_NAMESPACE, PASSWORD_KEY } from "../../stacks/config.js";
import { formatDuration, type Span } from "../clock.js";
import { measuredCriticalPath, type StateResource } from "../critical-path.js";
import { VerificationError } from "../errors.js";
import type { JourneyContext, ProvisionOptions } from "./context.js";
import { runPreflight, type PreflightResult } from "../preflight.js";
import { recoverStack } from "../recovery.js";
import { checkEcsService, checkHealth, runOperatorChecks, type CheckResult } from "../verify.js";
import {
  backendRegionWarning,
  checkStateBackend,
  engineEventHandler,
  openWorkspace,
  SUMMARY_WITHOUT_SECRETS,
} from "../workspace.js";
import { backendUrlOf, concernOf, CONCERNS } from "../vocabulary.js";
import { engineError } from "./engine-errors.js";
import { newPassword } from "./ids.js";
import type { Run } from "./run.js";
import { toOutputs } from "./stack-args.js";

/** Derives the database/service/dns phases from the resource spans of the update. */
function addConcernPhases(run: Run, spans: Span[]) {
  for (const concern of CONCERNS) {
    run.clock.addDerivedPhase(
      concern,
      spans.filter((span) => span.kind === "resource" && concernOf(span.resourceType ?? "") === concern),
    );
  }
}

export async function preflightPhase(
  run: Run,
  journey: "drill" | "failover" | "preview",
  options: ProvisionOptions,
): Promise<PreflightResult> {
  const { ctx } = run;
  return run.phase("preflight", async () => {
    const warning = backendRegionWarning(backendUrlOf(ctx.workspace), ctx.plan.sourceRegion);
    if (warning) run.emit({ type: "warning", code: "BACKEND_IN_SOURCE_REGION", message: warning });
    // Secrets passphrase and state backend usable, before anything is created.
    await checkStateBackend(ctx.workspace);
    const result = await runPreflight(ctx.aws, {
      plan: ctx.plan,
      targetRegion: ctx.targetRegion,
      journey,
      incidentStart: run.clock.incidentStart,
      snapshotIdentifier: options.snapshotIdentifier,
      acceptDataLoss: options.acceptDataLoss ?? false,
    });
    for (const item of result.warnings) run.emit({ type: "warning", ...item });
    if (result.replicaSecretPassword) run.secrets.push(result.replicaSecretPassword);
    run.report.rpo = {
      restorePoint: result.restorePoint.capturedAt.toISOString(),
      snapshotIdentifier: result.restorePoint.snapshotIdentifier,
      dataLossWindowMs: result.dataLossWindowMs,
      met: result.dataLossWindowMs <= ctx.plan.objectives.rpo,
    };
    run.emit({
      type: "info",
      message: `restore point ${result.restorePoint.snapshotIdentifier} (${result.restorePoint.capturedAt.toISOString()})`,
    });
    return result;
  });
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
  const existed =
    run.journey === "drill"
      ? undefined
      : await Stack.select(run.stackName, workspace).catch((error) => {
          if (error instanceof StackNotFoundError) return undefined;
          throw error;
        });
  const stack = existed ?? (await Stack.create(run.stackName, workspace));
  if (existed) await recover(run, stack);
  const existing = existed ? await stack.getAllConfig() : {};
  const previousArgs = existing[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value;
  if (previousArgs) args.secret.name = (JSON.parse(previousArgs) as DrStackArgs).secret.name;
  const existingPassword = existing[`${CONFIG_NAMESPACE}:${PASSWORD_KEY}`]?.value;
  const password =
    preflight.replicaSecretPassword ??
    (existingPassword && existingPassword !== "[secret]" ? existingPassword : undefined) ??
    newPassword();
  run.secrets.push(password);
  await stack.setAllConfig({
    [`${CONFIG_NAMESPACE}:${ARGS_KEY}`]: { value: JSON.stringify(args) },
    [`${CONFIG_NAMESPACE}:${PASSWORD_KEY}`]: { value: password, secret: true },
  });
  return stack;
}

/**
 * The RTO budget left, as the engine's wait limit for the database ("available")
 * and the service (steady state): a wait that outlasts it fails naming the step,
 * instead of silently spending time the RTO does not have. Once the budget is
 * spent (a late failover), the provider's default timeouts apply.
 */
export function readyTimeoutFor(run: Run): string | undefined {
  const leftMs = run.budgetLeftMs();
  if (leftMs <= 0) {
    run.emit({
      type: "warning",
      code: "RTO_BUDGET_SPENT",
      message: `the RTO budget (${formatDuration(run.report.objectives.rtoMs)}) was spent before the update started: the database and the service wait as long as the provider's default timeouts allow`,
    });
    return undefined;
  }
  run.readyTimeoutMs = Math.ceil(leftMs / 1000) * 1000;
  return `${run.readyTimeoutMs / 1000}s`;
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
export async function recover(run: Run, stack: Stack): Promise<void> {
  const { ctx } = run;
  await recoverStack(
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

export async function verificationPhase(
  run: Run,
  outputs: DrStackOutputs,
  hostname: string,
  ttlSeconds: number | undefined,
): Promise<void> {
  const { ctx } = run;
  await run.phase("verification", async () => {
    const health = await checkHealth({
      hostname,
      path: ctx.plan.service.healthCheckPath,
      expectStatus: ctx.plan.verification.expectStatus,
      timeoutMs: ctx.plan.verification.healthTimeout,
      connectTo: ctx.connectTo,
      signal: ctx.signal,
    });
    if (health.ok) run.markRecovered(ttlSeconds);
    const results: CheckResult[] = [
      health,
      await checkEcsService(ctx.aws, ctx.targetRegion, outputs.clusterName, outputs.serviceName),
    ];
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
          DR_SERVICE_URL: `http://${hostname}`,
          DR_MODE: run.journey,
        },
        (text) => run.redact(text),
      )),
    );
    run.report.verification = results;
    const failed = results.filter((result) => !result.ok);
    if (failed.length) {
      throw new VerificationError("VERIFICATION_FAILED", `${failed.length} verification check(s) failed`, {
        details: failed.map((result) => `${result.name}: ${result.detail}`),
      });
    }
  });
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
  });
}
