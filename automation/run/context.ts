/** What every journey is given: the plan, the target, AWS clients, the workspace, where events go. */
import type { AwsClients } from "../aws.js";
import type { EventSink } from "../events.js";
import type { Plan } from "../plan.js";
import type { ReportLanguage } from "../report/i18n.js";
import type { ConnectTo } from "../verify.js";
import type { WorkspaceOptions } from "../workspace.js";

export interface JourneyContext {
  plan: Plan;
  targetRegion: string;
  aws: AwsClients;
  workspace: WorkspaceOptions;
  emit: EventSink;
  signal?: AbortSignal;
  /** Emulator rehearsal: where HTTP checks really go. */
  connectTo?: ConnectTo;
  /** Start of the outage (RTO and RPO are measured from it); default: now. */
  incidentStart?: Date;
  /** Set by a journey that resolved incidentStart itself: whether the caller gave it (it then replaces a recorded one). */
  incidentStartGiven?: boolean;
  /** The plan file, as given (recorded in the report's environment). */
  planFile?: string;
  /** Language of report.md and report.html (default English). */
  reportLanguage?: ReportLanguage;
  /** First GetChange poll of a DNS switch (default 2 s, doubling to 5 s); a benchmark on scaled time scales it too. */
  dnsPollIntervalMs?: number;
  /** First look of a readiness wait (default 1 s, doubling to 15 s); a benchmark on scaled time scales it too. */
  readinessPollIntervalMs?: number;
}

export interface ProvisionOptions {
  snapshotIdentifier?: string;
  /** `--restore-time` (ISO 8601): restore the replicated automated backups to this point in time. */
  restoreTime?: string;
  acceptDataLoss?: boolean;
}
