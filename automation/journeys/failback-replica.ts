/**
 * Failback by `--method replica`: the steps only this method has, each a phase
 * of its own, run by journeys/failback.ts around the shared ones.
 *
 * - prepare-replica (no downtime; `--prepare-only` stops after it): a failback
 *   stack of its own (`<app>-failback-<source region>`, stacks/failback.ts)
 *   with one `aws.rds.Instance` replicating the DR database by its ARN, in the
 *   old primary's subnet group and security groups with a key of the source
 *   region; waited on until available and replicating.
 * - catch-up (after the write freeze): the replica holds the DR database's last
 *   counts (the plan's data checks), i.e. nothing is left to replicate.
 * - promote: the stack's `replicateSourceDb` removed (upstream: PromoteReadReplica
 *   with production's backup retention, then a wait). An instance that no longer
 *   names a source was promoted already (a killed run): the stack is refreshed
 *   instead, so it is never promoted twice. Then the production secret's password.
 * - hand-over (after verification): the failback stack is destroyed and removed;
 *   its instance is `retainOnDelete`, so it stays (deletion-protected) for the
 *   production IaC to import.
 */
import type { DBInstance } from "@aws-sdk/client-rds";
import { Stack } from "@pulumi/pulumi/automation/index.js";
import type { DrStackArgs, DrStackOutputs, FailbackStackArgs } from "../../stacks/args.js";
import { CONFIG_NAMESPACE, FAILBACK_ARGS_KEY } from "../../stacks/config.js";
import { wrapAwsError } from "../aws.js";
import { PreconditionError } from "../errors.js";
import { sdkProbes, waitForStep } from "../readiness.js";
import { recoverStack } from "../recovery.js";
import { engineError } from "../run/engine-errors.js";
import type { Run } from "../run/run.js";
import { RDS } from "../sdk.js";
import { type DatabaseConnection, readConnectionSecret } from "../sql-checks.js";
import { backendUrlOf, type JourneyPhase } from "../vocabulary.js";
import {
  dropSharedStackSettings,
  engineEventHandler,
  findStack,
  openWorkspace,
  plainStackConfig,
  SUMMARY_WITHOUT_SECRETS,
  writeStackConfig,
} from "../workspace.js";
import {
  countRows,
  describeCounts,
  describeInstance,
  type FailbackRecord,
  handOverOf,
  readProductionSecret,
  waitUntil,
} from "./failback.js";

/** How long the replica may take to be created (a copy of the whole database) and to catch up. */
const REPLICA_WAIT_MS = 4 * 60 * 60_000;
const CATCH_UP_WAIT_MS = 30 * 60_000;

const ARGS_CONFIG_KEY = `${CONFIG_NAMESPACE}:${FAILBACK_ARGS_KEY}`;

/** The engine's error, naming the failback stack (engineError names the run's failover stack). */
function failbackEngineError(run: Run, stack: Stack, operation: string, error: unknown) {
  const wrapped = engineError(run, operation, error);
  wrapped.message = wrapped.message.replace(run.stackName, stack.name);
  return wrapped;
}

type Save = (change: Partial<FailbackRecord>) => Promise<void>;
/** The journey's phase runner (after the write freeze it adds where production is and how to resume to an interruption). */
type Phase = <T>(name: JourneyPhase, work: () => Promise<T>) => Promise<T>;

/** The failback stack, opened with its own program (created on the first prepare). */
async function failbackStackOf(run: Run, name: string, create: boolean): Promise<Stack | undefined> {
  const { ctx } = run;
  const { failbackProgram } = await import("../../stacks/failback.js");
  const workspace = await openWorkspace({ ...ctx.workspace, program: failbackProgram });
  const found = await findStack(ctx.workspace, workspace, name);
  if (found || !create) return found;
  return Stack.create(name, workspace);
}

/** `pulumi up` of the failback stack with these settings; a stack left by a killed run is recovered first. */
async function upFailbackStack(run: Run, stack: Stack, args: FailbackStackArgs): Promise<void> {
  const { ctx } = run;
  await writeStackConfig(ctx.workspace, stack, { [ARGS_CONFIG_KEY]: { value: JSON.stringify(args) } });
  await recoverStack(
    {
      aws: ctx.aws,
      region: ctx.plan.sourceRegion,
      backendUrl: backendUrlOf(ctx.workspace),
      emit: (event) => run.emit(event),
      journal: run.journal,
    },
    stack,
  );
  try {
    await stack.up({
      onEvent: engineEventHandler(run.clock, (event) => run.emit(event)),
      signal: ctx.signal,
      color: "never",
      ...SUMMARY_WITHOUT_SECRETS,
    });
  } catch (error) {
    throw failbackEngineError(run, stack, "up", error);
  }
}

/** What the replica is made of: the DR database's ARN, the old primary's network, a key of the source region. */
async function replicaArgsOf(run: Run, record: FailbackRecord, drArgs: DrStackArgs, outputs: DrStackOutputs) {
  const { ctx } = run;
  const source = ctx.plan.sourceRegion;
  const dr = await describeInstance(ctx.aws.rds(ctx.targetRegion), outputs.databaseIdentifier);
  if (!dr?.DBInstanceArn) {
    throw new PreconditionError(
      "DR_DATABASE_NOT_FOUND",
      `the DR database ${outputs.databaseIdentifier} does not exist in ${ctx.targetRegion}`,
      { hint: "Nothing was created. Check the DR stack (`dr-failover status`)." },
    );
  }
  const primary = await describeInstance(ctx.aws.rds(source), ctx.plan.database.sourceIdentifier);
  const args: FailbackStackArgs = {
    app: ctx.plan.app,
    targetRegion: source,
    endpoint: drArgs.endpoint,
    tags: { ...drArgs.tags, "dr-failover:failback": record.runId },
    replica: {
      identifier: record.instance,
      sourceArn: dr.DBInstanceArn,
      promote: false,
      instanceClass: ctx.plan.database.instanceClass,
      subnetGroupName: primary?.DBSubnetGroup?.DBSubnetGroupName,
      securityGroupIds: primary?.VpcSecurityGroups?.map((group) => group.VpcSecurityGroupId!).filter(Boolean),
      kmsKeyId: record.sourceKmsKeyId,
      storageEncrypted: dr.StorageEncrypted ?? false,
      backupRetentionPeriod: ctx.plan.database.backup.retentionDays,
      backupWindow: ctx.plan.database.backup.window,
    },
  };
  return args;
}

/**
 * prepare-replica: the read replica in the source region, in the failback stack, waited on until
 * available and replicating. No downtime: the DR region keeps serving. A re-run changes nothing.
 */
export async function prepareReplica(
  run: Run,
  record: FailbackRecord,
  save: Save,
  dr: { args: DrStackArgs; outputs: DrStackOutputs },
): Promise<void> {
  const { ctx } = run;
  const source = ctx.plan.sourceRegion;
  await run.phase("prepare-replica", async () => {
    // The cutover started (the freeze comes after a prepared replica): the promotion may be done, never undo it.
    if (record.freezeStartedAt || record.promotedAt) {
      run.emit({
        type: "info",
        message: `${record.instance} was prepared before the write freeze: nothing to prepare`,
      });
      return;
    }
    const stack = (await failbackStackOf(run, record.failbackStack!, true))!;
    const args = await replicaArgsOf(run, record, dr.args, dr.outputs);
    if (!record.preparedAt) {
      run.emit({
        type: "info",
        message: `creating the read replica ${record.instance} of ${args.replica.sourceArn} in ${source} (stack ${stack.name})`,
      });
    }
    await upFailbackStack(run, stack, args);
    const replica = await waitReplicating(run, record.instance);
    if (!record.preparedAt) await save({ preparedAt: new Date().toISOString() });
    run.emit({
      type: "info",
      message: `read replica ${record.instance} in ${source}: ${replica.DBInstanceStatus}, replicating from ${replica.ReadReplicaSourceDBInstanceIdentifier}`,
    });
  });
}

/** Available, and replicating normally (its read-replication status info). */
async function waitReplicating(run: Run, id: string): Promise<DBInstance> {
  const { ctx } = run;
  const rds = ctx.aws.rds(ctx.plan.sourceRegion);
  let found: DBInstance | null = null;
  await waitUntil(run, `read replica ${id} in ${ctx.plan.sourceRegion} replicating`, REPLICA_WAIT_MS, async () => {
    found = await describeInstance(rds, id);
    const replication = found?.StatusInfos?.find((info) => info.StatusType === "read replication");
    return {
      done:
        found?.DBInstanceStatus === "available" &&
        Boolean(found.ReadReplicaSourceDBInstanceIdentifier) &&
        replication?.Normal !== false,
      detail: `status ${found?.DBInstanceStatus ?? "not found"}, replication ${replication?.Status ?? "unknown"}`,
    };
  });
  return found!;
}

/**
 * catch-up and promote: once writes stopped in DR, the replica holds the DR database's last counts
 * (nothing left to replicate), then it is promoted, once, and takes the production secret's password.
 */
export async function cutOverToReplica(
  run: Run,
  record: FailbackRecord,
  save: Save,
  drSecretArn: string,
  phase: Phase,
): Promise<DBInstance> {
  const { ctx } = run;
  const source = ctx.plan.sourceRegion;
  const rds = ctx.aws.rds(source);
  const lastCounts = record.lastCounts;
  await phase("catch-up", async () => {
    if (record.promotedAt) return;
    const current = await describeInstance(rds, record.instance);
    if (current && !current.ReadReplicaSourceDBInstanceIdentifier) {
      // Promoted by a killed run: nothing replicates any more; the data check compares the counts.
      run.emit({ type: "info", message: `${record.instance} no longer replicates (promoted already)` });
      return;
    }
    const replica = await waitReplicating(run, record.instance);
    if (!ctx.plan.verification.sql || !lastCounts) {
      run.emit({ type: "info", message: `${record.instance} replicating (no data checks to compare)` });
      return;
    }
    // A replica answers with its source's credentials.
    const dr = await readConnectionSecret(ctx.aws, ctx.targetRegion, drSecretArn);
    run.secrets.push(dr.password);
    const connection: DatabaseConnection = {
      ...dr,
      host: replica.Endpoint!.Address!,
      port: replica.Endpoint!.Port ?? dr.port,
    };
    let seen: Record<string, number> = {};
    await waitUntil(run, `read replica ${record.instance} catching up`, CATCH_UP_WAIT_MS, async () => {
      seen = await countRows(run, connection).catch(() => ({}));
      const behind = Object.entries(lastCounts).filter(([name, value]) => seen[name] !== value);
      return { done: behind.length === 0, detail: describeCounts(seen) || "no counts" };
    });
    run.emit({
      type: "info",
      message: `${record.instance} caught up: ${describeCounts(seen)}, equal to the DR database's last counts`,
    });
  });

  return phase("promote", async () => {
    const stack = await failbackStackOf(run, record.failbackStack!, false);
    const before = await describeInstance(rds, record.instance);
    if (!before) {
      throw new PreconditionError(
        "FAILBACK_REPLICA_NOT_FOUND",
        `the read replica ${record.instance} is gone from ${source}`,
        {
          hint: `Production DNS still points at ${ctx.targetRegion}. Scale the DR service back up to end the downtime, then run the failback again (a new replica is prepared).`,
        },
      );
    }
    if (stack) {
      const args = JSON.parse((await plainStackConfig(stack, ARGS_CONFIG_KEY)) ?? "null") as FailbackStackArgs | null;
      if (!args)
        throw new PreconditionError("FAILBACK_STACK_INCOMPLETE", `the failback stack ${stack.name} has no settings`, {
          hint: "Run the failback again without --prepare-only after restoring the stack's settings.",
        });
      if (!before.ReadReplicaSourceDBInstanceIdentifier) {
        // Promoted by a run killed before its state was saved: read that into the state, never promote again.
        run.emit({ type: "info", message: `${record.instance} is promoted already: not promoting it again` });
        try {
          await stack.refresh({ color: "never", signal: ctx.signal, ...SUMMARY_WITHOUT_SECRETS });
        } catch (error) {
          throw failbackEngineError(run, stack, "refresh", error);
        }
      }
      await upFailbackStack(run, stack, { ...args, replica: { ...args.replica, promote: true } });
    } else if (before.ReadReplicaSourceDBInstanceIdentifier) {
      throw new PreconditionError(
        "FAILBACK_STACK_NOT_FOUND",
        `the failback stack ${record.failbackStack} is gone but ${record.instance} still replicates`,
        { hint: "Run the failback again with --prepare-only to restore the stack, then without it." },
      );
    }
    if (!record.promotedAt) await save({ promotedAt: new Date().toISOString() });
    // The production secret's credentials stay valid: the new primary takes its password.
    const production = await readProductionSecret(run);
    await rds
      .send(
        new RDS.ModifyDBInstanceCommand({
          DBInstanceIdentifier: record.instance,
          MasterUserPassword: production.password,
          DeletionProtection: true,
          ApplyImmediately: true,
        }),
      )
      .catch((error: unknown) => {
        throw wrapAwsError(`ModifyDBInstance ${record.instance} in ${source}`, error);
      });
    const probes = sdkProbes(ctx.aws, source);
    const budget = {
      deadline: Date.now() + REPLICA_WAIT_MS,
      allowanceMs: REPLICA_WAIT_MS,
      source: "the failback's data wait",
    };
    await waitForStep("database", `database ${record.instance}`, () => probes.database(record.instance), budget, {
      signal: ctx.signal,
      initialIntervalMs: ctx.readinessPollIntervalMs,
    });
    const instance = await describeInstance(rds, record.instance);
    if (!instance?.Endpoint?.Address || instance.ReadReplicaSourceDBInstanceIdentifier) {
      throw new PreconditionError(
        "FAILBACK_PROMOTION_INCOMPLETE",
        `${record.instance} in ${source} is not a promoted primary with an endpoint`,
        {
          hint: "Look at the instance in the RDS console of the source region, then re-run (it is not promoted twice).",
        },
      );
    }
    run.emit({
      type: "info",
      message: `${record.instance} promoted in ${source}: the new primary (${instance.BackupRetentionPeriod} days of backups)`,
    });
    run.report.handOver = handOverOf(run, record, instance);
    return instance;
  });
}

/**
 * hand-over: the failback stack destroyed and removed. Its instance is retainOnDelete: it stays,
 * deletion-protected, out of any dr-failover state, for the production IaC to import.
 */
export async function handOverReplica(run: Run, record: FailbackRecord, save: Save, phase: Phase): Promise<void> {
  const { ctx } = run;
  const source = ctx.plan.sourceRegion;
  await phase("hand-over", async () => {
    const stack = await failbackStackOf(run, record.failbackStack!, false);
    if (stack) {
      try {
        await stack.destroy({
          onEvent: engineEventHandler(run.clock, (event) => run.emit(event)),
          color: "never",
          remove: true,
          signal: ctx.signal,
          ...SUMMARY_WITHOUT_SECRETS,
        });
      } catch (error) {
        throw failbackEngineError(run, stack, "destroy", error);
      }
      await dropSharedStackSettings(ctx.workspace, stack.name);
    }
    const instance = await describeInstance(ctx.aws.rds(source), record.instance);
    if (!instance) {
      throw new PreconditionError(
        "FAILBACK_PRIMARY_MISSING",
        `the new primary ${record.instance} is not in ${source}`,
        {
          hint: "Look at the RDS console of the source region at once: production's secret points at it.",
        },
      );
    }
    run.report.handOver = handOverOf(run, record, instance);
    if (!record.handedOverAt) await save({ handedOverAt: new Date().toISOString() });
    run.emit({
      type: "info",
      message: `${record.instance} handed over: the failback stack ${record.failbackStack} is removed, the instance stays (deletion protection ${instance.DeletionProtection ? "on" : "OFF"}) — adopt it with: ${run.report.handOver.importCommands[0]}`,
    });
  });
}
