/** The record-keeper of one run: its clock, report, journal and events, and the phases it goes through. */
import { RunClock } from "../clock.js";
import { DrFailoverError } from "../errors.js";
import type { DrEvent } from "../events.js";
import type { JourneyContext } from "./context.js";
import type { HeldJourneyLock } from "../journey-lock.js";
import { Journal } from "../journal.js";
import { TOOL_VERSION } from "../paths.js";
import { expectedFromHistory, watchProgress } from "../progress.js";
import { REPORT_SCHEMA_VERSION, type RunReport } from "../report/model.js";
import { writeReport } from "../report/publish.js";
import { listReports } from "../report/store.js";
import { reportSummary } from "../report/summary.js";
import { interrupted } from "./engine-errors.js";
import { FAILBACK_PHASES, type JourneyPhase } from "../vocabulary.js";
import type { ReadinessBudget } from "../readiness.js";
import { redactor } from "./ids.js";

/** A run's report as it starts: failed until it finishes, no spans, times to be set by the caller. */
export function newReport(ctx: JourneyContext, run: Pick<RunReport, "journey" | "runId" | "stackName">): RunReport {
  const { plan } = ctx;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    ...run,
    app: plan.app,
    sourceRegion: plan.sourceRegion,
    targetRegion: ctx.targetRegion,
    emulator: Boolean(ctx.workspace.emulator),
    result: "failed",
    incidentStart: "",
    startedAt: "",
    finishedAt: "",
    objectives: { rtoMs: plan.objectives.rto, rpoMs: plan.objectives.rpo },
    verification: [],
    warnings: [],
    spans: [],
    versions: { tool: TOOL_VERSION, node: process.version },
    planFile: ctx.planFile,
  };
}

/** Shared state of one run: clock, report, journal, events. */
export class Run {
  readonly clock: RunClock;
  readonly report: RunReport;
  readonly journal: Journal;
  readonly secrets: string[] = [];
  /** The one deadline every readiness wait of this run draws on (set by the first wait). */
  readinessBudget?: ReadinessBudget;
  /** The database's master password from the stack config; listed in `secrets`, so redacted everywhere. */
  databasePassword?: string;
  /** Resources crash recovery adopted into the state in this run (a create killed half-way). */
  adoptedUrns: string[] = [];
  /** The app and target's journey lock, once taken (takeJourneyLock); released when the journey ends. */
  journeyLock?: HeldJourneyLock;

  /** What is left of the RTO budget now (negative once it is spent). */
  budgetLeftMs(): number {
    return this.report.objectives.rtoMs - this.clock.elapsedSinceIncidentMs();
  }

  constructor(
    readonly ctx: JourneyContext,
    readonly journey: RunReport["journey"],
    readonly runId: string,
    readonly stackName: string,
    /** false: a read-only run (preview) that writes no journal line. */
    journaled = true,
  ) {
    this.clock = new RunClock(ctx.incidentStart ?? new Date());
    this.journal = new Journal(ctx.workspace.stateDir, { runId, journey, stackName }, journaled);
    this.report = newReport(ctx, { journey, runId, stackName });
    this.report.spans = this.clock.spans;
    this.report.incidentStart = this.clock.incidentStart.toISOString();
    this.report.startedAt = this.clock.startedAt.toISOString();
  }

  /** Raises RTO_PROJECTED_OVERRUN and PHASE_SLOWER_THAN_EXPECTED from the run's own events. */
  private watch?: ReturnType<typeof watchProgress>;

  /** Announces the run with its RTO budget and the expected phase durations (the plan's, else past runs'). */
  async start(): Promise<void> {
    const { ctx, report } = this;
    // The plan's expectations of a rebuild's phases, else past runs'; a failback takes its past runs' medians,
    // overridden by the plan's expectations of the failback phases (the downtime projection adds them up).
    const planned: Record<string, number> = { ...ctx.plan.objectives.expectedPhaseDurations };
    const failbackPhases = new Set<string>(Object.values(FAILBACK_PHASES).flat());
    let expected: Record<string, number> =
      this.journey === "failback"
        ? Object.fromEntries(Object.entries(planned).filter(([phase]) => failbackPhases.has(phase)))
        : planned;
    if (Object.keys(expected).length === 0 || this.journey === "failback") {
      const past = (await listReports(ctx.workspace.stateDir).catch(() => [])).filter(
        (candidate) =>
          candidate.app === report.app &&
          candidate.journey === this.journey &&
          candidate.result === "succeeded" &&
          candidate.emulator === report.emulator,
      );
      expected = { ...expectedFromHistory(past.slice(-10)), ...(this.journey === "failback" ? expected : {}) };
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
    if (event.type === "run-started")
      void this.journal.write("run", "started", `${event.journey} → ${event.targetRegion}`);
    if (event.type === "warning") this.report.warnings.push({ code: event.code, message: this.redact(event.message) });
    this.ctx.emit(event);
    this.watch?.observe(event);
  }

  redact(text: string): string {
    return redactor(this.secrets)(text);
  }

  async phase<T>(name: JourneyPhase, work: () => Promise<T>): Promise<T> {
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
      await this.journal.write(
        name,
        "failed",
        this.ctx.signal?.aborted ? `interrupted (Ctrl-C) during ${name}: ${message.split("\n")[0]}` : message,
      );
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
    this.emit({
      type: "run-finished",
      runId: this.runId,
      ok: error === undefined,
      reportPaths: paths,
      summary: reportSummary(report),
    });
    return report;
  }
}
