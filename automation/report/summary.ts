import type { ReportSummary } from "../events.js";
import { restoreSourceLabel, type RunReport } from "./model.js";

/** The headline of a report (run-finished events, notifications, history). */
export function reportSummary(report: RunReport): ReportSummary {
  return {
    journey: report.journey,
    app: report.app,
    targetRegion: report.targetRegion,
    result: report.result,
    emulator: report.emulator,
    rtoMs: report.objectives.rtoMs,
    rpoMs: report.objectives.rpoMs,
    rtoAchievedMs: report.rto?.achievedMs,
    rtoPercentOfBudget: report.rto ? Math.round(report.rto.percentOfBudget * 10) / 10 : undefined,
    rtoMet: report.rto?.met,
    dataLossWindowMs: report.rpo?.dataLossWindowMs,
    rpoMet: report.rpo?.met,
    snapshotIdentifier: report.rpo && restoreSourceLabel(report.rpo),
    downtimeMs: report.downtime?.durationMs,
    downtimeMet: report.downtime?.met,
    cacheBackupAgeMs: report.cache?.ageMs,
    errorCode: report.error?.code,
    verification: {
      passed: report.verification.filter((check) => check.ok).length,
      failed: report.verification.filter((check) => !check.ok).length,
    },
    warnings: report.warnings.map((warning) => warning.code),
  };
}
