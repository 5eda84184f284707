#!/usr/bin/env node
/**
 * dr-failover CLI: parses arguments, loads the plan, calls automation/,
 * renders its events and maps errors to exit codes. The only place that
 * prints or exits. Heavy modules are imported lazily so --help stays fast.
 */
import { Command, CommanderError, Option } from "commander";
import { EVENT_SCHEMA_VERSION, type DrEvent, type EventSink } from "./automation/events.js";
import { closeUnfinishedRuns } from "./automation/journal.js";
import type { JourneyContext } from "./automation/journeys.js";
import type { RunReport } from "./automation/report.js";

type PlanModule = typeof import("./automation/plan.js");
type Plan = import("./automation/plan.js").Plan;

interface GlobalOptions {
  stateDir: string;
  backend?: string;
  secretsProvider?: string;
  endpointUrl?: string;
  emulator?: boolean;
  json?: boolean;
  lang: "en" | "ja";
}

interface TargetOptions {
  plan: string;
  targetRegion: string;
  incidentStart?: string;
  snapshot?: string;
  acceptDataLoss?: boolean;
}

// The SDK's notice about its Node 22 plans is noise for an operator at 3 a.m.; the lockfile pins the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

/** Plain, timestamped lines (CI, pipes) or one JSON object per line (--json). */
function renderer(json: boolean): (event: DrEvent) => void {
  if (json) return (event) => out(JSON.stringify({ schemaVersion: EVENT_SCHEMA_VERSION, time: new Date().toISOString(), ...event }));
  const stamp = () => new Date().toISOString().slice(11, 19);
  return (event) => {
    switch (event.type) {
      case "run-started":
        return out(`${stamp()} ${event.journey} ${event.runId} → ${event.targetRegion} (stack ${event.stackName})${event.emulator ? " [EMULATOR REHEARSAL: moto on 127.0.0.1, no AWS account used]" : ""}`);
      case "phase-started":
        return out(`${stamp()} ▶ ${event.phase}`);
      case "phase-finished":
        return out(`${stamp()} ${event.ok ? "✔" : "✖"} ${event.phase} (${(event.durationMs / 1000).toFixed(1)} s)`);
      case "resource":
        if (event.status === "started") return;
        return out(`${stamp()}   ${event.status === "done" ? "·" : "✖"} ${event.op} ${event.resourceType} ${event.name} (${((event.durationMs ?? 0) / 1000).toFixed(1)} s)`);
      case "info":
        return out(`${stamp()}   ${event.message}`);
      case "warning":
        return err(`${stamp()} ⚠ ${event.code}: ${event.message}`);
      case "clock":
        return out(`${stamp()}   recovered after ${formatHms(event.elapsedMs)} of ${formatHms(event.budgetMs)} (${((event.elapsedMs / event.budgetMs) * 100).toFixed(1)} %)`);
      case "run-finished":
        return out(`${stamp()} ${event.ok ? "done" : "FAILED"}: ${event.reportPaths.join(", ")}`);
      case "dns-switched":
        return; // the info line says it
    }
  };
}

/**
 * Where a journey's events go, decided here only: a live view in an interactive terminal
 * (stdout a TTY, CI unset), else plain timestamped lines (no redraws) or NDJSON (--json);
 * then, when the plan has notifications, also to its webhooks. `close` ends the view and
 * waits briefly for webhook requests in flight.
 */
async function eventSinkFor(globals: GlobalOptions, plan: Plan): Promise<{ emit: EventSink; close: () => Promise<void> }> {
  let emit: EventSink = renderer(Boolean(globals.json));
  let stopView = () => undefined as void;
  // A terminal of zero rows (e.g. a pseudo-terminal nobody sized) would show an empty frame: plain lines then.
  if (!globals.json && process.stdout.isTTY && !process.env.CI && process.env.TERM !== "dumb" && (process.stdout.rows ?? 0) > 0) {
    const { createLogUpdate } = await import("log-update");
    const { createLiveView } = await import("./automation/live-view.js");
    const draw = createLogUpdate(process.stdout);
    const view = createLiveView({ draw: (frame) => draw(frame), done: () => draw.done(), width: process.stdout.columns, color: true });
    emit = view;
    stopView = () => view.stop();
  }
  if (!plan.notifications) return { emit, close: async () => stopView() };
  const { notifyingSink } = await import("./automation/notify.js");
  const notifying = notifyingSink(emit, plan.notifications);
  return {
    emit: notifying,
    close: async () => {
      await notifying.flush();
      stopView();
    },
  };
}

function formatHms(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

function summary(report: RunReport): string[] {
  const lines = [`${report.journey} ${report.result}${report.emulator ? " (emulator rehearsal)" : ""}`];
  if (report.rto) lines.push(`RTO ${formatHms(report.rto.achievedMs)} / ${formatHms(report.objectives.rtoMs)} — ${report.rto.percentOfBudget.toFixed(1)} % ${report.rto.met ? "met" : "MISSED"}`);
  if (report.rpo) lines.push(`RPO ${formatHms(report.rpo.dataLossWindowMs)} / ${formatHms(report.objectives.rpoMs)} — ${report.rpo.met ? "met" : "MISSED"} (${report.rpo.snapshotIdentifier})`);
  return lines;
}

function parseIncidentStart(value: string | undefined, now = new Date()): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) || parsed.getTime() > now.getTime() + 60_000 ? new Date(Number.NaN) : parsed;
}

/** Everything a journey needs, emulator session included; `close` stops what was started. */
async function journeyContext(
  globals: GlobalOptions,
  target: TargetOptions,
  signal: AbortSignal,
  precheck?: (planModule: PlanModule, plan: Plan) => void,
): Promise<{ ctx: JourneyContext; close: () => Promise<void> }> {
  const planModule = await import("./automation/plan.js");
  const { UsageError } = await import("./automation/errors.js");
  const plan = await planModule.loadPlan(target.plan);
  planModule.targetOf(plan, target.targetRegion);
  precheck?.(planModule, plan);
  const incidentStart = parseIncidentStart(target.incidentStart);
  if (incidentStart && Number.isNaN(incidentStart.getTime())) {
    throw new UsageError("INCIDENT_START_INVALID", `--incident-start ${target.incidentStart} is not a past ISO 8601 time`, {
      hint: "Give when the outage began, e.g. --incident-start 2026-11-28T03:12:00+09:00 (default: now).",
    });
  }
  // The AWS SDK only once the input is known good: a bad flag or plan is reported in well under a second.
  const { AwsClients } = await import("./automation/aws.js");
  const { emit, close: closeEvents } = await eventSinkFor(globals, plan);
  const reporting = { planFile: target.plan, reportLanguage: globals.lang };
  if (globals.emulator) {
    const { startEmulatorSession } = await import("./automation/emulator/session.js");
    const session = await startEmulatorSession({ plan, targetRegion: target.targetRegion, stateDir: globals.stateDir });
    const aws = new AwsClients({ endpoint: session.endpoint });
    return {
      ctx: {
        plan,
        targetRegion: target.targetRegion,
        aws,
        emit,
        signal,
        incidentStart,
        ...reporting,
        connectTo: session.connectTo,
        workspace: {
          stateDir: session.stateDir,
          secretsProvider: globals.secretsProvider ?? session.secretsProvider,
          emulator: { standinBinDir: session.standinBinDir },
        },
      },
      close: async () => {
        await closeEvents();
        aws.destroy();
        await session.stop();
      },
    };
  }
  const aws = new AwsClients({ endpoint: globals.endpointUrl ?? process.env.AWS_ENDPOINT_URL });
  // Lab/test hook: send the HTTP health checks to host:port instead of resolving the service name.
  const connectTo = /^([^:]+):(\d+)$/.exec(process.env.DR_FAILOVER_CONNECT_TO ?? "");
  return {
    ctx: {
      plan,
      targetRegion: target.targetRegion,
      aws,
      emit,
      signal,
      incidentStart,
      ...reporting,
      connectTo: connectTo ? () => ({ host: connectTo[1], port: Number(connectTo[2]) }) : undefined,
      workspace: { stateDir: globals.stateDir, backendUrl: globals.backend, secretsProvider: globals.secretsProvider },
    },
    close: async () => {
      await closeEvents();
      aws.destroy();
    },
  };
}

/** Runs a command; maps errors to their exit codes. The only exit of the program. */
async function execute(globals: GlobalOptions, work: (signal: AbortSignal) => Promise<void>): Promise<never> {
  const controller = new AbortController();
  let interrupts = 0;
  process.on("SIGINT", () => {
    interrupts += 1;
    if (interrupts > 1) {
      err("second interrupt: aborting now");
      closeUnfinishedRuns("ABORTED: second Ctrl-C, the engine was not waited for; re-run the command (a drill: dr-failover destroy --stack <its stack>)");
      process.exit(130);
    }
    err("interrupt: stopping the engine cleanly (press Ctrl-C again to abort at once)");
    controller.abort();
  });
  try {
    await work(controller.signal);
    process.exit(0);
  } catch (error) {
    const { isDrFailoverError } = await import("./automation/errors.js");
    if (globals.json) {
      out(JSON.stringify(isDrFailoverError(error) ? { schemaVersion: EVENT_SCHEMA_VERSION, type: "error", code: error.code, message: error.message, details: error.details, hint: error.hint } : { schemaVersion: EVENT_SCHEMA_VERSION, type: "error", code: "UNEXPECTED", message: String(error) }));
    }
    if (isDrFailoverError(error)) {
      err(`error ${error.code}: ${error.message}`);
      for (const detail of error.details) err(`  - ${detail}`);
      if (error.hint) err(`  hint: ${error.hint}`);
      // Whatever failed after a Ctrl-C failed because of it: 130, and the re-run resumes.
      process.exit(controller.signal.aborted ? 130 : error.exitCode);
    }
    if (controller.signal.aborted) {
      err(`error INTERRUPTED: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(130);
    }
    err(`unexpected error (a bug in dr-failover): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  }
}

/** The action of a journey command: its context, the journey, the summary, and the emulator stopped in any case. */
function journeyAction<O extends TargetOptions>(
  program: Command,
  run: (journeys: typeof import("./automation/journeys.js"), ctx: JourneyContext, options: O) => Promise<RunReport>,
  /** Checks of the input against the plan, before anything heavy is loaded. */
  precheck?: (planModule: PlanModule, plan: Plan, options: O) => void,
): (options: O) => Promise<void> {
  return async (options) => {
    const globals = program.opts<GlobalOptions>();
    await execute(globals, async (signal) => {
      const { ctx, close } = await journeyContext(globals, options, signal, precheck && ((planModule, plan) => precheck(planModule, plan, options)));
      try {
        const report = await run(await import("./automation/journeys.js"), ctx, options);
        if (!globals.json) summary(report).forEach(out);
      } finally {
        await close();
      }
    });
  };
}

function addTargetOptions(command: Command): Command {
  return command
    .requiredOption("-p, --plan <file>", "DR plan (YAML), e.g. examples/peoplebooster.yaml")
    .requiredOption("-r, --target-region <region>", "region to recover in (one of the plan's targets)")
    .option("--snapshot <id>", "restore this snapshot (in the target region) instead of the newest copy")
    .option("--accept-data-loss", "restore even when the restore point is older than the RPO")
    .option("--incident-start <time>", "when the outage began (ISO 8601); RTO and RPO are measured from it (default: now)");
}

export function buildProgram(): Command {
  const program = new Command("dr-failover")
    .description("Fail an AWS application over to another region with Pulumi: drill, failover, destroy — timed against the RTO/RPO.")
    .option("--state-dir <dir>", "local state: file backend, reports, journal", process.env.DR_FAILOVER_STATE_DIR ?? ".dr-failover")
    .option("--backend <url>", "Pulumi backend URL (file://, s3://, https://api.pulumi.com); default: file backend in the state dir")
    .option("--secrets-provider <url>", "Pulumi secrets provider (default: passphrase from PULUMI_CONFIG_PASSPHRASE), e.g. awskms://alias/dr?region=…")
    .option("--endpoint-url <url>", "AWS endpoint override for every client (an emulator such as LocalStack or moto); default $AWS_ENDPOINT_URL")
    .option("--emulator", "rehearse against a local AWS emulator (moto) seeded from the plan: no AWS account needed")
    .option("--json", "one JSON event per line on stdout (NDJSON, schema in the README)")
    .addOption(new Option("--lang <lang>", "language of the Markdown and HTML reports").choices(["en", "ja"]).default("en"))
    // Usage errors go through our exit-code mapping (2) and one error format, not commander's exit(1).
    .exitOverride()
    .configureOutput({ outputError: () => undefined })
    .addHelpText(
      "after",
      `
Journeys:
  drill     rebuild in the target region, verify, report, tear down (production DNS untouched)
  failover  rebuild, then switch the production record to the DR region (needs --confirm)
  destroy   restore production DNS, final-snapshot the DR database, remove the stack

Exit codes: 0 ok, 1 tool/engine, 2 usage/plan, 3 precondition (nothing created), 4 AWS,
            5 verification, 6 refused by a safety rule, 130 interrupted.`,
    );

  addTargetOptions(program.command("drill").description("rehearse: rebuild, verify, report and tear down; production DNS is never touched"))
    .option("--keep", "keep the drill environment (remove it later with destroy --stack)")
    .action(journeyAction(program, (journeys, ctx, options: TargetOptions & { keep?: boolean }) =>
      journeys.runDrill(ctx, { snapshotIdentifier: options.snapshot, acceptDataLoss: options.acceptDataLoss, keep: options.keep }),
    ));

  addTargetOptions(program.command("failover").description("real failover: rebuild and switch the production record (source region may be down)"))
    .option("--confirm <record>", "the production record name, to confirm the switch")
    .action(journeyAction(
      program,
      (journeys, ctx, options: TargetOptions & { confirm?: string }) =>
        journeys.runFailover(ctx, { confirm: options.confirm, snapshotIdentifier: options.snapshot, acceptDataLoss: options.acceptDataLoss }),
      (planModule, plan, options) => planModule.checkFailoverConfirmation(plan, options.confirm),
    ));

  program
    .command("destroy")
    .description("tear a DR stack down: production DNS restored first, final snapshot of a failover's database, stack removed")
    .requiredOption("-p, --plan <file>", "DR plan (YAML)")
    .requiredOption("-r, --target-region <region>", "region of the DR stack")
    .option("--stack <name>", "the stack to destroy (default: the failover stack, or the only kept drill)")
    .option("--force", "destroy even when the production record cannot be restored")
    .action(journeyAction(program, (journeys, ctx, options: TargetOptions & { stack?: string; force?: boolean }) =>
      journeys.runDestroy(ctx, { stackName: options.stack, force: options.force }),
    ));

  addTargetOptions(program.command("preview").description("what a failover would create or change; changes nothing")).action(async (options: TargetOptions) => {
    const globals = program.opts<GlobalOptions>();
    await execute(globals, async (signal) => {
      const { ctx, close } = await journeyContext(globals, options, signal);
      try {
        const { runPreview } = await import("./automation/journeys.js");
        const result = await runPreview(ctx, { snapshotIdentifier: options.snapshot, acceptDataLoss: options.acceptDataLoss });
        if (globals.json) out(JSON.stringify({ type: "preview", stackName: result.stackName, changeSummary: result.changeSummary }));
        else {
          out(`failover stack ${result.stackName} would restore ${result.preflight.restorePoint.snapshotIdentifier}:`);
          for (const [op, count] of Object.entries(result.changeSummary)) out(`  ${op}: ${count}`);
        }
      } finally {
        await close();
      }
    });
  });

  program
    .command("status")
    .description("DR stacks with mode, age, endpoints and last report")
    .option("-p, --plan <file>", "only the stacks of this plan's app")
    .option("--max-drill-age <duration>", "warn about drill stacks kept longer than this (e.g. 24h, 90m)", "24h")
    .action(async (options: { plan?: string; maxDrillAge: string }) => {
      const globals = program.opts<GlobalOptions>();
      await execute(globals, async () => {
        const { getStatus } = await import("./automation/status.js");
        const { loadPlan, parseDuration } = await import("./automation/plan.js");
        const { UsageError } = await import("./automation/errors.js");
        const maxDrillAgeMs = parseDuration(options.maxDrillAge);
        if (maxDrillAgeMs === undefined) throw new UsageError("MAX_DRILL_AGE_INVALID", `--max-drill-age ${options.maxDrillAge} is not a duration`, { hint: 'Give a duration like "24h", "90m" or "1h30m".' });
        const plan = options.plan ? await loadPlan(options.plan) : undefined;
        const statuses = await getStatus({
          plan,
          maxDrillAgeMs,
          workspace: { stateDir: globals.stateDir, backendUrl: globals.backend, secretsProvider: globals.secretsProvider, requireSecrets: false },
        });
        if (globals.json) out(JSON.stringify({ type: "status", stacks: statuses }));
        else if (statuses.length === 0) out("no DR stacks");
        else for (const status of statuses) {
          out(`${status.stackName}  ${status.mode}  age ${status.ageMs === undefined ? "?" : formatHms(status.ageMs)}  resources ${status.resourceCount ?? "?"}`);
          if (status.endpoints?.loadBalancer) out(`  service ${status.endpoints.loadBalancer}  database ${status.endpoints.database}`);
          if (status.lastReport) out(`  last run ${status.lastReport.runId}: ${status.lastReport.result}`);
          if (status.stale) err(`⚠ DRILL_STACK_KEPT: ${status.stackName} has been kept for ${formatHms(status.ageMs ?? 0)} (more than ${options.maxDrillAge}); remove it with: dr-failover destroy --stack ${status.stackName}`);
        }
      });
    });

  program
    .command("report")
    .description("print the report of a past run (Markdown, self-contained HTML or JSON; --lang ja for Japanese)")
    .argument("<run-id>", "run id (see `dr-failover history` or the runs folder of the state dir)")
    .addOption(new Option("--format <format>", "output format").choices(["md", "html", "json"]).default("md"))
    .action(async (runId: string, options: { format: "md" | "html" | "json" }) => {
      const globals = program.opts<GlobalOptions>();
      await execute(globals, async () => {
        const { readReport, renderMarkdown, renderHtml } = await import("./automation/report.js");
        const { UsageError } = await import("./automation/errors.js");
        const report = await readReport(globals.stateDir, runId);
        if (!report) throw new UsageError("RUN_NOT_FOUND", `no report for run ${runId} in ${globals.stateDir}`, { hint: "`dr-failover status` and the runs folder list the runs." });
        if (options.format === "json") out(JSON.stringify(report, null, 2));
        else out(options.format === "html" ? renderHtml(report, { lang: globals.lang }) : renderMarkdown(report, { lang: globals.lang }));
      });
    });

  program
    .command("history")
    .description("past drills and failovers: date, target, RTO achieved and % of budget, RPO, result; the RTO trend across drills")
    .option("-p, --plan <file>", "only this plan's app")
    .action(async (options: { plan?: string }) => {
      const globals = program.opts<GlobalOptions>();
      await execute(globals, async () => {
        const { listReports } = await import("./automation/report.js");
        const { buildHistory, renderHistoryTable } = await import("./automation/history.js");
        const { loadPlan } = await import("./automation/plan.js");
        const app = options.plan ? (await loadPlan(options.plan)).app : undefined;
        const history = buildHistory(await listReports(globals.stateDir), { app });
        if (globals.json) out(JSON.stringify({ schemaVersion: EVENT_SCHEMA_VERSION, type: "history", ...history }));
        else {
          renderHistoryTable(history).forEach(out);
          for (const warning of history.warnings) err(`⚠ ${warning.code}: ${warning.message}`);
        }
      });
    });

  program
    .command("validate")
    .description("check a plan file and list every problem")
    .requiredOption("-p, --plan <file>", "DR plan (YAML)")
    .action(async (options: { plan: string }) => {
      const globals = program.opts<GlobalOptions>();
      await execute(globals, async () => {
        const { loadPlan } = await import("./automation/plan.js");
        const plan = await loadPlan(options.plan);
        out(`${options.plan}: valid (${plan.app}, ${plan.sourceRegion} → ${Object.keys(plan.targets).join(", ")})`);
      });
    });

  program
    .command("plan-schema")
    .description("print the JSON Schema of the plan file (for editors)")
    .action(async () => {
      await execute(program.opts<GlobalOptions>(), async () => {
        const { planJsonSchema } = await import("./automation/plan.js");
        out(JSON.stringify(planJsonSchema(), null, 2));
      });
    });

  program
    .command("iam-policy")
    .description("print the least-privilege IAM policy (JSON) the journeys need, scoped to the plan's names and target regions")
    .requiredOption("-p, --plan <file>", "DR plan (YAML)")
    .option("-r, --target-region <region>", "only this target region (default: every target of the plan)")
    .addOption(new Option("--journey <journey>", "which journey's permissions").choices(["drill", "failover", "destroy", "all"]).default("all"))
    .option("--account-id <id>", "AWS account id for the ARNs (default: *)")
    .action(async (options: { plan: string; targetRegion?: string; journey: "drill" | "failover" | "destroy" | "all"; accountId?: string }) => {
      await execute(program.opts<GlobalOptions>(), async () => {
        const { loadPlan } = await import("./automation/plan.js");
        const { iamPolicyFor } = await import("./automation/iam-policy.js");
        const plan = await loadPlan(options.plan);
        const policy = iamPolicyFor(plan, { journey: options.journey, targetRegions: options.targetRegion ? [options.targetRegion] : undefined, accountId: options.accountId });
        out(JSON.stringify(policy, null, 2));
      });
    });

  return program;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  // --help and --version end here too, with commander's own exit code 0.
  if (error.exitCode === 0) process.exit(0);
  err(`error USAGE: ${error.message.replace(/^error: /, "")}`);
  err("  hint: `dr-failover --help` and `dr-failover <command> --help` list the commands and options.");
  process.exit(2);
}
