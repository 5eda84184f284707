/**
 * Live progress of a run, computed from its events alone: phases with their
 * elapsed time, the resources in flight, the RTO clock and a projected finish.
 * Pure and time-injected, so the live view, the journeys' warnings and the
 * tests all read the same numbers.
 */
import { formatDuration } from "./clock.js";
import type { DrEvent } from "./events.js";
import { CONCERNS, concernOf, DISPLAY_PHASES, EXPECTABLE_PHASES, RTO_PHASES } from "./vocabulary.js";

export interface PhaseProgress {
  name: string;
  status: "pending" | "running" | "done" | "failed";
  /** Milliseconds (time source) when the phase started. */
  startedAt?: number;
  /** Elapsed so far (running) or final duration. */
  elapsedMs: number;
  expectedMs?: number;
}

export interface ResourceInFlight {
  urn: string;
  name: string;
  resourceType: string;
  op: string;
  elapsedMs: number;
}

export interface ProgressSnapshot {
  runId?: string;
  journey?: string;
  targetRegion?: string;
  stackName?: string;
  emulator: boolean;
  /** Epoch milliseconds of the incident start (the RTO clock's zero). */
  incidentStartMs?: number;
  phases: PhaseProgress[];
  inFlight: ResourceInFlight[];
  /** Incident start → now (or → recovery once the service answered). */
  elapsedMs: number;
  budgetMs?: number;
  /** elapsed + what the unfinished phases are still expected to take. */
  projectedMs?: number;
  recoveredMs?: number;
  /**
   * A failback's downtime: since the write freeze (epoch ms), and its measured length once production is healthy;
   * with the plan's budget, and while it lasts the projected downtime: elapsed + what its unfinished phases are
   * still expected to take (at least the elapsed time when no phase has an expectation).
   */
  downtime?: { startedMs: number; elapsedMs: number; ended: boolean; budgetMs?: number; projectedMs?: number };
  warnings: { code: string; message: string }[];
  finished?: { ok: boolean; reportPaths: string[] };
  doneResources: number;
}

export interface ProgressWarning {
  code: "RTO_PROJECTED_OVERRUN" | "DOWNTIME_PROJECTED_OVERRUN" | "PHASE_SLOWER_THAN_EXPECTED";
  message: string;
}

interface PhaseState {
  status: PhaseProgress["status"];
  startedAt?: number;
  accumulatedMs: number;
  /** Resources of this concern in flight (derived phases only). */
  open: number;
}

/** Folds DrEvents into a ProgressSnapshot. */
export class ProgressTracker {
  private readonly phases = new Map<string, PhaseState>();
  private readonly inFlight = new Map<string, { name: string; resourceType: string; op: string; startedAt: number }>();
  private readonly warnings: { code: string; message: string }[] = [];
  private readonly raised = new Set<string>();
  private current: string[] = [];
  private started?: Extract<DrEvent, { type: "run-started" }>;
  private incidentStart?: number;
  private budgetMs?: number;
  private expected: Record<string, number> = {};
  private recoveredMs?: number;
  private finished?: { ok: boolean; reportPaths: string[] };
  private doneResources = 0;
  private downtime?: { startedMs: number; durationMs?: number; budgetMs?: number; phases: string[] };

  constructor(private readonly now: () => number = Date.now) {}

  apply(event: DrEvent): void {
    const now = this.now();
    switch (event.type) {
      case "run-started":
        this.started = event;
        this.incidentStart = event.incidentStart ? Date.parse(event.incidentStart) : now;
        this.budgetMs = event.rtoBudgetMs;
        this.expected = event.expectedPhaseMs ?? {};
        return;
      case "phase-started":
        this.current.push(event.phase);
        if (event.phase !== "provision") this.startPhase(event.phase, now);
        return;
      case "phase-finished": {
        this.current = this.current.filter((phase) => phase !== event.phase);
        if (event.phase === "provision") {
          // The concerns end with the update that created them.
          for (const concern of CONCERNS) {
            const state = this.phases.get(concern);
            if (state?.status === "running") this.endPhase(concern, now, event.ok);
            else if (state && !event.ok && state.status === "done") state.status = "failed";
          }
        } else this.endPhase(event.phase, now, event.ok);
        return;
      }
      case "resource": {
        const concern = this.current.includes("provision") ? concernOf(event.resourceType, event.name) : undefined;
        if (event.status === "started") {
          this.inFlight.set(event.urn, {
            name: event.name,
            resourceType: event.resourceType,
            op: event.op,
            startedAt: now,
          });
          if (concern) {
            const state = this.phases.get(concern);
            if (state?.status !== "running") this.startPhase(concern, now);
            this.phases.get(concern)!.open += 1;
          }
        } else {
          this.inFlight.delete(event.urn);
          this.doneResources += 1;
          const state = concern ? this.phases.get(concern) : undefined;
          if (concern && state && state.status === "running") {
            state.open = Math.max(0, state.open - 1);
            if (state.open === 0 || event.status === "failed") this.endPhase(concern, now, event.status === "done");
          }
        }
        return;
      }
      case "warning":
        this.warnings.push({ code: event.code, message: event.message });
        return;
      case "clock":
        this.recoveredMs = event.elapsedMs;
        this.budgetMs ??= event.budgetMs;
        return;
      case "run-finished":
        this.finished = { ok: event.ok, reportPaths: event.reportPaths };
        this.inFlight.clear();
        return;
      case "downtime":
        this.downtime = {
          startedMs: Date.parse(event.startedAt),
          durationMs: event.durationMs,
          budgetMs: event.budgetMs ?? this.downtime?.budgetMs,
          phases: event.phases ?? this.downtime?.phases ?? [],
        };
        return;
      case "info":
      case "dns-switched":
        return;
    }
  }

  private startPhase(name: string, now: number) {
    const state = this.phases.get(name);
    if (state) {
      state.status = "running";
      state.startedAt = now;
    } else this.phases.set(name, { status: "running", startedAt: now, accumulatedMs: 0, open: 0 });
  }

  private endPhase(name: string, now: number, ok: boolean) {
    const state = this.phases.get(name) ?? { status: "running", startedAt: now, accumulatedMs: 0, open: 0 };
    if (state.status === "running" && state.startedAt !== undefined) state.accumulatedMs += now - state.startedAt;
    state.status = ok ? "done" : "failed";
    state.startedAt = undefined;
    state.open = 0;
    this.phases.set(name, state);
  }

  private elapsedOf(state: PhaseState, now: number): number {
    return (
      state.accumulatedMs + (state.status === "running" && state.startedAt !== undefined ? now - state.startedAt : 0)
    );
  }

  snapshot(): ProgressSnapshot {
    const now = this.now();
    const names: string[] = [...DISPLAY_PHASES];
    for (const name of this.phases.keys()) if (!names.includes(name)) names.push(name);
    // A destroy has no provision: show only what happened, plus the usual phases while a build runs.
    const shown =
      this.started?.journey === "destroy" || this.started?.journey === "failback"
        ? names.filter((name) => this.phases.has(name))
        : names;
    const phases: PhaseProgress[] = shown.map((name) => {
      const state = this.phases.get(name);
      return {
        name,
        status: state?.status ?? "pending",
        startedAt: state?.startedAt,
        elapsedMs: state ? this.elapsedOf(state, now) : 0,
        expectedMs: this.expected[name],
      };
    });
    const elapsedMs = this.incidentStart === undefined ? 0 : now - this.incidentStart;
    let projectedMs: number | undefined;
    // Without any expectation a projection would only repeat the elapsed time.
    if (
      this.budgetMs !== undefined &&
      this.recoveredMs === undefined &&
      !this.finished &&
      Object.keys(this.expected).length > 0
    ) {
      const remaining = phases
        .filter((phase) => RTO_PHASES.has(phase.name) && (phase.status === "pending" || phase.status === "running"))
        .reduce((sum, phase) => sum + Math.max(0, (phase.expectedMs ?? 0) - phase.elapsedMs), 0);
      projectedMs = elapsedMs + remaining;
    }
    return {
      runId: this.started?.runId,
      journey: this.started?.journey,
      targetRegion: this.started?.targetRegion,
      stackName: this.started?.stackName,
      emulator: this.started?.emulator ?? false,
      incidentStartMs: this.incidentStart,
      phases,
      inFlight: [...this.inFlight.entries()].map(([urn, item]) => ({
        urn,
        name: item.name,
        resourceType: item.resourceType,
        op: item.op,
        elapsedMs: now - item.startedAt,
      })),
      elapsedMs: this.recoveredMs ?? elapsedMs,
      budgetMs: this.budgetMs,
      projectedMs,
      recoveredMs: this.recoveredMs,
      downtime: this.downtime && this.downtimeOf(this.downtime, now),
      warnings: [...this.warnings],
      finished: this.finished,
      doneResources: this.doneResources,
    };
  }

  private downtimeOf(
    downtime: NonNullable<ProgressTracker["downtime"]>,
    now: number,
  ): NonNullable<ProgressSnapshot["downtime"]> {
    const ended = downtime.durationMs !== undefined;
    const elapsedMs = downtime.durationMs ?? Math.max(0, now - downtime.startedMs);
    let projectedMs: number | undefined;
    if (!ended && !this.finished && downtime.budgetMs !== undefined) {
      const remaining = downtime.phases.reduce((sum, name) => {
        const state = this.phases.get(name);
        if (state?.status === "done") return sum;
        const spent = state ? this.elapsedOf(state, now) : 0;
        return sum + Math.max(0, (this.expected[name] ?? 0) - spent);
      }, 0);
      projectedMs = elapsedMs + remaining;
    }
    return { startedMs: downtime.startedMs, elapsedMs, ended, budgetMs: downtime.budgetMs, projectedMs };
  }

  /**
   * Warnings that became true since the last call, each raised once per run:
   * the projected finish is past the RTO budget, a failback's projected downtime
   * is past its budget, a phase runs longer than expected.
   */
  newWarnings(): ProgressWarning[] {
    if (this.finished || !this.started) return [];
    const snapshot = this.snapshot();
    const found: ProgressWarning[] = [];
    const raise = (key: string, warning: ProgressWarning) => {
      if (this.raised.has(key)) return;
      this.raised.add(key);
      found.push(warning);
    };
    if (
      snapshot.budgetMs !== undefined &&
      snapshot.projectedMs !== undefined &&
      snapshot.projectedMs > snapshot.budgetMs
    ) {
      raise("rto", {
        code: "RTO_PROJECTED_OVERRUN",
        message: `projected recovery ${formatDuration(snapshot.projectedMs)} exceeds the RTO ${formatDuration(snapshot.budgetMs)} (${formatDuration(snapshot.elapsedMs)} spent)`,
      });
    }
    const downtime = snapshot.downtime;
    if (
      downtime?.budgetMs !== undefined &&
      downtime.projectedMs !== undefined &&
      downtime.projectedMs > downtime.budgetMs
    ) {
      raise("downtime", {
        code: "DOWNTIME_PROJECTED_OVERRUN",
        message:
          downtime.elapsedMs > downtime.budgetMs
            ? `the downtime ${formatDuration(downtime.elapsedMs)} is past its budget ${formatDuration(downtime.budgetMs)} (objectives.failbackDowntime)`
            : `projected downtime ${formatDuration(downtime.projectedMs)} exceeds its budget ${formatDuration(downtime.budgetMs)} (${formatDuration(downtime.elapsedMs)} since the write freeze)`,
      });
    }
    for (const phase of snapshot.phases) {
      if (phase.expectedMs !== undefined && phase.elapsedMs > phase.expectedMs && phase.status !== "pending") {
        raise(`slow:${phase.name}`, {
          code: "PHASE_SLOWER_THAN_EXPECTED",
          message: `${phase.name} has taken ${formatDuration(phase.elapsedMs)}, expected ${formatDuration(phase.expectedMs)}`,
        });
      }
    }
    return found;
  }
}

/**
 * Expected phase durations from past runs: the median of each phase over the
 * successful runs given (at least `minRuns` of them), or nothing.
 */
export function expectedFromHistory(
  runs: { spans: { name: string; kind: string; durationMs?: number; ok?: boolean }[] }[],
  minRuns = 3,
): Record<string, number> {
  if (runs.length < minRuns) return {};
  const byPhase = new Map<string, number[]>();
  for (const run of runs) {
    for (const span of run.spans) {
      if (span.kind !== "phase" || span.durationMs === undefined || span.ok === false) continue;
      if (!(EXPECTABLE_PHASES as readonly string[]).includes(span.name)) continue;
      byPhase.set(span.name, [...(byPhase.get(span.name) ?? []), span.durationMs]);
    }
  }
  const expected: Record<string, number> = {};
  for (const [phase, durations] of byPhase) {
    // Half again the median: a normal run never warns, a clearly slow one does.
    if (durations.length >= minRuns) expected[phase] = Math.round(median(durations) * 1.5);
  }
  return expected;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Watches a run's events and raises progress warnings, also between events
 * (a phase can become slow while nothing happens). `stop()` ends the timer.
 */
export function watchProgress(
  raise: (warning: ProgressWarning) => void,
  options: { intervalMs?: number; now?: () => number } = {},
) {
  const tracker = new ProgressTracker(options.now);
  const check = () => tracker.newWarnings().forEach(raise);
  const timer = setInterval(check, options.intervalMs ?? 5_000);
  timer.unref();
  return {
    tracker,
    observe(event: DrEvent) {
      tracker.apply(event);
      if (event.type !== "warning") check();
    },
    stop: () => clearInterval(timer),
  };
}
