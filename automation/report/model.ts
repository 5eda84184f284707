/**
 * One typed report per run, computed from the clock's spans. report.json is the
 * source of truth; Markdown and HTML are rendered from it.
 */
import type { Span } from "../clock.js";
import type { StepResult } from "../readiness.js";
import type { SqlCheckResult } from "../sql-checks.js";
import type { CheckResult } from "../verify.js";
import type { Journey } from "../vocabulary.js";

export const REPORT_SCHEMA_VERSION = 1;

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  runId: string;
  journey: Journey;
  app: string;
  sourceRegion: string;
  targetRegion: string;
  stackName: string;
  emulator: boolean;
  result: "succeeded" | "failed";
  error?: { code: string; message: string };
  incidentStart: string;
  startedAt: string;
  finishedAt: string;
  objectives: { rtoMs: number; rpoMs: number };
  rto?: {
    /** Incident start → healthy through the DNS name. */
    achievedMs: number;
    percentOfBudget: number;
    met: boolean;
    /** Clients may keep the previous answer this long after INSYNC. */
    dnsTtlSeconds?: number;
    /** achieved + TTL: when the last client sees the DR endpoint. */
    achievedWithTtlMs?: number;
  };
  rpo?: {
    /** When the restored data was captured (ISO): the snapshot's time, or the restore time of a point in time. */
    restorePoint: string;
    /** "snapshot" when absent (reports written before point-in-time restores). */
    source?: "snapshot" | "point-in-time";
    /** The snapshot restored (source snapshot). */
    snapshotIdentifier?: string;
    /** The replicated automated backups restored from (source point-in-time). */
    automatedBackupsArn?: string;
    dataLossWindowMs: number;
    met: boolean;
  };
  /** The S3 side of the RPO: the replica bucket as preflight found it. */
  storage?: {
    replicaBucket: string;
    versioning: string;
    /** "rule <id> of <source bucket>", or "not checked (<why>)". */
    replication: string;
    newestObjectKey?: string;
    newestObjectAt?: string;
    /** Incident start − the newest replicated object's LastModified. */
    newestObjectAgeMs?: number;
    /** Why the newest object's age was not measured. */
    note?: string;
  };
  /** The Redis cache's backup restored (when the plan has a cache), beside the database's RPO. */
  cache?: {
    source: "rdb-in-s3" | "snapshot";
    /** s3://bucket/key of the .rdb, or the ElastiCache snapshot's name. */
    backup: string;
    /** When the backup was taken (ISO). */
    capturedAt: string;
    /** Its age at the incident start. */
    ageMs: number;
    /** cache.backup.maxAge, when the plan gates on it. */
    maxAgeMs?: number;
  };
  endpoints?: { serviceName?: string; loadBalancer?: string; database?: string; cache?: string };
  dns?: { record: string; previous?: string; current?: string; insyncMs?: number };
  /** What the driver checked before the switch/verification: database available, service steady, targets healthy. */
  readiness?: StepResult[];
  verification: CheckResult[];
  /** The data checks in the restored database (verification.sql): name, value, expectation, result. */
  dataChecks?: SqlCheckResult[];
  teardown?: { performed: boolean; ok: boolean; detail: string };
  warnings: { code: string; message: string }[];
  spans: Span[];
  /** Resource names on the critical path of the last stack update (longest dependency chain by measured duration), first to last. */
  criticalPath?: string[];
  versions: { tool: string; node: string };
  /** The plan file the run used (as given on the command line). */
  planFile?: string;
  /** When the incident start was recorded by an earlier, interrupted run of this journey: that run's id (the RTO counts its time too). */
  incidentClockOf?: string;
  /** A failback's downtime: from the write freeze in DR to production answering healthy in the source region. */
  downtime?: {
    /** ISO time the write freeze started (kept across resumes). */
    startedAt: string;
    /** ISO time production answered healthy again; absent while (or when) it did not. */
    endedAt?: string;
    durationMs?: number;
    /** The plan's downtime budget (objectives.failbackDowntime), when it gives one. */
    budgetMs?: number;
    /** durationMs ≤ budgetMs, once both are known. */
    met?: boolean;
  };
  /** A failback's new primary, retained and deletion-protected, and how to adopt it in the production IaC. */
  handOver?: {
    method: string;
    region: string;
    instanceIdentifier: string;
    instanceArn?: string;
    endpoint?: string;
    /** `pulumi import …` and `terraform import …` lines. */
    importCommands: string[];
  };
  /** Expected phase durations the run was watched against (plan or history). */
  expectedPhaseMs?: Record<string, number>;
}

/** How reports show the cache's backup age: "0:12:00 (≤ 26:00:00)" when the plan gates on it. */
export function cacheAgeLabel(cache: NonNullable<RunReport["cache"]>, format: (ms: number) => string): string {
  return cache.maxAgeMs === undefined ? format(cache.ageMs) : `${format(cache.ageMs)} / ${format(cache.maxAgeMs)}`;
}

/** How reports name the restore source: the snapshot id, or "point in time <time> of <automated backups ARN>". */
export function restoreSourceLabel(rpo: NonNullable<RunReport["rpo"]>): string {
  return rpo.source === "point-in-time"
    ? `point in time ${rpo.restorePoint} of ${rpo.automatedBackupsArn}`
    : (rpo.snapshotIdentifier ?? "—");
}

/** How reports state the replica bucket: "<bucket>: newest object <key> 4m 0s old (versioning Enabled)" or why not measured. */
export function storageLabel(
  storage: NonNullable<RunReport["storage"]>,
  formatDuration: (ms: number) => string,
): string {
  const newest =
    storage.newestObjectAgeMs !== undefined
      ? `newest object ${storage.newestObjectKey} ${formatDuration(storage.newestObjectAgeMs)} old`
      : `newest object ${storage.note ?? "not measured"}`;
  return `${storage.replicaBucket}: ${newest} (versioning ${storage.versioning}; replication ${storage.replication})`;
}
