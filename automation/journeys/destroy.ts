/** Destroy: DNS first (restore production), data second (final snapshot of a failover's DB), stack last. */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import type { DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { ARGS_KEY, CONFIG_NAMESPACE, PREVIOUS_RECORD_KEY } from "../../stacks/config.js";
import { awsErrorName } from "../aws.js";
import {
  changeRecords,
  parsePreviousRecords,
  readNameRecords,
  recordTarget,
  restoreChanges,
  targetsOf,
  type DnsRecordValue,
} from "../dns.js";
import { PreconditionError, RefusedError, UsageError } from "../errors.js";
import type { RunReport } from "../report/model.js";
import { engineError } from "../run/engine-errors.js";
import { newRunId } from "../run/ids.js";
import { recover, takeJourneyLock, teardownStack } from "../run/phases.js";
import type { Run } from "../run/run.js";
import { endpointsOf, toOutputs } from "../run/stack-args.js";
import { RDS } from "../sdk.js";
import { backendUrlOf, isDrStackOf, RESOURCE_TYPES, stackNameFor } from "../vocabulary.js";
import {
  engineEventHandler,
  findStack,
  openWorkspace,
  plainStackConfig,
  sharedSettingsWhere,
  SUMMARY_WITHOUT_SECRETS,
  workDirOf,
  writeStackConfig,
} from "../workspace.js";
import type { JourneyContext } from "../run/context.js";
import { runJourney } from "./skeleton.js";

export interface DestroyOptions {
  /** Stack to destroy; default: the failover stack of the target region, or the only kept drill. */
  stackName?: string;
  /** Destroy even though the production record cannot be restored. */
  force?: boolean;
  /**
   * Point production back at its pre-failover value although it still serves from this DR stack:
   * the writes made in DR since the failover then survive only in the final snapshot (no failback).
   */
  strandDrWrites?: boolean;
}

/** The DR stacks of this app in the target region. */
async function drStacksOf(ctx: JourneyContext): Promise<string[]> {
  const workspace = await openWorkspace(ctx.workspace);
  return (await workspace.listStacks())
    .map((summary) => summary.name)
    .filter((name) => isDrStackOf(ctx.plan.app, ctx.targetRegion, name));
}

async function resolveStackToDestroy(ctx: JourneyContext, options: DestroyOptions): Promise<string> {
  if (options.stackName) return options.stackName;
  const names = await drStacksOf(ctx);
  const failover = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, "");
  if (names.includes(failover)) return failover;
  if (names.length === 1) return names[0];
  if (names.length === 0) {
    throw new UsageError(
      "STACK_NOT_FOUND",
      `there is no DR stack of ${ctx.plan.app} in ${ctx.targetRegion} to destroy`,
      {
        hint: "`dr-failover status` lists the DR stacks.",
      },
    );
  }
  throw new UsageError(
    "STACK_AMBIGUOUS",
    `${names.length} DR stacks of ${ctx.plan.app} in ${ctx.targetRegion}: name one with --stack`,
    {
      details: names,
    },
  );
}

/** Destroy: DNS first (restore production), data second (final snapshot of a failover's DB), stack last. */
export async function runDestroy(ctx: JourneyContext, options: DestroyOptions = {}): Promise<RunReport> {
  const stackName = await resolveStackToDestroy(ctx, options);
  const workspace = await openWorkspace(ctx.workspace);
  const found = await findStack(ctx.workspace, workspace, stackName);
  if (!found) {
    throw new UsageError("STACK_NOT_FOUND", `stack ${stackName} does not exist in ${backendUrlOf(ctx.workspace)}`, {
      hint: "`dr-failover status` lists the DR stacks.",
    });
  }
  const stack = found;
  const runId = newRunId("destroy");
  return runJourney(ctx, { journey: "destroy", runId, stackName }, async (run) => {
    await takeJourneyLock(run);
    try {
      await recover(run, stack);
      const config = await stack.getAllConfig();
      const args = JSON.parse(config[`${CONFIG_NAMESPACE}:${ARGS_KEY}`]?.value ?? "null") as DrStackArgs | null;
      if (!args) {
        throw new PreconditionError(
          "STACK_CONFIG_MISSING",
          `stack ${stackName} has no dr-failover configuration: neither the backend (${sharedSettingsWhere(ctx.workspace, stackName)}) nor this machine's workspace holds its settings`,
          {
            hint: `Run the command once from the machine that ran the journey (it shares the settings through the backend), or copy that machine's Pulumi.${stackName}.yaml into ${workDirOf(ctx.workspace)}; then re-run.`,
          },
        );
      }
      const outputs = toOutputs(await stack.outputs());
      run.report.endpoints = endpointsOf(outputs);
      if (args.mode === "failover") {
        await restoreProductionRecord(run, stack, args, outputs, options);
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
            await run.journal.write(
              "release-protection",
              "info",
              database ? "already released" : "no database in state",
            );
            return;
          }
          const stamp = new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14);
          const releasing: DrStackArgs = {
            ...args,
            database: {
              ...args.database,
              releasing: true,
              finalSnapshotIdentifier:
                args.database.finalSnapshotIdentifier ?? `${args.database.identifier}-final-${stamp}`,
            },
          };
          await writeStackConfig(ctx.workspace, stack, {
            [`${CONFIG_NAMESPACE}:${ARGS_KEY}`]: { value: JSON.stringify(releasing) },
          });
          try {
            // Only the database: whatever a killed failover never created stays uncreated (and needs no permission).
            await stack.up({
              target: [database.urn],
              onEvent: engineEventHandler(run.clock, (event) => run.emit(event)),
              color: "never",
              signal: ctx.signal,
              ...SUMMARY_WITHOUT_SECRETS,
            });
          } catch (error) {
            throw engineError(run, "up", error);
          }
          run.emit({
            type: "info",
            message: `database protection released; final snapshot ${releasing.database.finalSnapshotIdentifier} will be taken`,
          });
          Object.assign(args, releasing);
        });
      }
      await teardownStack(run, stack, ctx.signal);
      if (args.mode === "failover" && args.database.finalSnapshotIdentifier) {
        await confirmFinalSnapshot(run, args.database.finalSnapshotIdentifier);
      }
      run.report.teardown = { performed: true, ok: true, detail: `stack ${stackName} destroyed and removed` };
    } catch (error) {
      run.report.teardown = {
        performed: true,
        ok: false,
        detail: run.redact(error instanceof Error ? error.message : String(error)),
      };
      throw error;
    }
  });
}

/** The DR database as the stack's state holds it, if it does. */
async function databaseInState(stack: Stack): Promise<{ urn: string; protect: boolean } | undefined> {
  const state = (await stack.exportStack()) as {
    deployment?: { resources?: { urn: string; type: string; protect?: boolean; delete?: boolean }[] };
  };
  const found = state.deployment?.resources?.find(
    (resource) => resource.type === RESOURCE_TYPES.rdsInstance && !resource.delete,
  );
  return found ? { urn: found.urn, protect: Boolean(found.protect) } : undefined;
}

async function restoreProductionRecord(
  run: Run,
  stack: Stack,
  args: DrStackArgs,
  outputs: DrStackOutputs,
  { force = false, strandDrWrites = false }: DestroyOptions,
) {
  const { ctx } = run;
  await run.phase("dns", async () => {
    const name = ctx.plan.dns.productionRecord;
    const live = (await readNameRecords(ctx.aws.route53(), args.dns.zoneId, name)).routing;
    const recorded = await plainStackConfig(stack, PREVIOUS_RECORD_KEY);
    const previous = recorded ? parsePreviousRecords(recorded) : undefined;
    const drTarget = outputs.loadBalancerDnsName?.toLowerCase();
    const pointsHere = (value: DnsRecordValue) => recordTarget(value) === drTarget;
    run.report.dns = { record: name, previous: previous && targetsOf(previous), current: targetsOf(live) };
    if (!live.some(pointsHere)) {
      run.emit({
        type: "info",
        message: `${name} does not point at this stack (${targetsOf(live) ?? "absent"}): left as it is`,
      });
      return;
    }
    if (!previous) {
      if (!force) {
        throw new RefusedError(
          "PRODUCTION_STILL_SWITCHED",
          `${name} points at this DR stack and no previous value is recorded: destroying would leave production pointing at nothing`,
          {
            hint: "Point the record elsewhere first, or pass --force to destroy anyway (production DNS then points at a deleted load balancer).",
          },
        );
      }
      run.emit({
        type: "warning",
        code: "FORCED_WITH_PRODUCTION_SWITCHED",
        message: `--force: ${name} still points at the deleted DR load balancer`,
      });
      return;
    }
    // Production writes to the DR database now: its pre-failover value is the old primary, whose data
    // stopped at the incident. Pointing it back there silently drops the outage's writes.
    const strandedIn = `the final snapshot ${args.database.finalSnapshotIdentifier ?? `${args.database.identifier}-final-<time>`} of ${args.database.identifier} in ${ctx.targetRegion}`;
    if (!strandDrWrites) {
      throw new RefusedError(
        "DR_WRITES_NOT_HOME",
        `${name} still serves from this DR stack: everything written in ${ctx.targetRegion} since the failover is only in ${args.database.identifier}, and pointing ${name} back at ${targetsOf(previous)} (the old primary, whose data stopped at the incident) would leave it behind`,
        {
          hint: `Bring the writes home first — dr-failover failback -p <plan> -r ${ctx.targetRegion} --confirm ${name} — then destroy. To give them up, pass --strand-dr-writes: they then survive only in ${strandedIn}.`,
        },
      );
    }
    run.emit({
      type: "warning",
      code: "DR_WRITES_STRANDED",
      message: `--strand-dr-writes: ${name} goes back to ${targetsOf(previous)} without a failback; the writes made in ${ctx.targetRegion} since the failover survive only in ${strandedIn}`,
    });
    const changes = restoreChanges(live, previous, pointsHere);
    const started = performance.now();
    await changeRecords(
      ctx.aws.route53(),
      args.dns.zoneId,
      changes,
      `dr-failover ${run.runId}: restore after failover`,
      {
        timeoutMs: 10 * 60_000,
        signal: ctx.signal,
        initialIntervalMs: ctx.dnsPollIntervalMs,
      },
    );
    const restored = changes.filter((change) => change.action === "UPSERT").map((change) => change.value);
    run.report.dns.current = targetsOf(restored);
    run.report.dns.insyncMs = Math.round(performance.now() - started);
    const summary = changes.map(
      (change) => `${change.value.type} ${change.action === "DELETE" ? "deleted" : `→ ${recordTarget(change.value)}`}`,
    );
    run.emit({ type: "info", message: `${name} restored: ${summary.join(", ")} (INSYNC)` });
  });
}

async function confirmFinalSnapshot(run: Run, identifier: string) {
  const { ctx } = run;
  try {
    const found = await ctx.aws
      .rds(ctx.targetRegion)
      .send(new RDS.DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: identifier }));
    run.emit({ type: "info", message: `final snapshot ${identifier}: ${found.DBSnapshots?.[0]?.Status ?? "unknown"}` });
  } catch (error) {
    if (awsErrorName(error) === "DBSnapshotNotFoundFault") {
      run.emit({
        type: "warning",
        code: "FINAL_SNAPSHOT_MISSING",
        message: `the final snapshot ${identifier} was not found in ${ctx.targetRegion}`,
      });
    } else throw error;
  }
}
