/**
 * What automation/ tells the outside world. Library code never prints: it
 * emits these events and cli/ renders them (live, plain lines or NDJSON).
 */

import type { PhaseName } from "./vocabulary.js";

/** Version of the NDJSON event stream (`--json`); bumped when a field changes meaning or disappears. */
export const EVENT_SCHEMA_VERSION = 1;

export type DrEvent =
  | {
      type: "run-started";
      runId: string;
      journey: string;
      targetRegion: string;
      stackName: string;
      emulator: boolean;
      /** When the outage began (ISO); the RTO budget is spent from here. */
      incidentStart?: string;
      rtoBudgetMs?: number;
      /** Expected duration per phase (plan `objectives.expectedPhaseDurations`, else the median of past runs). */
      expectedPhaseMs?: Record<string, number>;
    }
  | { type: "phase-started"; phase: PhaseName }
  | { type: "phase-finished"; phase: PhaseName; durationMs: number; ok: boolean }
  | {
      type: "resource";
      urn: string;
      resourceType: string;
      name: string;
      op: string;
      status: "started" | "done" | "failed";
      durationMs?: number;
    }
  | { type: "info"; message: string }
  | { type: "warning"; code: string; message: string }
  | { type: "clock"; elapsedMs: number; budgetMs: number }
  | { type: "dns-switched"; record: string; target: string }
  /**
   * A failback's downtime: started at the write freeze (no durationMs), ended when production answered healthy;
   * with the plan's budget (objectives.failbackDowntime) and the method's downtime phases the live view projects over.
   */
  | { type: "downtime"; startedAt: string; durationMs?: number; budgetMs?: number; phases?: PhaseName[] }
  | { type: "run-finished"; runId: string; ok: boolean; reportPaths: string[]; summary?: ReportSummary };

/** The headline of a run's report, carried by `run-finished` (and sent to notification webhooks). */
export interface ReportSummary {
  journey: string;
  app: string;
  targetRegion: string;
  result: "succeeded" | "failed";
  emulator: boolean;
  rtoMs: number;
  rpoMs: number;
  rtoAchievedMs?: number;
  rtoPercentOfBudget?: number;
  rtoMet?: boolean;
  dataLossWindowMs?: number;
  rpoMet?: boolean;
  snapshotIdentifier?: string;
  /** A failback's downtime (write freeze → production healthy in the source region). */
  downtimeMs?: number;
  /** The failback's downtime kept within the plan's budget (objectives.failbackDowntime), when it gives one. */
  downtimeMet?: boolean;
  /** The cache's backup age at the incident start (plans with a cache). */
  cacheBackupAgeMs?: number;
  errorCode?: string;
  verification: { passed: number; failed: number };
  warnings: string[];
}

/** Where events go. Must not throw. */
export type EventSink = (event: DrEvent) => void;

/** Collects events; used by tests and by the report (warnings). */
export function recordingSink(): EventSink & { events: DrEvent[] } {
  const events: DrEvent[] = [];
  const sink = ((event: DrEvent) => void events.push(event)) as EventSink & { events: DrEvent[] };
  sink.events = events;
  return sink;
}
