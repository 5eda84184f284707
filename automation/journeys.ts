/**
 * The journeys: drill, failover, destroy, preview and status. Each is a list
 * of phases on one RunClock; everything is reported through events and a
 * RunReport, nothing is printed here.
 */
import { Stack, StackNotFoundError, type LocalWorkspace } from "@pulumi/pulumi/automation/index.js";
import { randomBytes } from "node:crypto";
import type { DrMode, DrStackArgs, DrStackOutputs } from "../stacks/args.js";
import { ARGS_KEY, CONFIG_NAMESPACE, PASSWORD_KEY } from "../stacks/config.js";
import { awsErrorName, type AwsClients } from "./aws.js";
import { formatDuration, RunClock, type Span } from "./clock.js";
import { drValueFor, readRecord, recordTarget, upsertRecord, type DnsRecordValue } from "./dns.js";
import { DrFailoverError, InterruptedError, RefusedError, ToolError, UsageError, VerificationError } from "./errors.js";
import type { DrEvent, EventSink } from "./events.js";
import { Journal } from "./journal.js";
import { TOOL_VERSION } from "./paths.js";
import { checkFailoverConfirmation, targetOf, type Plan } from "./plan.js";
import { runPreflight, type PreflightResult } from "./preflight.js";
import { recoverStack } from "./recovery.js";
import { measuredCriticalPath, type StateResource } from "./critical-path.js";
import { expectedFromHistory, watchProgress } from "./progress.js";
import { listReports, REPORT_SCHEMA_VERSION, reportSummary, writeReport, type RunReport } from "./report.js";
import type { ReportLanguage } from "./report-i18n.js";
import { checkEcsService, checkHealth, runOperatorChecks, type CheckResult, type ConnectTo } from "./verify.js";
import { backendRegionWarning, backendUrlOf, checkStateBackend, engineEventHandler, findStack, openWorkspace, stackNameFor, SUMMARY_WITHOUT_SECRETS, type WorkspaceOptions } from "./workspace.js";
import { RDS } from "./sdk.js";

export interface JourneyContext {
  plan: Plan;
  targetRegion: string;
  aws: AwsClients;
  workspace: WorkspaceOptions;
  emit: EventSink;
  signal?: AbortSignal;
  /** Emulator rehearsal: where HTTP checks really go. */
  connectTo?: ConnectTo;
  /** Start of the outage (RTO and RPO are measured from it); default: now. */
  incidentStart?: Date;
  /** The plan file, as given (recorded in the report's environment). */
  planFile?: string;
  /** Language of report.md and report.html (default English). */
  reportLanguage?: ReportLanguage;
  /** First GetChange poll of a DNS switch (default 2 s, doubling to 5 s); a benchmark on scaled time scales it too. */
  dnsPollIntervalMs?: number;
}

export interface ProvisionOptions {
  snapshotIdentifier?: string;
  acceptDataLoss?: boolean;
}

/** Config key holding the production record's value before a failover switched it. */
const PREVIOUS_RECORD_KEY = `${CONFIG_NAMESPACE}:previousProductionRecord`;

export function newRunId(mode: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*/, "").toLowerCase();
  return `${stamp}-${mode}-${randomBytes(2).toString("hex")}`;
}

/** The short part of a run id that goes into a drill's resource names. */
const shortId = (runId: string) => runId.slice(-4);

/** Replaces every known secret value in text. */
export function redactor(secrets: string[]): (text: string) => string {
  const known = secrets.filter((secret) => secret.length >= 4);
  return (text) => known.reduce((result, secret) => result.split(secret).join("[secret]"), text);
}

function newPassword(): string {
  // RDS forbids / @ " and spaces; base64url has none of them.
  return randomBytes(24).toString("base64url");
}

/** Builds the stack's arguments from the plan and what preflight resolved. */
export function stackArgsFor(plan: Plan, targetRegion: string, mode: DrMode, runId: string, preflight: PreflightResult, endpoint?: string): DrStackArgs {
  const target = targetOf(plan, targetRegion);
  const drill = mode === "drill";
  const short = drill ? shortId(runId) : "";
  const suffix = drill ? `-drill-${short}` : "";
  const ids = (refs: string[], map: Map<string, string>) => refs.map((ref) => map.get(ref)!);
  const lbBase = `${plan.app}`.slice(0, 20);
  return {
    mode,
    app: plan.app,
    targetRegion,
    runId: short,
    endpoint,
    tags: { "dr-failover:app": plan.app, "dr-failover:mode": mode, "dr-failover:run": runId },
    database: {
      identifier: `${plan.database.sourceIdentifier}${drill ? suffix : "-dr"}`.slice(0, 63),
      snapshotIdentifier: preflight.restorePoint.snapshotIdentifier,
      instanceClass: plan.database.instanceClass,
      engine: plan.database.engine,
      port: plan.database.port,
      databaseName: plan.database.databaseName,
      username: plan.database.credentials.username,
      multiAz: plan.database.multiAz,
      subnetGroupName: target.database.subnetGroup,
      securityGroupIds: ids(target.database.securityGroups, preflight.securityGroupIds),
      kmsKeyId: target.database.kmsKeyId,
      resetPassword: plan.database.credentials.mode === "reset",
      releasing: false,
    },
    storage: { replicaBucket: target.storage.replicaBucket },
    // Unique per stack generation: a destroyed failover's secret sits in its 7-day recovery window,
    // and Secrets Manager refuses a new secret of the same name meanwhile. Re-runs keep the first name.
    secret: { name: `${plan.secrets.databaseSecretName}/dr-${drill ? "drill" : "failover"}-${shortId(runId)}` },
    service: {
      cluster: `${plan.service.cluster}${suffix}`,
      name: `${plan.service.name}${suffix}`,
      image: target.service.image,
      cpu: plan.service.cpu,
      memory: plan.service.memory,
      desiredCount: plan.service.desiredCount,
      containerPort: plan.service.containerPort,
      healthCheckPath: plan.service.healthCheckPath,
      environment: plan.service.environment,
      subnetIds: ids(target.service.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.service.securityGroups, preflight.securityGroupIds),
      assignPublicIp: target.service.assignPublicIp,
    },
    loadBalancer: {
      // ALB and target group names: at most 32 characters.
      name: `${lbBase}-${drill ? `d${short}` : "dr"}`.slice(0, 32),
      targetGroupName: `${lbBase}-${drill ? `d${short}` : "dr"}-tg`.slice(0, 32),
      vpcId: preflight.vpcId,
      subnetIds: ids(target.loadBalancer.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.loadBalancer.securityGroups, preflight.securityGroupIds),
      internal: target.loadBalancer.internal,
    },
    dns: {
      zoneId: preflight.zoneId,
      ownedRecord: drill ? { name: plan.dns.drillRecord, ttl: plan.dns.ttl } : undefined,
    },
  };
}

function toOutputs(outputs: Record<string, { value: unknown }>): DrStackOutputs {
  return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value])) as unknown as DrStackOutputs;
}

/** Shared state of one run: clock, report, journal, events. */
class Run {
  readonly clock: RunClock;
  readonly report: RunReport;
  readonly journal: Journal;
  readonly secrets: string[] = [];
  /** The engine's wait limit for the database and the service in this run's update (the RTO budget left). */
  readyTimeoutMs?: number;

  /** What is left of the RTO budget now (negative once it is spent). */
  budgetLeftMs(): number {
    return this.report.objectives.rtoMs - this.clock.elapsedSinceIncidentMs();
  }

  constructor(
    readonly ctx: JourneyContext,
    readonly journey: RunReport["journey"],
    readonly runId: string,
    readonly stackName: string,
  ) {
    this.clock = new RunClock(ctx.incidentStart ?? new Date());
    this.journal = new Journal(ctx.workspace.stateDir, { runId, journey, stackName });
    const { plan } = ctx;
    this.report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      runId,
      journey,
      app: plan.app,
      sourceRegion: plan.sourceRegion,
      targetRegion: ctx.targetRegion,
      stackName,
      emulator: Boolean(ctx.workspace.emulator),
      result: "failed",
      incidentStart: this.clock.incidentStart.toISOString(),
      startedAt: this.clock.startedAt.toISOString(),
      finishedAt: "",
      objectives: { rtoMs: plan.objectives.rto, rpoMs: plan.objectives.rpo },
      verification: [],
      warnings: [],
      spans: this.clock.spans,
      versions: { tool: TOOL_VERSION, node: process.version },
      planFile: ctx.planFile,
    };
  }

  /** Raises RTO_PROJECTED_OVERRUN and PHASE_SLOWER_THAN_EXPECTED from the run's own events. */
  private watch?: ReturnType<typeof watchProgress>;

  /** Announces the run with its RTO budget and the expected phase durations (the plan's, else past runs'). */
  async start(): Promise<void> {
    const { ctx, report } = this;
    let expected: Record<string, number> = { ...ctx.plan.objectives.expectedPhaseDurations };
    if (Object.keys(expected).length === 0) {
      const past = (await listReports(ctx.workspace.stateDir).catch(() => [])).filter(
        (candidate) => candidate.app === report.app && candidate.journey === this.journey && candidate.result === "succeeded" && candidate.emulator === report.emulator,
      );
      expected = expectedFromHistory(past.slice(-10));
    }
    if (Object.keys(expected).length) report.expectedPhaseMs = expected;
    this.watch = watchProgress((warning) => this.emit({ type: "warning", ...warning }));
    this.emit({
      type: "run-started",
      runId: this.runId,
      journey: this.journey,
      targetRegion: ctx.targetRegion,
      stackName: this.stackName,
      emulator: report.emulator,
      incidentStart: report.incidentStart,
      rtoBudgetMs: report.objectives.rtoMs,
      expectedPhaseMs: report.expectedPhaseMs,
    });
  }

  emit(event: DrEvent) {
    if (event.type === "run-started") void this.journal.write("run", "started", `${event.journey} → ${event.targetRegion}`);
    if (event.type === "warning") this.report.warnings.push({ code: event.code, message: this.redact(event.message) });
    this.ctx.emit(event);
    this.watch?.observe(event);
  }

  redact(text: string): string {
    return redactor(this.secrets)(text);
  }

  async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.ctx.signal?.aborted) {
      await this.journal.write(name, "failed", "interrupted before this step started");
      throw interrupted(this.stackName, `before ${name}`);
    }
    // Journal first: whatever kills the process after the event, the journal already says where it was.
    await this.journal.write(name, "started");
    this.emit({ type: "phase-started", phase: name });
    const open = this.clock.begin(name);
    try {
      const result = await work();
      const span = open.end(true);
      this.emit({ type: "phase-finished", phase: name, durationMs: span.durationMs ?? 0, ok: true });
      await this.journal.write(name, "ok");
      return result;
    } catch (error) {
      const span = open.end(false);
      this.emit({ type: "phase-finished", phase: name, durationMs: span.durationMs ?? 0, ok: false });
      const message = this.redact(error instanceof Error ? error.message : String(error));
      // Where a Ctrl-C stopped the run, said plainly (the engine's own message is about its exit code).
      await this.journal.write(name, "failed", this.ctx.signal?.aborted ? `interrupted (Ctrl-C) during ${name}: ${message.split("\n")[0]}` : message);
      throw error;
    }
  }

  /** RTO stops here: the service answered healthy through its DNS name. */
  markRecovered(ttlSeconds?: number) {
    const achievedMs = this.clock.elapsedSinceIncidentMs();
    const budget = this.report.objectives.rtoMs;
    this.report.rto = {
      achievedMs,
      percentOfBudget: (achievedMs / budget) * 100,
      met: achievedMs <= budget,
      dnsTtlSeconds: ttlSeconds,
      achievedWithTtlMs: ttlSeconds === undefined ? undefined : achievedMs + ttlSeconds * 1000,
    };
    this.emit({ type: "clock", elapsedMs: achievedMs, budgetMs: budget });
  }

  async finish(error?: unknown): Promise<RunReport> {
    const { report } = this;
    report.finishedAt = new Date().toISOString();
    if (error === undefined) report.result = "succeeded";
    else {
      report.result = "failed";
      report.error =
        error instanceof DrFailoverError
          ? { code: error.code, message: this.redact(error.message) }
          : { code: "UNEXPECTED", message: this.redact(error instanceof Error ? error.message : String(error)) };
    }
    this.watch?.stop();
    const paths = await writeReport(this.ctx.workspace.stateDir, report, { lang: this.ctx.reportLanguage });
    await this.journal.write("finished", error === undefined ? "ok" : "failed", report.error?.code);
    this.emit({ type: "run-finished", runId: this.runId, ok: error === undefined, reportPaths: paths, summary: reportSummary(report) });
    return report;
  }
}

/** Derives the database/service/dns phases from the resource spans of the update. */
function addConcernPhases(run: Run, spans: Span[]) {
  const of = (...types: RegExp[]) => spans.filter((span) => span.kind === "resource" && types.some((type) => type.test(span.resourceType ?? "")));
  run.clock.addDerivedPhase("database", of(/^aws:rds\//, /^aws:secretsmanager\//));
  run.clock.addDerivedPhase("service", of(/^aws:ecs\//, /^aws:lb\//, /^aws:iam\//));
  run.clock.addDerivedPhase("dns", of(/^aws:route53\//));
}

async function preflightPhase(run: Run, journey: "drill" | "failover" | "preview", options: ProvisionOptions): Promise<PreflightResult> {
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
    run.emit({ type: "info", message: `restore point ${result.restorePoint.snapshotIdentifier} (${result.restorePoint.capturedAt.toISOString()})` });
    return result;
  });
}

/**
 * Opens the workspace while preflight's AWS calls are in flight: loading the
 * program (@pulumi/aws, ~1 s) and the CLI's version check are then off the
 * RTO path. Creates nothing (no stack); a failure surfaces where it is awaited.
 */
function prepareWorkspace(ctx: JourneyContext): Promise<LocalWorkspace> {
  const ready = openWorkspace(ctx.workspace);
  ready.catch(() => undefined);
  return ready;
}

/** Creates or selects the stack and writes its config; the password is created once and kept. */
async function configureStack(run: Run, args: DrStackArgs, preflight: PreflightResult, workspaceReady?: Promise<LocalWorkspace>): Promise<Stack> {
  const workspace = await (workspaceReady ?? openWorkspace(run.ctx.workspace));
  // A drill's stack is always new; only a stack that existed can hold what a killed run left.
  const existed = run.journey === "drill" ? undefined : await Stack.select(run.stackName, workspace).catch((error) => {
    if (error instanceof StackNotFoundError) return undefined;
    throw error;
  });
  const stack = existed ?? (await Stack.create(run.stackName, workspace));
  if (existed) await recover(run, stack);
  const existing = existed ? await stack.getAllConfig() : {};
  const previousArgs = existing[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value;
  if (previousArgs) args.secret.name = (JSON.parse(previousArgs) as DrStackArgs).secret.name;
  const existingPassword = existing[`${CONFIG_NAMESPACE}:${PASSWORD_KEY}`]?.value;
  const password = preflight.replicaSecretPassword ?? (existingPassword && existingPassword !== "[secret]" ? existingPassword : undefined) ?? newPassword();
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
function readyTimeoutFor(run: Run): string | undefined {
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

async function provisionPhase(run: Run, stack: Stack): Promise<DrStackOutputs> {
  const started = run.clock.spans.length;
  try {
    const result = await run.phase("provision", () =>
      stack.up({ onEvent: engineEventHandler(run.clock, (event) => run.emit(event)), signal: run.ctx.signal, color: "never", ...SUMMARY_WITHOUT_SECRETS }),
    );
    return toOutputs(result.outputs);
  } catch (error) {
    throw engineError(run, "up", error);
  } finally {
    addConcernPhases(run, run.clock.spans.slice(started));
  }
}

function interrupted(stackName: string, where: string): InterruptedError {
  return new InterruptedError("INTERRUPTED", `interrupted ${where} (stack ${stackName})`, {
    hint: "Re-run the same command: it resumes from the recorded state (a stale lock or half-done operation of the interrupted run is cleared first).",
  });
}

/** A stack left behind by a killed run: stale lock cleared, pending operations adopted or dropped (see recovery.ts). */
async function recover(run: Run, stack: Stack): Promise<void> {
  const { ctx } = run;
  await recoverStack(
    { aws: ctx.aws, region: ctx.targetRegion, backendUrl: backendUrlOf(ctx.workspace), emit: (event) => run.emit(event), journal: run.journal },
    stack,
  );
}

/**
 * The update's critical path from the stack's dependency graph and the measured
 * resource spans. Called after the RTO clock stopped (exportStack costs a CLI
 * call); best effort: a report without it is still a report.
 */
async function recordCriticalPath(run: Run, stack: Stack): Promise<void> {
  if (!run.clock.spans.some((span) => span.kind === "resource")) return;
  try {
    const state = await stack.exportStack();
    const resources = ((state.deployment as { resources?: StateResource[] } | undefined)?.resources ?? []);
    const path = measuredCriticalPath(resources, run.clock.spans);
    if (path.length) run.report.criticalPath = path;
  } catch {
    // The path is an aid for reading the report, never a reason to fail the run.
  }
}

/** The resources whose create/update waits on readiness within readyTimeout (stacks/database.ts, stacks/service.ts). */
const READY_WAITS = new Set(["aws:rds/instance:Instance", "aws:ecs/service:Service"]);

/** Pulumi failures become one ToolError with the engine's last lines (redacted). */
function engineError(run: Run, operation: string, error: unknown): DrFailoverError {
  if (error instanceof DrFailoverError) return error;
  // The engine was told to stop (Ctrl-C → signal → SIGINT to pulumi): it stopped cleanly.
  if (run.ctx.signal?.aborted) return interrupted(run.stackName, `during pulumi ${operation}`);
  const text = error instanceof Error ? error.message : String(error);
  const lines = run
    .redact(text)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("at ") && !/^(stdout|stderr|code|err\?):?$/.test(line));
  const interesting = lines.filter((line) => /error|failed|refus|denied|exists|not found/i.test(line)).slice(-8);
  // A wait that outlasted the RTO budget left (the provider's "timeout while waiting for …" on the database or the service).
  const stuck = operation === "up" && run.readyTimeoutMs !== undefined && /timeout while waiting/i.test(text)
    ? run.clock.spans.find((span) => span.kind === "resource" && span.ok === false && READY_WAITS.has(span.resourceType ?? ""))
    : undefined;
  if (stuck) {
    return new ToolError("WAIT_TIMED_OUT", `${stuck.name} (${stuck.resourceType}) was not ready within ${formatDuration(run.readyTimeoutMs!)}, the RTO budget left when the update started`, {
      // The provider's own timeout line first (it has no "error" in it), then the engine's.
      details: [...new Set([...lines.filter((line) => /timeout while waiting/i.test(line)), ...interesting])].slice(0, 8),
      hint:
        run.journey === "drill"
          ? `The RTO is missed at this pace. The drill tears down what it created (if that fails too: dr-failover destroy --stack ${run.stackName}).`
          : `The RTO is missed at this pace. Check ${stuck.name} in the AWS console; re-run the same command to keep waiting (it resumes, nothing is recreated).`,
    });
  }
  return new ToolError("PULUMI_" + operation.toUpperCase() + "_FAILED", `pulumi ${operation} of ${run.stackName} failed`, {
    details: interesting.length ? interesting : lines.slice(-8),
    hint: "Re-run the same command: the update resumes from the recorded state.",
  });
}

async function verificationPhase(run: Run, outputs: DrStackOutputs, hostname: string, ttlSeconds: number | undefined): Promise<void> {
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
    const results: CheckResult[] = [health, await checkEcsService(ctx.aws, ctx.targetRegion, outputs.clusterName, outputs.serviceName)];
    results.push(
      ...(await runOperatorChecks(
        ctx.plan.verification.commands,
        {
          DR_TARGET_REGION: ctx.targetRegion,
          DR_DB_HOST: outputs.databaseAddress,
          DR_DB_PORT: String(outputs.databasePort),
          DR_DB_NAME: ctx.plan.database.databaseName,
          DR_DB_USER: ctx.plan.database.credentials.username,
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

function endpointsOf(outputs: DrStackOutputs): RunReport["endpoints"] {
  return { serviceName: outputs.serviceName, loadBalancer: outputs.loadBalancerDnsName, database: outputs.databaseAddress };
}

/** `signal`: only for destroy; a drill's teardown in `finally` must run to the end even after a Ctrl-C (a second one aborts). */
async function teardownStack(run: Run, stack: Stack, signal?: AbortSignal): Promise<void> {
  await run.phase("teardown", async () => {
    try {
      await stack.destroy({ onEvent: engineEventHandler(run.clock, (event) => run.emit(event)), color: "never", remove: true, signal, ...SUMMARY_WITHOUT_SECRETS });
    } catch (error) {
      throw engineError(run, "destroy", error);
    }
  });
}

export interface DrillOptions extends ProvisionOptions {
  /** Keep the drill environment instead of tearing it down. */
  keep?: boolean;
}

/** Drill: rebuild in the target region, verify, report, tear down. Production DNS is never touched. */
export async function runDrill(ctx: JourneyContext, options: DrillOptions = {}): Promise<RunReport> {
  targetOf(ctx.plan, ctx.targetRegion);
  const runId = newRunId("drill");
  const run = new Run(ctx, "drill", runId, stackNameFor(ctx.plan.app, "drill", ctx.targetRegion, shortId(runId)));
  await run.start();
  let stack: Stack | undefined;
  let failure: unknown;
  try {
    const workspaceReady = prepareWorkspace(ctx);
    const preflight = await preflightPhase(run, "drill", options);
    const args = stackArgsFor(ctx.plan, ctx.targetRegion, "drill", runId, preflight, ctx.aws.options.endpoint);
    args.readyTimeout = readyTimeoutFor(run);
    stack = await configureStack(run, args, preflight, workspaceReady);
    const outputs = await provisionPhase(run, stack);
    run.report.endpoints = endpointsOf(outputs);
    run.report.dns = { record: ctx.plan.dns.drillRecord, current: outputs.loadBalancerDnsName };
    await verificationPhase(run, outputs, ctx.plan.dns.drillRecord, undefined);
  } catch (error) {
    failure = error;
  } finally {
    if (stack) await recordCriticalPath(run, stack);
    // A drill that fails half-way still removes what it created, unless asked to keep it.
    if (stack && !options.keep) {
      try {
        await teardownStack(run, stack);
        run.report.teardown = { performed: true, ok: true, detail: "drill stack destroyed and removed" };
      } catch (error) {
        run.report.teardown = { performed: true, ok: false, detail: run.redact(error instanceof Error ? error.message : String(error)) };
        failure ??= error;
      }
    } else {
      run.report.teardown = {
        performed: false,
        ok: true,
        detail: stack ? `kept (--keep); remove with: dr-failover destroy --stack ${run.stackName}` : "nothing was created",
      };
    }
  }
  const report = await run.finish(failure);
  if (failure) throw failure;
  return report;
}

export interface FailoverOptions extends ProvisionOptions {
  /** Must equal the production record name. */
  confirm?: string;
}

/** Failover: rebuild, then point the production record at the DR service. Needs nothing from the source region. */
export async function runFailover(ctx: JourneyContext, options: FailoverOptions = {}): Promise<RunReport> {
  targetOf(ctx.plan, ctx.targetRegion);
  checkFailoverConfirmation(ctx.plan, options.confirm);
  const productionName = ctx.plan.dns.productionRecord;
  const runId = newRunId("failover");
  const run = new Run(ctx, "failover", runId, stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId));
  await run.start();
  let failure: unknown;
  try {
    const workspaceReady = prepareWorkspace(ctx);
    const preflight = await preflightPhase(run, "failover", options);
    const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.options.endpoint);
    args.readyTimeout = readyTimeoutFor(run);
    const stack = await configureStack(run, args, preflight, workspaceReady);
    const outputs = await provisionPhase(run, stack);
    run.report.endpoints = endpointsOf(outputs);
    await switchProductionRecord(run, stack, preflight, outputs);
    await verificationPhase(run, outputs, productionName, preflight.productionRecord?.ttl ?? ctx.plan.dns.ttl);
    await recordCriticalPath(run, stack);
  } catch (error) {
    failure = error;
  }
  const report = await run.finish(failure);
  if (failure) throw failure;
  return report;
}

/** Records the previous value (once: a re-run keeps the original), then UPSERTs and waits for INSYNC. */
async function switchProductionRecord(run: Run, stack: Stack, preflight: PreflightResult, outputs: DrStackOutputs): Promise<void> {
  const { ctx } = run;
  await run.phase("dns", async () => {
    const current = preflight.productionRecord!;
    const drTarget = outputs.loadBalancerDnsName.toLowerCase();
    const recorded = await stack.getConfig(PREVIOUS_RECORD_KEY).catch(() => undefined);
    let previous: DnsRecordValue;
    if (recorded) previous = JSON.parse(recorded.value) as DnsRecordValue;
    else if (recordTarget(current) === drTarget) {
      throw new RefusedError("PREVIOUS_RECORD_UNKNOWN", `${current.name} already points at this DR stack but no previous value is recorded`, {
        hint: "Someone switched it by hand; note the value to restore later, then re-run.",
      });
    } else {
      previous = current;
      // Durable before the change: destroy/failback restores exactly this.
      await stack.setConfig(PREVIOUS_RECORD_KEY, { value: JSON.stringify(previous) });
      await run.journal.write("dns-previous-recorded", "info", JSON.stringify(previous));
    }
    run.report.dns = { record: current.name, previous: recordTarget(previous) };
    if (recordTarget(current) === drTarget) {
      run.report.dns.current = drTarget;
      run.emit({ type: "info", message: `${current.name} already points at ${drTarget}` });
      return;
    }
    const started = performance.now();
    // INSYNC usually takes under a minute: wait at most what is left of the RTO budget (1–10 min).
    await upsertRecord(ctx.aws.route53(), preflight.zoneId, drValueFor(previous, { dnsName: outputs.loadBalancerDnsName, zoneId: outputs.loadBalancerZoneId }, ctx.plan.dns.ttl), `dr-failover ${run.runId}: fail over to ${ctx.targetRegion}`, {
      timeoutMs: Math.min(10 * 60_000, Math.max(60_000, run.budgetLeftMs())),
      signal: ctx.signal,
      initialIntervalMs: ctx.dnsPollIntervalMs,
    });
    run.report.dns.insyncMs = Math.round(performance.now() - started);
    run.report.dns.current = drTarget;
    run.emit({ type: "info", message: `${current.name} now points at ${drTarget} (INSYNC)` });
    run.emit({ type: "dns-switched", record: current.name, target: drTarget });
  });
}

export interface DestroyOptions {
  /** Stack to destroy; default: the failover stack of the target region, or the only kept drill. */
  stackName?: string;
  /** Destroy even though the production record cannot be restored. */
  force?: boolean;
}

/** The DR stacks of this app in the target region. */
async function drStacksOf(ctx: JourneyContext): Promise<string[]> {
  const workspace = await openWorkspace(ctx.workspace);
  const prefix = `${ctx.plan.app}-`;
  return (await workspace.listStacks()).map((summary) => summary.name).filter((name) => name.startsWith(prefix) && name.includes(`-${ctx.targetRegion}`));
}

async function resolveStackToDestroy(ctx: JourneyContext, options: DestroyOptions): Promise<string> {
  if (options.stackName) return options.stackName;
  const names = await drStacksOf(ctx);
  const failover = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, "");
  if (names.includes(failover)) return failover;
  if (names.length === 1) return names[0];
  if (names.length === 0) {
    throw new UsageError("STACK_NOT_FOUND", `there is no DR stack of ${ctx.plan.app} in ${ctx.targetRegion} to destroy`, {
      hint: "`dr-failover status` lists the DR stacks.",
    });
  }
  throw new UsageError("STACK_AMBIGUOUS", `${names.length} DR stacks of ${ctx.plan.app} in ${ctx.targetRegion}: name one with --stack`, {
    details: names,
  });
}

/** Destroy: DNS first (restore production), data second (final snapshot of a failover's DB), stack last. */
export async function runDestroy(ctx: JourneyContext, options: DestroyOptions = {}): Promise<RunReport> {
  const stackName = await resolveStackToDestroy(ctx, options);
  const workspace = await openWorkspace(ctx.workspace);
  const found = await findStack(workspace, stackName);
  if (!found) {
    throw new UsageError("STACK_NOT_FOUND", `stack ${stackName} does not exist in ${backendUrlOf(ctx.workspace)}`, {
      hint: "`dr-failover status` lists the DR stacks.",
    });
  }
  const stack = found;
  const runId = newRunId("destroy");
  const run = new Run(ctx, "destroy", runId, stackName);
  await run.start();
  let failure: unknown;
  try {
    await recover(run, stack);
    const config = await stack.getAllConfig();
    const args = JSON.parse(config[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value ?? "null") as DrStackArgs | null;
    if (!args) throw new ToolError("STACK_CONFIG_MISSING", `stack ${stackName} has no dr-failover configuration`);
    const outputs = toOutputs(await stack.outputs());
    run.report.endpoints = endpointsOf(outputs);
    if (args.mode === "failover") {
      await restoreProductionRecord(run, stack, args, outputs, options.force ?? false);
      await run.phase("release-protection", async () => {
        const database = await databaseInState(stack);
        // Resuming a destroy that got past this step (or a stack whose database never got created):
        // an `up` now would only re-create what is gone. One final snapshot, the one already chosen.
        if (!database || (args.database.releasing && !database.protect)) {
          run.emit({
            type: "info",
            message: database
              ? `database protection already released by an earlier destroy; final snapshot ${args.database.finalSnapshotIdentifier}`
              : "no database in the stack's state (already deleted, or never created): nothing to release",
          });
          await run.journal.write("release-protection", "info", database ? "already released" : "no database in state");
          return;
        }
        const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
        const releasing: DrStackArgs = {
          ...args,
          // The failover's wait limit is stale by now: releasing protection waits as long as the provider allows.
          readyTimeout: undefined,
          database: { ...args.database, releasing: true, finalSnapshotIdentifier: args.database.finalSnapshotIdentifier ?? `${args.database.identifier}-final-${stamp}` },
        };
        await stack.setConfig(`${CONFIG_NAMESPACE}:${ARGS_KEY}`, { value: JSON.stringify(releasing) });
        try {
          // Only the database: whatever a killed failover never created stays uncreated (and needs no permission).
          await stack.up({ target: [database.urn], onEvent: engineEventHandler(run.clock, (event) => run.emit(event)), color: "never", signal: ctx.signal, ...SUMMARY_WITHOUT_SECRETS });
        } catch (error) {
          throw engineError(run, "up", error);
        }
        run.emit({ type: "info", message: `database protection released; final snapshot ${releasing.database.finalSnapshotIdentifier} will be taken` });
        Object.assign(args, releasing);
      });
    }
    await teardownStack(run, stack, ctx.signal);
    if (args.mode === "failover" && args.database.finalSnapshotIdentifier) {
      await confirmFinalSnapshot(run, args.database.finalSnapshotIdentifier);
    }
    run.report.teardown = { performed: true, ok: true, detail: `stack ${stackName} destroyed and removed` };
  } catch (error) {
    failure = error;
    run.report.teardown = { performed: true, ok: false, detail: run.redact(error instanceof Error ? error.message : String(error)) };
  }
  const report = await run.finish(failure);
  if (failure) throw failure;
  return report;
}

/** The DR database as the stack's state holds it, if it does. */
async function databaseInState(stack: Stack): Promise<{ urn: string; protect: boolean } | undefined> {
  const state = (await stack.exportStack()) as { deployment?: { resources?: { urn: string; type: string; protect?: boolean; delete?: boolean }[] } };
  const found = state.deployment?.resources?.find((resource) => resource.type === "aws:rds/instance:Instance" && !resource.delete);
  return found ? { urn: found.urn, protect: Boolean(found.protect) } : undefined;
}

async function restoreProductionRecord(run: Run, stack: Stack, args: DrStackArgs, outputs: DrStackOutputs, force: boolean) {
  const { ctx } = run;
  await run.phase("dns", async () => {
    const name = ctx.plan.dns.productionRecord;
    const current = await readRecord(ctx.aws.route53(), args.dns.zoneId, name);
    const recorded = await stack.getConfig(PREVIOUS_RECORD_KEY).catch(() => undefined);
    const previous = recorded ? (JSON.parse(recorded.value) as DnsRecordValue) : undefined;
    run.report.dns = { record: name, previous: recordTarget(previous), current: recordTarget(current) };
    const pointsHere = recordTarget(current) === outputs.loadBalancerDnsName?.toLowerCase();
    if (!pointsHere) {
      run.emit({ type: "info", message: `${name} does not point at this stack (${recordTarget(current) ?? "absent"}): left as it is` });
      return;
    }
    if (!previous) {
      if (!force) {
        throw new RefusedError("PRODUCTION_STILL_SWITCHED", `${name} points at this DR stack and no previous value is recorded: destroying would leave production pointing at nothing`, {
          hint: "Point the record elsewhere first, or pass --force to destroy anyway (production DNS then points at a deleted load balancer).",
        });
      }
      run.emit({ type: "warning", code: "FORCED_WITH_PRODUCTION_SWITCHED", message: `--force: ${name} still points at the deleted DR load balancer` });
      return;
    }
    const started = performance.now();
    await upsertRecord(ctx.aws.route53(), args.dns.zoneId, previous, `dr-failover ${run.runId}: restore after failover`, { timeoutMs: 10 * 60_000, signal: ctx.signal });
    run.report.dns.current = recordTarget(previous);
    run.report.dns.insyncMs = Math.round(performance.now() - started);
    run.emit({ type: "info", message: `${name} restored to ${recordTarget(previous)} (INSYNC)` });
  });
}

async function confirmFinalSnapshot(run: Run, identifier: string) {
  const { ctx } = run;
  try {
    const found = await ctx.aws.rds(ctx.targetRegion).send(new RDS.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }));
    run.emit({ type: "info", message: `final snapshot ${identifier}: ${found.DBSnapshots?.[0]?.Status ?? "unknown"}` });
  } catch (error) {
    if (awsErrorName(error) === "DBSnapshotNotFoundFault") {
      run.emit({ type: "warning", code: "FINAL_SNAPSHOT_MISSING", message: `the final snapshot ${identifier} was not found in ${ctx.targetRegion}` });
    } else throw error;
  }
}

export interface PreviewResult {
  stackName: string;
  changeSummary: Record<string, number>;
  preflight: PreflightResult;
  stdout: string;
}

/** What a failover would create or change; changes nothing (a stack created only for the preview is removed). */
export async function runPreview(ctx: JourneyContext, options: ProvisionOptions = {}): Promise<PreviewResult> {
  targetOf(ctx.plan, ctx.targetRegion);
  const runId = newRunId("preview");
  const run = new Run(ctx, "failover", runId, stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId));
  const preflight = await preflightPhase(run, "preview", options);
  const workspace = await openWorkspace(ctx.workspace);
  const existed = Boolean(await findStack(workspace, run.stackName));
  const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.options.endpoint);
  const stack = await configureStack(run, args, preflight);
  try {
    const result = await stack.preview({ color: "never", diff: false });
    return { stackName: run.stackName, changeSummary: result.changeSummary as Record<string, number>, preflight, stdout: run.redact(result.stdout) };
  } catch (error) {
    throw engineError(run, "preview", error);
  } finally {
    if (!existed) await workspace.removeStack(run.stackName);
  }
}
