/**
 * The RTO/RPO clock. Every phase and every resource operation is a span with
 * wall-clock start/end and a monotonic duration; the report is computed from
 * spans only.
 */

export interface Span {
  name: string;
  /** "phase" or "resource" (resource spans carry the Pulumi type). */
  kind: "phase" | "resource";
  resourceType?: string;
  /** ISO wall-clock times. */
  start: string;
  end?: string;
  /** Monotonic duration in milliseconds. */
  durationMs?: number;
  ok?: boolean;
  /** Milliseconds from the run's start (for timelines). */
  offsetMs: number;
}

/** Sources of time, replaceable in tests. */
export interface TimeSource {
  wallNow(): number;
  monotonicNow(): number;
}

export const systemTime: TimeSource = {
  wallNow: () => Date.now(),
  monotonicNow: () => performance.now(),
};

export interface OpenSpan {
  readonly span: Span;
  end(ok?: boolean): Span;
}

export class RunClock {
  readonly spans: Span[] = [];
  private readonly startMonotonic: number;
  readonly startedAt: Date;

  /**
   * @param incidentStart when the outage began (RTO and RPO are measured from it); default: now.
   */
  constructor(
    readonly incidentStart: Date = new Date(),
    private readonly time: TimeSource = systemTime,
  ) {
    this.startMonotonic = time.monotonicNow();
    this.startedAt = new Date(time.wallNow());
  }

  /** Milliseconds since the incident started (what the RTO budget is spent on). */
  elapsedSinceIncidentMs(): number {
    return this.time.wallNow() - this.incidentStart.getTime();
  }

  begin(name: string, kind: Span["kind"] = "phase", resourceType?: string): OpenSpan {
    const startMonotonic = this.time.monotonicNow();
    const span: Span = {
      name,
      kind,
      resourceType,
      start: new Date(this.time.wallNow()).toISOString(),
      offsetMs: Math.round(startMonotonic - this.startMonotonic),
    };
    this.spans.push(span);
    return {
      span,
      end: (ok = true) => {
        if (span.end === undefined) {
          span.end = new Date(this.time.wallNow()).toISOString();
          span.durationMs = Math.round(this.time.monotonicNow() - startMonotonic);
          span.ok = ok;
        }
        return span;
      },
    };
  }

  /** Runs `work` inside a span that ends (ok or failed) when it settles. */
  async measure<T>(name: string, work: () => Promise<T>): Promise<T> {
    const open = this.begin(name);
    try {
      const result = await work();
      open.end(true);
      return result;
    } catch (error) {
      open.end(false);
      throw error;
    }
  }

  /** A phase made of resource spans (e.g. "database" = the restore and the secret): their hull. */
  addDerivedPhase(name: string, members: Span[]): Span | undefined {
    const done = members.filter((span) => span.durationMs !== undefined);
    if (done.length === 0) return undefined;
    const first = Math.min(...done.map((span) => span.offsetMs));
    const last = Math.max(...done.map((span) => span.offsetMs + (span.durationMs ?? 0)));
    const startWall = Math.min(...done.map((span) => Date.parse(span.start)));
    const span: Span = {
      name,
      kind: "phase",
      start: new Date(startWall).toISOString(),
      end: new Date(startWall + (last - first)).toISOString(),
      durationMs: last - first,
      ok: done.every((member) => member.ok !== false),
      offsetMs: first,
    };
    this.spans.push(span);
    return span;
  }
}

/** RPO: how much data the restore point loses, measured at the incident start. */
export function dataLossWindowMs(incidentStart: Date, restorePoint: Date): number {
  return Math.max(0, incidentStart.getTime() - restorePoint.getTime());
}

/** "1:02:03" for durations; hours may exceed 24. */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.round(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  return `${hours}:${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}

/** An age for people: days past 48 hours ("35 d", "3 d 4 h"), else as formatDuration. */
export function formatAge(ms: number): string {
  const hours = Math.floor(Math.max(0, ms) / 3_600_000);
  if (hours < 48) return formatDuration(ms);
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}
