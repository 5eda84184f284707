/**
 * What automation/ tells the outside world. Library code never prints: it
 * emits these events and index.ts renders them (live, plain lines or NDJSON).
 */

export type PhaseName = "preflight" | "database" | "service" | "dns" | "verification" | "report" | "teardown";

export type DrEvent =
  | { type: "run-started"; runId: string; journey: string; targetRegion: string; stackName: string; emulator: boolean }
  | { type: "phase-started"; phase: PhaseName | string }
  | { type: "phase-finished"; phase: PhaseName | string; durationMs: number; ok: boolean }
  | { type: "resource"; urn: string; resourceType: string; name: string; op: string; status: "started" | "done" | "failed"; durationMs?: number }
  | { type: "info"; message: string }
  | { type: "warning"; code: string; message: string }
  | { type: "clock"; elapsedMs: number; budgetMs: number }
  | { type: "run-finished"; runId: string; ok: boolean; reportPaths: string[] };

/** Where events go. Must not throw. */
export type EventSink = (event: DrEvent) => void;

export const discardEvents: EventSink = () => undefined;

/** Collects events; used by tests and by the report (warnings). */
export function recordingSink(): EventSink & { events: DrEvent[] } {
  const events: DrEvent[] = [];
  const sink = ((event: DrEvent) => void events.push(event)) as EventSink & { events: DrEvent[] };
  sink.events = events;
  return sink;
}
