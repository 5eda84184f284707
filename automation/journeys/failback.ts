/**
 * Failback: bring the outage's writes home. The DR database (written to since
 * the failover) travels to the source region, the production secret and
 * service follow it, and the production record goes back to its pre-failover
 * value. Method `replica` (the default; its own steps in failback-replica.ts):
 * a cross-region read replica prepared ahead (no downtime, `--prepare-only`),
 * then write freeze → caught up → promoted (once) → data check → production
 * secret → service → record → health → the failback stack handed over (the
 * instance retained). Method `snapshot`, the runbook's own restore procedure run with the DR
 * region's data: write freeze (DR service at 0) → final snapshot of the DR
 * database → copy to the source region → restore there (deletion-protected,
 * never deleted by dr-failover) → data check against the DR database's last
 * counts → production secret → new deployment of the production service →
 * production record restored (INSYNC) → HTTP health: the downtime ends.
 *
 * Every step looks at AWS before it acts, and the names and progress are kept
 * on the failover stack (FAILBACK_KEY), so the same command resumes a killed
 * run without a second snapshot, copy or instance. The old primary is read
 * (its network and key), never changed.
 */
import type { DBInstance, DBSnapshot, RDSClient } from "@aws-sdk/client-rds";
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { ARGS_KEY, CONFIG_NAMESPACE, FAILBACK_KEY, PREVIOUS_RECORD_KEY } from "../../stacks/config.js";
import { awsErrorName, sleep, wrapAwsError } from "../aws.js";
import { formatDuration } from "../clock.js";
import {
  changeRecords,
  parsePreviousRecords,
  readNameRecords,
  recordTarget,
  restoreChanges,
  switchChanges,
  targetsOf,
  type DnsRecordValue,
} from "../dns.js";
import { InterruptedError, PreconditionError, ToolError, UsageError, VerificationError } from "../errors.js";
import { checkFailoverConfirmation, isSameRegionRecovery } from "../plan.js";
import { failOnProblems, Problems } from "../preflight.js";
import { sdkProbes, waitForStep } from "../readiness.js";
import type { RunReport } from "../report/model.js";
import type { JourneyContext } from "../run/context.js";
import { newRunId } from "../run/ids.js";
import { checkPlanHealth, takeJourneyLock } from "../run/phases.js";
import type { Run } from "../run/run.js";
import { toOutputs } from "../run/stack-args.js";
import { ECS, KMS, RDS, SecretsManager } from "../sdk.js";
import { queryDirect, reachableFromTool, readConnectionSecret, type DatabaseConnection } from "../sql-checks.js";
import { checkEcsService, type CheckResult } from "../verify.js";
import {
  FAILBACK_METHODS,
  type FailbackMethod,
  failbackDowntimePhases,
  failbackStackNameFor,
  type JourneyPhase,
  stackNameFor,
} from "../vocabulary.js";
import { checkStateBackend, findStack, openWorkspace, plainStackConfig, writeStackConfig } from "../workspace.js";
import { cutOverToReplica, handOverReplica, prepareReplica } from "./failback-replica.js";
import { runJourney } from "./skeleton.js";

export interface FailbackOptions {
  /** Must equal the production record name. */
  confirm?: string;
  /** Default `replica`. */
  method?: string;
  /** Replica method: prepare the read replica (no downtime), then stop; the same command without it resumes. */
  prepareOnly?: boolean;
  /** KMS key (ARN) in the source region for the copy of an encrypted snapshot; default: the old primary's key. */
  sourceKmsKeyId?: string;
}

/** A failback's names and progress, kept on the failover stack (FAILBACK_KEY) so a re-run continues it. */
export interface FailbackRecord {
  runId: string;
  method: FailbackMethod;
  /** Final snapshot of the DR database, in the DR region. */
  finalSnapshot: string;
  /** Its copy in the source region. */
  copy: string;
  /** The instance restored in the source region: the new primary. */
  instance: string;
  /** KMS key of the copy in the source region (an encrypted DR database). */
  sourceKmsKeyId?: string;
  /** ISO time the write freeze started: the downtime's start, kept across resumes. */
  freezeStartedAt?: string;
  /** The DR service's desired count before the freeze (to scale it back up when rolling back). */
  drDesiredCount?: number;
  /** The plan's data checks in the DR database once writes stopped. */
  lastCounts?: Record<string, number>;
  /** ISO time production answered healthy in the source region. */
  completedAt?: string;
  /** Replica method: the failback stack holding the read replica (`instance`). */
  failbackStack?: string;
  /** Replica method: ISO times the replica was first replicating, promoted, and handed over. */
  preparedAt?: string;
  promotedAt?: string;
  handedOverAt?: string;
}

/** How long a snapshot, its copy or a restore may take before the step stops (re-run resumes it). */
const DATA_WAIT_MS = 4 * 60 * 60_000;
const FREEZE_WAIT_MS = 15 * 60_000;

/** Usage checks a CLI can run before loading the SDK: the confirmation and the method. */
export function checkFailbackOptions(plan: JourneyContext["plan"], options: FailbackOptions): FailbackMethod {
  checkFailoverConfirmation(plan, options.confirm, "failback");
  const method = options.method ?? "replica";
  if (!(FAILBACK_METHODS as readonly string[]).includes(method)) {
    throw new UsageError("FAILBACK_METHOD_UNKNOWN", `--method ${method} is not a failback method`, {
      hint: `Use --method ${FAILBACK_METHODS.join(" | ")}.`,
    });
  }
  if (method === "replica" && !plan.verification.sql?.checks.length) {
    // RDS reports a replica's lag only as a CloudWatch metric; the plan's counts are this tool's proof of
    // "caught up": without them the promotion could drop the last writes made before the freeze.
    throw new UsageError(
      "FAILBACK_REPLICA_NEEDS_DATA_CHECKS",
      "--method replica promotes the replica only once it holds the DR database's last counts, and the plan has no verification.sql checks to count with",
      {
        hint: "Add verification.sql checks (e.g. SELECT count(*) FROM <your main table>) to the plan, or use --method snapshot (a snapshot taken after the write freeze needs no catch-up).",
      },
    );
  }
  if (options.prepareOnly && method !== "replica") {
    throw new UsageError(
      "FAILBACK_PREPARE_ONLY_METHOD",
      `--prepare-only prepares a read replica: --method ${method} has nothing to prepare`,
      {
        hint: "Drop --prepare-only, or use --method replica.",
      },
    );
  }
  return method as FailbackMethod;
}

/** Failback: the DR database home, the production secret and service on it, the production record back. */
export async function runFailback(ctx: JourneyContext, options: FailbackOptions = {}): Promise<RunReport> {
  const method = checkFailbackOptions(ctx.plan, options);
  if (isSameRegionRecovery(ctx.plan, ctx.targetRegion)) {
    throw new UsageError(
      "FAILBACK_SAME_REGION",
      `--target-region ${ctx.targetRegion} is the source region: a same-region recovery's database is already home`,
      {
        hint: "Nothing to bring back: production already runs on the recovered stack in its own region. Keep it, and adopt its database in your production IaC.",
      },
    );
  }
  const runId = newRunId("failback");
  const stackName = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId);
  return runJourney(ctx, { journey: "failback", runId, stackName }, async (run) => {
    const { stack, args, outputs, record, previous, connection } = await failbackPreflight(run, method, options);
    const source = ctx.plan.sourceRegion;
    const save = async (change: Partial<FailbackRecord>) => {
      Object.assign(record, change);
      await writeStackConfig(ctx.workspace, stack, { [FAILBACK_KEY]: { value: JSON.stringify(record) } });
      await run.journal.write("failback-record", "info", JSON.stringify(record));
    };
    if (record.completedAt && record.freezeStartedAt) {
      // Done before: say so, and report what that run achieved (a re-run must not stretch the downtime).
      const durationMs = Date.parse(record.completedAt) - Date.parse(record.freezeStartedAt);
      run.report.downtime = measuredDowntime(run, record.freezeStartedAt, new Date(record.completedAt));
      const instance = await describeInstance(ctx.aws.rds(source), record.instance);
      if (instance) run.report.handOver = handOverOf(run, record, instance);
      // Killed after production was healthy, before the failback stack was handed over: finish that.
      if (record.method === "replica" && !record.handedOverAt) await handOverReplica(run, record, save, run.phase);
      run.emit({
        type: "info",
        message: `the failback ${record.runId} completed at ${record.completedAt} (downtime ${formatDuration(durationMs)}): production runs on ${record.instance} in ${source}; nothing to do`,
      });
      return;
    }
    if (options.prepareOnly && record.method !== "replica") {
      // A resumed failback keeps its method: never turn a prepare-only run into a snapshot cutover.
      throw new PreconditionError(
        "FAILBACK_PREPARE_ONLY_METHOD",
        `the failback ${record.runId} in progress goes by ${record.method}: --prepare-only has nothing to prepare`,
        { hint: "Re-run without --prepare-only to continue it." },
      );
    }
    await save({});
    if (record.method === "replica") {
      if (options.prepareOnly && record.freezeStartedAt) {
        throw new PreconditionError(
          "FAILBACK_CUTOVER_STARTED",
          `the cutover of the failback ${record.runId} started at ${record.freezeStartedAt}: there is nothing left to prepare`,
          { hint: "Re-run without --prepare-only to finish the cutover (writes in DR are stopped)." },
        );
      }
      await prepareReplica(run, record, save, { args, outputs });
      if (options.prepareOnly) {
        run.emit({
          type: "info",
          message: `prepared: ${record.instance} replicates ${outputs.databaseIdentifier} in ${source}; production still runs in ${ctx.targetRegion}. Run the same command without --prepare-only for the cutover.`,
        });
        return;
      }
    }
    if (record.freezeStartedAt) startDowntime(run, record.freezeStartedAt, record.method);
    // A Ctrl-C (or a kill's signal) between or during the steps: say where production is and both ways out.
    let home = false;
    const phase = <T>(name: JourneyPhase, work: () => Promise<T>): Promise<T> =>
      run.phase(name, work).catch((error: unknown) => {
        if (!(error instanceof InterruptedError) || home || !record.freezeStartedAt) throw error;
        throw new InterruptedError(error.code, error.message, {
          cause: error,
          details: error.details,
          hint: `Production DNS still points at ${ctx.targetRegion}; writes there are stopped. Re-run the same command to continue the failback (nothing is done twice), or roll back: scale ${outputs.serviceName} (cluster ${outputs.clusterName}) in ${ctx.targetRegion} back to ${record.drDesiredCount ?? "its"} tasks to end the downtime.`,
        });
      });

    await phase("write-freeze", async () => {
      const ecs = ctx.aws.ecs(ctx.targetRegion);
      const described = await ecs
        .send(new ECS.DescribeServicesCommand({ cluster: outputs.clusterName, services: [outputs.serviceName] }))
        .catch((error: unknown) => {
          throw wrapAwsError(`DescribeServices ${outputs.serviceName} in ${ctx.targetRegion}`, error);
        });
      const service = described.services?.[0];
      if (!record.freezeStartedAt) {
        await save({ freezeStartedAt: new Date().toISOString(), drDesiredCount: service?.desiredCount ?? undefined });
        startDowntime(run, record.freezeStartedAt!, record.method);
      }
      if (service && service.status === "ACTIVE" && (service.desiredCount ?? 0) > 0) {
        await ecs
          .send(
            new ECS.UpdateServiceCommand({
              cluster: outputs.clusterName,
              service: outputs.serviceName,
              desiredCount: 0,
            }),
          )
          .catch((error: unknown) => {
            throw wrapAwsError(`UpdateService ${outputs.serviceName} (desiredCount 0) in ${ctx.targetRegion}`, error);
          });
      }
      await waitUntil(
        run,
        `ECS service ${outputs.serviceName} in ${ctx.targetRegion} draining to 0 tasks`,
        FREEZE_WAIT_MS,
        async () => {
          const now = await ecs.send(
            new ECS.DescribeServicesCommand({ cluster: outputs.clusterName, services: [outputs.serviceName] }),
          );
          const found = now.services?.[0];
          const running = (found?.runningCount ?? 0) + (found?.pendingCount ?? 0);
          return { done: found?.status !== "ACTIVE" || running === 0, detail: `${running} task(s) running` };
        },
      );
      run.emit({
        type: "info",
        message: `writes stopped in ${ctx.targetRegion}: ${outputs.serviceName} scaled to 0 (was ${record.drDesiredCount ?? "?"}); downtime started ${record.freezeStartedAt}`,
      });
      if (ctx.plan.verification.sql && !record.lastCounts && connection) {
        const counts = await countRows(run, connection);
        await save({ lastCounts: counts });
        run.emit({ type: "info", message: `the DR database's last counts: ${describeCounts(counts)}` });
      }
    });

    // Method snapshot: final snapshot in DR → copy at home → restore (the runbook's procedure).
    const restoreBySnapshot = async (): Promise<DBInstance> => {
      const rdsDr = ctx.aws.rds(ctx.targetRegion);
      const rdsSource = ctx.aws.rds(source);
      const snapshot = await phase("final-snapshot", async () => {
        let found = await describeSnapshot(rdsDr, record.finalSnapshot);
        if (!found) {
          await rdsDr
            .send(
              new RDS.CreateDBSnapshotCommand({
                DBInstanceIdentifier: outputs.databaseIdentifier,
                DBSnapshotIdentifier: record.finalSnapshot,
                Tags: [
                  { Key: "app", Value: ctx.plan.app },
                  { Key: "dr-failover:failback", Value: record.runId },
                ],
              }),
            )
            .catch((error: unknown) => {
              throw wrapAwsError(`CreateDBSnapshot ${record.finalSnapshot} in ${ctx.targetRegion}`, error);
            });
        }
        found = await waitForSnapshot(run, rdsDr, record.finalSnapshot, ctx.targetRegion);
        run.emit({
          type: "info",
          message: `final snapshot ${record.finalSnapshot} of ${outputs.databaseIdentifier}: available`,
        });
        return found;
      });

      await phase("copy-snapshot", async () => {
        if (!(await describeSnapshot(rdsSource, record.copy))) {
          await rdsSource
            .send(
              new RDS.CopyDBSnapshotCommand({
                SourceDBSnapshotIdentifier: snapshot.DBSnapshotArn,
                TargetDBSnapshotIdentifier: record.copy,
                ...(record.sourceKmsKeyId ? { KmsKeyId: record.sourceKmsKeyId } : {}),
                CopyTags: true,
              }),
            )
            .catch((error: unknown) => {
              throw wrapAwsError(`CopyDBSnapshot ${record.finalSnapshot} → ${source}`, error);
            });
        }
        await waitForSnapshot(run, rdsSource, record.copy, source);
        run.emit({ type: "info", message: `snapshot copied to ${source} as ${record.copy}` });
      });

      const restoredInstance = await phase("restore", async () => {
        if (!(await describeInstance(rdsSource, record.instance))) {
          const primary = await describeInstance(rdsSource, ctx.plan.database.sourceIdentifier);
          await rdsSource
            .send(
              new RDS.RestoreDBInstanceFromDBSnapshotCommand({
                DBInstanceIdentifier: record.instance,
                DBSnapshotIdentifier: record.copy,
                DBInstanceClass: ctx.plan.database.instanceClass,
                MultiAZ: ctx.plan.database.multiAz,
                // The old primary's network: the production service already reaches it there.
                ...(primary?.DBSubnetGroup?.DBSubnetGroupName
                  ? { DBSubnetGroupName: primary.DBSubnetGroup.DBSubnetGroupName }
                  : {}),
                ...(primary?.VpcSecurityGroups?.length
                  ? { VpcSecurityGroupIds: primary.VpcSecurityGroups.map((group) => group.VpcSecurityGroupId!) }
                  : {}),
                DeletionProtection: true,
                CopyTagsToSnapshot: true,
                Tags: [
                  { Key: "app", Value: ctx.plan.app },
                  { Key: "dr-failover:failback", Value: record.runId },
                ],
              }),
            )
            .catch((error: unknown) => {
              throw wrapAwsError(`RestoreDBInstanceFromDBSnapshot ${record.instance} in ${source}`, error);
            });
          run.emit({ type: "info", message: `restoring ${record.instance} in ${source} from ${record.copy}` });
        }
        const probes = sdkProbes(ctx.aws, source);
        const budget = {
          deadline: Date.now() + DATA_WAIT_MS,
          allowanceMs: DATA_WAIT_MS,
          source: "the failback's data wait",
        };
        await waitForStep("database", `database ${record.instance}`, () => probes.database(record.instance), budget, {
          signal: ctx.signal,
          initialIntervalMs: ctx.readinessPollIntervalMs,
        });
        // The production secret's credentials stay valid: the restored instance takes its password (and the plan's backups).
        await rdsSource
          .send(
            new RDS.ModifyDBInstanceCommand({
              DBInstanceIdentifier: record.instance,
              MasterUserPassword: productionSecret.password,
              BackupRetentionPeriod: ctx.plan.database.backup.retentionDays,
              DeletionProtection: true,
              ApplyImmediately: true,
            }),
          )
          .catch((error: unknown) => {
            throw wrapAwsError(`ModifyDBInstance ${record.instance} in ${source}`, error);
          });
        const instance = await describeInstance(rdsSource, record.instance);
        if (!instance?.Endpoint?.Address) {
          throw new PreconditionError(
            "FAILBACK_INSTANCE_NO_ENDPOINT",
            `${record.instance} in ${source} has no endpoint`,
            {
              hint: "Look at the instance in the RDS console of the source region, then re-run.",
            },
          );
        }
        run.report.handOver = handOverOf(run, record, instance);
        return instance;
      });
      return restoredInstance;
    };
    const productionSecret = await readProductionSecret(run);
    const restored =
      record.method === "replica"
        ? await cutOverToReplica(run, record, save, outputs.secretArn, phase)
        : await restoreBySnapshot();
    const primaryConnection: DatabaseConnection = {
      ...productionSecret,
      host: restored.Endpoint!.Address!,
      port: restored.Endpoint!.Port ?? productionSecret.port,
    };

    if (ctx.plan.verification.sql && record.lastCounts) {
      const lastCounts = record.lastCounts;
      await phase("data-check", async () => {
        const counts = await countRows(run, primaryConnection, { settleMs: 2 * 60_000 });
        const differ = Object.entries(lastCounts).filter(([name, value]) => counts[name] !== value);
        run.report.dataChecks = Object.entries(lastCounts).map(([name, value]) => ({
          name,
          query: ctx.plan.verification.sql!.checks.find((check) => check.name === name)?.query ?? "",
          value: counts[name],
          expectation: `= ${value} (the DR database's last count)`,
          ok: counts[name] === value,
          detail: counts[name] === value ? "equal" : `${counts[name] ?? "no value"} ≠ ${value}`,
        }));
        if (differ.length) {
          throw new VerificationError(
            "FAILBACK_DATA_MISMATCH",
            `the new primary ${record.instance} does not hold the DR database's data: production stays on ${ctx.targetRegion}`,
            {
              details: differ.map(
                ([name, value]) =>
                  `${name}: ${counts[name] ?? "no value"} in ${source}, ${value} in ${ctx.targetRegion}`,
              ),
              hint: `Nothing moved: the production secret, service and record are unchanged. Scale ${outputs.serviceName} in ${ctx.targetRegion} back to ${record.drDesiredCount ?? "its count"} to end the downtime, and investigate ${record.instance}.`,
            },
          );
        }
        run.emit({
          type: "info",
          message: `data check: ${describeCounts(counts)} in ${record.instance}, equal to the DR database's`,
        });
      });
    }

    await phase("production-secret", async () => {
      const current = await readProductionSecret(run);
      if (current.host === primaryConnection.host && current.port === primaryConnection.port) {
        run.emit({
          type: "info",
          message: `${ctx.plan.secrets.databaseSecretName} already points at ${record.instance}`,
        });
        return;
      }
      const updated = { ...current.raw, host: primaryConnection.host, port: primaryConnection.port };
      await ctx.aws
        .secrets(source)
        .send(
          new SecretsManager.PutSecretValueCommand({
            SecretId: ctx.plan.secrets.databaseSecretName,
            SecretString: JSON.stringify(updated),
          }),
        )
        .catch((error: unknown) => {
          throw wrapAwsError(`PutSecretValue ${ctx.plan.secrets.databaseSecretName} in ${source}`, error);
        });
      run.emit({
        type: "info",
        message: `${ctx.plan.secrets.databaseSecretName} in ${source} now points at ${primaryConnection.host}:${primaryConnection.port}`,
      });
    });

    await phase("production-service", async () => {
      const { cluster, name } = ctx.plan.service;
      await ctx.aws
        .ecs(source)
        .send(new ECS.UpdateServiceCommand({ cluster, service: name, forceNewDeployment: true }))
        .catch((error: unknown) => {
          throw wrapAwsError(`UpdateService ${name} (new deployment) in ${source}`, error);
        });
      const probes = sdkProbes(ctx.aws, source);
      const budget = {
        deadline: Date.now() + FREEZE_WAIT_MS,
        allowanceMs: FREEZE_WAIT_MS,
        source: "the failback's service wait",
      };
      const steady = await waitForStep(
        "service",
        `ECS service ${name} in ${source}`,
        () => probes.service(cluster, name),
        budget,
        {
          signal: ctx.signal,
          initialIntervalMs: ctx.readinessPollIntervalMs,
        },
      );
      run.report.readiness = [steady];
      run.emit({ type: "info", message: `${name} in ${source}: new deployment steady (${steady.detail})` });
    });

    await phase("dns", async () => {
      const name = ctx.plan.dns.productionRecord;
      const live = (await readNameRecords(ctx.aws.route53(), args.dns.zoneId, name)).routing;
      const drTarget = outputs.loadBalancerDnsName.toLowerCase();
      const pointsHere = (value: DnsRecordValue) => recordTarget(value) === drTarget;
      run.report.dns = { record: name, previous: targetsOf(live), current: targetsOf(live) };
      const changes = restoreChanges(live, previous, pointsHere);
      if (changes.length === 0) {
        home = true;
        run.emit({ type: "info", message: `${name} already points at ${targetsOf(previous)}` });
        return;
      }
      const started = performance.now();
      await changeRecords(
        ctx.aws.route53(),
        args.dns.zoneId,
        changes,
        `dr-failover ${run.runId}: fail back to ${source}`,
        {
          timeoutMs: 10 * 60_000,
          signal: ctx.signal,
          initialIntervalMs: ctx.dnsPollIntervalMs,
        },
      );
      run.report.dns.current = targetsOf(previous);
      run.report.dns.insyncMs = Math.round(performance.now() - started);
      run.emit({ type: "info", message: `${name} back on ${targetsOf(previous)} (INSYNC)` });
      run.emit({ type: "dns-switched", record: name, target: targetsOf(previous) ?? "" });
      home = true;
    });

    await phase("verification", async () => {
      const health = await checkPlanHealth(ctx, ctx.plan.dns.productionRecord);
      const results: CheckResult[] = [
        health,
        await checkEcsService(ctx.aws, source, ctx.plan.service.cluster, ctx.plan.service.name),
      ];
      run.report.verification = results;
      const failed = results.filter((result) => !result.ok);
      if (failed.length) {
        throw new VerificationError("VERIFICATION_FAILED", `${failed.length} verification check(s) failed`, {
          details: failed.map((result) => `${result.name}: ${result.detail}`),
          hint: "Production DNS is back on the source region; fix the service there, then re-run to verify again.",
        });
      }
      endDowntime(run, record.freezeStartedAt!);
      await save({ completedAt: run.report.downtime!.endedAt });
    });
    if (record.method === "replica") await handOverReplica(run, record, save, phase);
  });
}

interface FailbackPreflight {
  stack: Stack;
  args: DrStackArgs;
  outputs: DrStackOutputs;
  record: FailbackRecord;
  previous: DnsRecordValue[];
  /** The DR connection secret's credentials (when the plan has data checks). */
  connection?: DatabaseConnection;
}

/**
 * Everything a failback needs, checked before anything changes, every problem
 * listed with its fix (exit 3): the failover stack and its outputs, production
 * on DR with its previous value recorded, the DR database with backups (and a
 * usable key in the source region when encrypted), the production secret and
 * service in the source region. Takes the journey lock of the app and DR region.
 */
async function failbackPreflight(
  run: Run,
  method: FailbackMethod,
  options: FailbackOptions,
): Promise<FailbackPreflight> {
  const { ctx } = run;
  return run.phase("preflight", async () => {
    // The count comparison connects from where the tool runs, whatever verification.sql.runner says: the new
    // primary is compared before the production secret names it, so no task could be handed its credentials.
    // Unreachable databases fail the comparison (FAILBACK_DATA_CHECK_FAILED) before anything moves back.
    await checkStateBackend(ctx.workspace);
    await takeJourneyLock(run);
    const source = ctx.plan.sourceRegion;
    const stack = await findStack(ctx.workspace, await openWorkspace(ctx.workspace), run.stackName);
    if (!stack) {
      throw new PreconditionError(
        "FAILOVER_STACK_NOT_FOUND",
        `there is no failover stack ${run.stackName}: production never failed over to ${ctx.targetRegion} (or the stack was destroyed)`,
        {
          hint: "A failback brings home what a failover wrote; `dr-failover status` lists the DR stacks. Nothing was created.",
        },
      );
    }
    const config = await stack.getAllConfig();
    const args = JSON.parse(config[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value ?? "null") as DrStackArgs | null;
    const outputs = toOutputs(await stack.outputs());
    if (!args || !outputs.databaseIdentifier || !outputs.loadBalancerDnsName) {
      throw new PreconditionError(
        "FAILOVER_INCOMPLETE",
        `the failover stack ${run.stackName} has no complete failover (no settings or no outputs)`,
        { hint: `Finish the failover first (re-run \`dr-failover failover -r ${ctx.targetRegion}\`), then fail back.` },
      );
    }
    const recordedText = await plainStackConfig(stack, FAILBACK_KEY);
    const earlier = recordedText ? (JSON.parse(recordedText) as FailbackRecord) : undefined;
    const problems = new Problems();
    const name = ctx.plan.dns.productionRecord;

    // Production on DR, and the value to restore recorded by the failover.
    const recordedPrevious = await plainStackConfig(stack, PREVIOUS_RECORD_KEY);
    const previous = recordedPrevious ? parsePreviousRecords(recordedPrevious) : [];
    const live = await problems.guard(
      `reading ${name}`,
      async () => (await readNameRecords(ctx.aws.route53(), args.dns.zoneId, name)).routing,
    );
    const drTarget = outputs.loadBalancerDnsName.toLowerCase();
    if (previous.length === 0) {
      problems.add(
        "FAILBACK_PREVIOUS_RECORD_MISSING",
        `the failover stack recorded no pre-failover value of ${name}: there is nothing to switch back to — point the record by hand, or restore the stack's settings (dr-failover:previousProductionRecord)`,
      );
    }
    const backHome = live !== undefined && previous.length > 0 && switchChanges(live, previous).length === 0;
    if (live && !live.some((value) => recordTarget(value) === drTarget) && !(earlier && backHome)) {
      problems.add(
        "PRODUCTION_NOT_ON_DR",
        `${name} does not point at the DR load balancer ${drTarget} (it points at ${targetsOf(live) ?? "nothing"}): production is not running in ${ctx.targetRegion}, so there is nothing to bring home — check the record, or use destroy if no failover is in effect`,
      );
    }

    // The DR database: backups on (a snapshot needs them as replicas do), and the key of its copy.
    const drDatabase = await problems.guard(
      `DescribeDBInstances ${outputs.databaseIdentifier} in ${ctx.targetRegion}`,
      () => describeInstance(ctx.aws.rds(ctx.targetRegion), outputs.databaseIdentifier),
    );
    let sourceKmsKeyId = earlier?.sourceKmsKeyId ?? options.sourceKmsKeyId;
    if (drDatabase === undefined) {
      // guard said it, or the instance is gone
    } else if (drDatabase === null) {
      problems.add(
        "DR_DATABASE_NOT_FOUND",
        `the DR database ${outputs.databaseIdentifier} does not exist in ${ctx.targetRegion}`,
      );
    } else {
      if ((drDatabase.BackupRetentionPeriod ?? 0) <= 0) {
        problems.add(
          "DR_DATABASE_BACKUPS_OFF",
          `the DR database ${outputs.databaseIdentifier} keeps no backups (BackupRetentionPeriod 0) — turn them on (ModifyDBInstance --backup-retention-period 7, or set database.backup.retentionDays and re-run the failover), then re-run`,
        );
      }
      // A read replica is made of an available source (the cutover of a prepared one needs no new copy).
      if (method === "replica" && !earlier?.preparedAt && drDatabase.DBInstanceStatus !== "available") {
        problems.add(
          "DR_DATABASE_NOT_AVAILABLE",
          `the DR database ${outputs.databaseIdentifier} is ${drDatabase.DBInstanceStatus}, not available: RDS replicates only an available instance — wait until it is available, then re-run (or use --method snapshot)`,
        );
      }
      if (drDatabase.StorageEncrypted && !sourceKmsKeyId) {
        const primary = await problems.guard(
          `DescribeDBInstances ${ctx.plan.database.sourceIdentifier} in ${source}`,
          () => describeInstance(ctx.aws.rds(source), ctx.plan.database.sourceIdentifier),
        );
        sourceKmsKeyId = primary?.KmsKeyId;
        if (primary !== undefined && !sourceKmsKeyId) {
          problems.add(
            "SOURCE_KMS_KEY_REQUIRED",
            `the DR database is encrypted and its key does not leave ${ctx.targetRegion}: its replica or copy needs a KMS key of ${source}, and the old primary ${ctx.plan.database.sourceIdentifier} names none — pass --source-kms-key arn:aws:kms:${source}:<account>:key/<id>`,
          );
        }
      }
      if (drDatabase.StorageEncrypted && sourceKmsKeyId) {
        const keyId = sourceKmsKeyId;
        const key = await problems.guard(`DescribeKey ${keyId} in ${source}`, async () =>
          ctx.aws
            .kms(source)
            .send(new KMS.DescribeKeyCommand({ KeyId: keyId }))
            .then((answer) => answer.KeyMetadata)
            .catch((error: unknown) => {
              if (awsErrorName(error) === "NotFoundException") return null;
              throw error;
            }),
        );
        if (key === null || (key && (key.KeyState !== "Enabled" || !key.Arn?.includes(`:${source}:`)))) {
          problems.add(
            "SOURCE_KMS_KEY_UNUSABLE",
            `the KMS key ${keyId} is not an enabled key of ${source} (${key ? `${key.KeyState} in ${key.Arn}` : "not found"}) — pass --source-kms-key with an enabled key of ${source}`,
          );
        }
      }
    }

    // The production secret and service in the source region (which must answer).
    await problems.guard(`DescribeSecret ${ctx.plan.secrets.databaseSecretName} in ${source}`, async () => {
      await ctx.aws
        .secrets(source)
        .send(new SecretsManager.DescribeSecretCommand({ SecretId: ctx.plan.secrets.databaseSecretName }))
        .catch((error: unknown) => {
          if (awsErrorName(error) !== "ResourceNotFoundException") throw error;
          problems.add(
            "PRODUCTION_SECRET_NOT_FOUND",
            `the production secret ${ctx.plan.secrets.databaseSecretName} does not exist in ${source} — restore it (the runbook's connection secret: host, port, database, username, password), then re-run`,
          );
        });
    });
    await problems.guard(`DescribeServices ${ctx.plan.service.name} in ${source}`, async () => {
      const answer = await ctx.aws
        .ecs(source)
        .send(new ECS.DescribeServicesCommand({ cluster: ctx.plan.service.cluster, services: [ctx.plan.service.name] }))
        .catch((error: unknown) => {
          if (awsErrorName(error) === "ClusterNotFoundException") return { services: [] };
          throw error;
        });
      if (answer.services?.[0]?.status !== "ACTIVE") {
        problems.add(
          "PRODUCTION_SERVICE_NOT_FOUND",
          `the production ECS service ${ctx.plan.service.name} (cluster ${ctx.plan.service.cluster}) is not active in ${source} — bring the production service back (its IaC), then re-run`,
        );
      }
    });
    failOnProblems(problems, source, ctx.aws.sharedEndpoint);

    let connection: DatabaseConnection | undefined;
    if (ctx.plan.verification.sql && !earlier?.lastCounts) {
      const held = await readConnectionSecret(ctx.aws, ctx.targetRegion, outputs.secretArn);
      run.secrets.push(held.password);
      connection = reachableFromTool(held, outputs);
    }
    const stamp = run.runId.slice(0, 15).replace(/[^0-9a-z]/g, "");
    const record: FailbackRecord = earlier ?? {
      runId: run.runId,
      method,
      finalSnapshot: `${outputs.databaseIdentifier}-failback-${stamp}`,
      copy: `${outputs.databaseIdentifier}-failback-${stamp}`,
      instance: `${ctx.plan.database.sourceIdentifier}-failback-${stamp}`,
      sourceKmsKeyId: drDatabase?.StorageEncrypted ? sourceKmsKeyId : undefined,
      ...(method === "replica" ? { failbackStack: failbackStackNameFor(ctx.plan.app, source) } : {}),
    };
    if (earlier) {
      run.emit({
        type: "info",
        message: `continuing the failback ${earlier.runId}${earlier.freezeStartedAt ? ` (writes stopped at ${earlier.freezeStartedAt})` : ""}: ${earlier.instance} in ${source}`,
      });
    }
    run.emit({
      type: "info",
      message: `failback by ${method}: ${outputs.databaseIdentifier} (${ctx.targetRegion}) → ${record.instance} (${source}); ${name} back to ${targetsOf(previous)}`,
    });
    return { stack, args, outputs, record, previous, connection };
  });
}

/** The production secret in the source region (its password registered for redaction at once). */
export async function readProductionSecret(run: Run): Promise<DatabaseConnection & { raw: Record<string, unknown> }> {
  const { ctx } = run;
  const answer = await ctx.aws
    .secrets(ctx.plan.sourceRegion)
    .send(new SecretsManager.GetSecretValueCommand({ SecretId: ctx.plan.secrets.databaseSecretName }))
    .catch((error: unknown) => {
      throw wrapAwsError(`GetSecretValue ${ctx.plan.secrets.databaseSecretName} in ${ctx.plan.sourceRegion}`, error);
    });
  let raw: Record<string, unknown> | undefined;
  try {
    raw = JSON.parse(answer.SecretString ?? "") as Record<string, unknown>;
  } catch {
    raw = undefined;
  }
  if (!raw || typeof raw.password !== "string" || typeof raw.username !== "string") {
    throw new PreconditionError(
      "PRODUCTION_SECRET_UNREADABLE",
      `the production secret ${ctx.plan.secrets.databaseSecretName} in ${ctx.plan.sourceRegion} is not the runbook's JSON (host, port, database, username, password)`,
      { hint: "Fix the secret in the Secrets Manager console of the source region, then re-run." },
    );
  }
  run.secrets.push(raw.password as string);
  return {
    raw,
    host: String(raw.host ?? ""),
    port: Number(raw.port ?? ctx.plan.database.port),
    database: String(raw.database ?? ctx.plan.database.databaseName),
    username: raw.username as string,
    password: raw.password as string,
  };
}

/** The plan's data checks as numbers; a check that gives none is a failure (the comparison needs every count). */
export async function countRows(
  run: Run,
  connection: DatabaseConnection,
  options: { settleMs?: number } = {},
): Promise<Record<string, number>> {
  const { ctx } = run;
  const sql = ctx.plan.verification.sql!;
  const deadline = Date.now() + (options.settleMs ?? 0);
  let interval = 250;
  let counts: Record<string, number> = {};
  let errors: string[] = [];
  for (;;) {
    const outcomes = await queryDirect(connection, sql.checks, { timeoutMs: sql.timeout });
    counts = {};
    errors = [];
    for (const check of sql.checks) {
      const outcome = outcomes.get(check.name);
      if (outcome && "value" in outcome) counts[check.name] = outcome.value;
      else errors.push(`${check.name}: ${run.redact(outcome?.error ?? "not run")}`);
    }
    // A new master password takes a moment to apply (RDS: resetting-master-credentials): look again until settled.
    if (errors.length === 0 || Date.now() >= deadline || ctx.signal?.aborted) break;
    await sleep(interval, ctx.signal);
    interval = Math.min(interval * 2, 5_000);
  }
  if (errors.length) {
    throw new VerificationError("FAILBACK_DATA_CHECK_FAILED", `the data checks could not count ${connection.host}`, {
      details: errors,
      hint: "Nothing moved back yet: fix what the details say, then re-run (the failback continues).",
    });
  }
  return counts;
}

export const describeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([name, value]) => `${name} ${value}`)
    .join(", ");

/** The downtime starts (or continues, on a resume): the live view projects its phases against the plan's budget. */
function startDowntime(run: Run, startedAt: string, method: FailbackMethod) {
  const budgetMs = run.ctx.plan.objectives.failbackDowntime;
  run.report.downtime = { startedAt, budgetMs };
  run.emit({ type: "downtime", startedAt, budgetMs, phases: [...failbackDowntimePhases(method)] });
}

/** The downtime from `startedAt` to `endedAt`, against the plan's budget when it gives one. */
function measuredDowntime(run: Run, startedAt: string, endedAt: Date): NonNullable<RunReport["downtime"]> {
  const durationMs = endedAt.getTime() - new Date(startedAt).getTime();
  const budgetMs = run.ctx.plan.objectives.failbackDowntime;
  return {
    startedAt,
    endedAt: endedAt.toISOString(),
    durationMs,
    ...(budgetMs === undefined ? {} : { budgetMs, met: durationMs <= budgetMs }),
  };
}

function endDowntime(run: Run, startedAt: string) {
  const downtime = measuredDowntime(run, startedAt, new Date());
  const durationMs = downtime.durationMs!;
  run.report.downtime = downtime;
  run.emit({ type: "downtime", startedAt, durationMs, budgetMs: downtime.budgetMs });
  run.emit({
    type: "info",
    message: `production healthy in ${run.ctx.plan.sourceRegion}: downtime ${formatDuration(durationMs)} (write freeze → healthy)${downtime.budgetMs === undefined ? "" : ` of a ${formatDuration(downtime.budgetMs)} budget`}`,
  });
  // A warning, not a failure: production is home and healthy; failing now would invite a retry or a roll-back.
  if (downtime.met === false) {
    run.emit({
      type: "warning",
      code: "DOWNTIME_BUDGET_MISSED",
      message: `the failback's downtime ${formatDuration(durationMs)} exceeded its budget ${formatDuration(downtime.budgetMs!)} (objectives.failbackDowntime) by ${formatDuration(durationMs - downtime.budgetMs!)}`,
    });
  }
}

/** The report's hand-over: the new primary and the import lines that adopt it in the production IaC. */
export function handOverOf(run: Run, record: FailbackRecord, instance: DBInstance): NonNullable<RunReport["handOver"]> {
  const id = record.instance;
  return {
    method: record.method,
    region: run.ctx.plan.sourceRegion,
    instanceIdentifier: id,
    instanceArn: instance.DBInstanceArn,
    endpoint: instance.Endpoint?.Address ? `${instance.Endpoint.Address}:${instance.Endpoint.Port}` : undefined,
    importCommands: [
      `pulumi import aws:rds/instance:Instance production-database ${id}`,
      `terraform import aws_db_instance.production ${id}`,
    ],
  };
}

async function describeSnapshot(rds: RDSClient, id: string): Promise<DBSnapshot | undefined> {
  try {
    return (await rds.send(new RDS.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0];
  } catch (error) {
    if (awsErrorName(error) === "DBSnapshotNotFoundFault" || awsErrorName(error) === "DBSnapshotNotFound")
      return undefined;
    throw wrapAwsError(`DescribeDBSnapshots ${id}`, error);
  }
}

/** The instance, or null when it does not exist. */
export async function describeInstance(rds: RDSClient, id: string): Promise<DBInstance | null> {
  try {
    return (await rds.send(new RDS.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0] ?? null;
  } catch (error) {
    if (awsErrorName(error)?.startsWith("DBInstanceNotFound")) return null;
    throw wrapAwsError(`DescribeDBInstances ${id}`, error);
  }
}

async function waitForSnapshot(run: Run, rds: RDSClient, id: string, region: string): Promise<DBSnapshot> {
  let found: DBSnapshot | undefined;
  await waitUntil(run, `snapshot ${id} in ${region} becoming available`, DATA_WAIT_MS, async () => {
    found = await describeSnapshot(rds, id);
    return { done: found?.Status === "available", detail: `status ${found?.Status ?? "not found"}` };
  });
  return found!;
}

/** Polls `look` (1 s doubling to 15 s) until done or `limitMs`; a miss is WAIT_TIMED_OUT (a re-run continues). */
export async function waitUntil(
  run: Run,
  what: string,
  limitMs: number,
  look: () => Promise<{ done: boolean; detail: string }>,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  let interval = run.ctx.readinessPollIntervalMs ?? 1_000;
  for (;;) {
    const seen = await look();
    if (seen.done) return;
    if (Date.now() >= deadline || run.ctx.signal?.aborted) {
      throw new ToolError("WAIT_TIMED_OUT", `${what}: not within ${formatDuration(limitMs)}`, {
        details: [`last seen: ${seen.detail}`],
        hint: "Re-run the same command: the failback continues where it stopped.",
      });
    }
    await sleep(Math.min(interval, deadline - Date.now()), run.ctx.signal);
    interval = Math.min(interval * 2, 15_000);
  }
}
