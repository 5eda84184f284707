/**
 * `history`: past drills and failovers from the reports in <state-dir>/runs,
 * with the RTO trend across drills (least-squares slope and last vs median)
 * and a warning when recovery is getting slower. Pure once the reports are read.
 */
import { formatDuration } from "./clock.js";
import { median } from "./progress.js";
import type { RunReport } from "./report/model.js";

export interface HistoryEntry {
  runId: string;
  journey: "drill" | "failover" | "failback";
  startedAt: string;
  app: string;
  targetRegion: string;
  emulator: boolean;
  result: RunReport["result"];
  rtoMs?: number;
  rtoBudgetMs: number;
  percentOfBudget?: number;
  rtoMet?: boolean;
  dataLossWindowMs?: number;
  rpoMet?: boolean;
  errorCode?: string;
  /** A failback's downtime (write freeze → production healthy). */
  downtimeMs?: number;
  /** The plan's downtime budget of that failback, and whether the downtime kept within it. */
  downtimeBudgetMs?: number;
  downtimeMet?: boolean;
}

export interface RtoTrend {
  /** Successful drills the trend is computed over (same app, same emulator flag as the latest). */
  drills: number;
  lastMs: number;
  medianMs: number;
  /** last / median. */
  lastVsMedian: number;
  /** Least-squares slope of the RTO per drill, in milliseconds. */
  slopeMsPerDrill: number;
  gettingSlower: boolean;
}

export interface History {
  entries: HistoryEntry[];
  trend?: RtoTrend;
  warnings: { code: string; message: string }[];
}

/** How much slower than the median the last drill may be before the trend warns. */
const SLOWER_FACTOR = 1.2;

function slope(values: number[]): number {
  const n = values.length;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, value) => sum + value, 0) / n;
  let numerator = 0;
  let denominator = 0;
  values.forEach((value, index) => {
    numerator += (index - meanX) * (value - meanY);
    denominator += (index - meanX) ** 2;
  });
  return denominator === 0 ? 0 : numerator / denominator;
}

/** Drills and failovers, oldest first, optionally only one app's; with the RTO trend of the drills. */
export function buildHistory(reports: RunReport[], options: { app?: string } = {}): History {
  const entries: HistoryEntry[] = reports
    .filter((report): report is RunReport & { journey: HistoryEntry["journey"] } => report.journey !== "destroy")
    .filter((report) => !options.app || report.app === options.app)
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt))
    .map((report) => ({
      runId: report.runId,
      journey: report.journey,
      startedAt: report.startedAt,
      app: report.app,
      targetRegion: report.targetRegion,
      emulator: report.emulator,
      result: report.result,
      rtoMs: report.rto?.achievedMs,
      rtoBudgetMs: report.objectives.rtoMs,
      percentOfBudget: report.rto?.percentOfBudget,
      rtoMet: report.rto?.met,
      dataLossWindowMs: report.rpo?.dataLossWindowMs,
      rpoMet: report.rpo?.met,
      errorCode: report.error?.code,
      downtimeMs: report.downtime?.durationMs,
      downtimeBudgetMs: report.downtime?.budgetMs,
      downtimeMet: report.downtime?.met,
    }));
  const warnings: History["warnings"] = [];
  const latest = [...entries].reverse().find((entry) => entry.journey === "drill" && entry.rtoMs !== undefined);
  let trend: RtoTrend | undefined;
  if (latest) {
    // An emulator rehearsal and a real drill are different clocks: never mix them in one trend.
    const series = entries
      .filter(
        (entry) =>
          entry.journey === "drill" &&
          entry.rtoMs !== undefined &&
          entry.app === latest.app &&
          entry.emulator === latest.emulator,
      )
      .map((entry) => entry.rtoMs!);
    if (series.length >= 2) {
      const medianMs = median(series);
      const lastMs = series[series.length - 1];
      const slopeMsPerDrill = slope(series);
      const lastVsMedian = medianMs > 0 ? lastMs / medianMs : 1;
      const gettingSlower = series.length >= 3 && slopeMsPerDrill > 0 && lastVsMedian > SLOWER_FACTOR;
      trend = { drills: series.length, lastMs, medianMs, lastVsMedian, slopeMsPerDrill, gettingSlower };
      if (gettingSlower) {
        warnings.push({
          code: "RTO_GETTING_SLOWER",
          message: `the last drill took ${formatDuration(lastMs)}, ${Math.round((lastVsMedian - 1) * 100)} % more than the median ${formatDuration(medianMs)} of ${series.length} drills (+${formatDuration(slopeMsPerDrill)} per drill)`,
        });
      }
    }
  }
  for (const entry of entries) {
    if (entry.downtimeMet === false)
      warnings.push({
        code: "DOWNTIME_BUDGET_MISSED",
        message: `failback ${entry.runId} missed its downtime budget: ${formatDuration(entry.downtimeMs ?? 0)} of ${formatDuration(entry.downtimeBudgetMs ?? 0)}`,
      });
    if (entry.rtoMet === false)
      warnings.push({
        code: "RTO_MISSED",
        message: `${entry.journey} ${entry.runId} missed the RTO: ${formatDuration(entry.rtoMs ?? 0)} of ${formatDuration(entry.rtoBudgetMs)}`,
      });
  }
  return { entries, trend, warnings };
}

/** The history as an aligned text table (pure: index.ts prints it). */
export function renderHistoryTable(history: History): string[] {
  if (history.entries.length === 0) return ["no drills or failovers recorded"];
  const rows = [
    ["date (UTC)", "journey", "target", "RTO", "% budget", "RPO", "result", "run"],
    ...history.entries.map((entry) => [
      entry.startedAt.slice(0, 16).replace("T", " "),
      `${entry.journey}${entry.emulator ? " (emu)" : ""}`,
      entry.targetRegion,
      entry.journey === "failback"
        ? entry.downtimeMs === undefined
          ? "—"
          : `down ${formatDuration(entry.downtimeMs)}${entry.downtimeMet === false ? " ✖" : ""}`
        : entry.rtoMs === undefined
          ? "—"
          : `${formatDuration(entry.rtoMs)}${entry.rtoMet === false ? " ✖" : ""}`,
      entry.journey === "failback"
        ? entry.downtimeMs === undefined || !entry.downtimeBudgetMs
          ? "—"
          : `${((entry.downtimeMs / entry.downtimeBudgetMs) * 100).toFixed(1)} %`
        : entry.percentOfBudget === undefined
          ? "—"
          : `${entry.percentOfBudget.toFixed(1)} %`,
      entry.dataLossWindowMs === undefined
        ? "—"
        : `${formatDuration(entry.dataLossWindowMs)}${entry.rpoMet === false ? " ✖" : ""}`,
      entry.result === "succeeded" ? "ok" : `FAILED${entry.errorCode ? ` ${entry.errorCode}` : ""}`,
      entry.runId,
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => [...row[column]].length)));
  const lines = rows.map((row) =>
    row
      .map((value, column) => value.padEnd(widths[column]))
      .join("  ")
      .trimEnd(),
  );
  if (history.trend) {
    const { trend } = history;
    const sign = trend.slopeMsPerDrill >= 0 ? "+" : "−";
    lines.push(
      "",
      `RTO trend over ${trend.drills} drills: last ${formatDuration(trend.lastMs)} vs median ${formatDuration(trend.medianMs)} (×${trend.lastVsMedian.toFixed(2)}), slope ${sign}${formatDuration(Math.abs(trend.slopeMsPerDrill))} per drill${trend.gettingSlower ? " — getting slower" : ""}`,
    );
  }
  return lines;
}
