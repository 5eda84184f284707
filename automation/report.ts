/**
 * One typed report per run, computed from the clock's spans; JSON is the
 * source of truth, Markdown and HTML are rendered from it. Written to <state>/runs/<runId>/.
 */
import { appendFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Span } from "./clock.js";
import type { ReportSummary } from "./events.js";
import { renderHtml } from "./report-html.js";
import type { ReportLanguage } from "./report-i18n.js";
import { renderMarkdown } from "./report-markdown.js";
import type { CheckResult } from "./verify.js";

export { renderHtml } from "./report-html.js";
export { renderMarkdown } from "./report-markdown.js";

export const REPORT_SCHEMA_VERSION = 1;

export interface RunReport {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  runId: string;
  journey: "drill" | "failover" | "destroy";
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
    restorePoint: string;
    snapshotIdentifier: string;
    dataLossWindowMs: number;
    met: boolean;
  };
  endpoints?: { serviceName?: string; loadBalancer?: string; database?: string };
  dns?: { record: string; previous?: string; current?: string; insyncMs?: number };
  verification: CheckResult[];
  teardown?: { performed: boolean; ok: boolean; detail: string };
  warnings: { code: string; message: string }[];
  spans: Span[];
  /** Resource names on the critical path of the last stack update (longest dependency chain by measured duration), first to last. */
  criticalPath?: string[];
  versions: { tool: string; node: string };
  /** The plan file the run used (as given on the command line). */
  planFile?: string;
  /** Expected phase durations the run was watched against (plan or history). */
  expectedPhaseMs?: Record<string, number>;
}

export function runsDir(stateDir: string): string {
  return join(stateDir, "runs");
}

export interface WriteReportOptions {
  /** Language of report.md and report.html (report.json is language-free). */
  lang?: ReportLanguage;
  /** A GitHub Actions job summary file to append the Markdown to; default $GITHUB_STEP_SUMMARY. */
  stepSummaryPath?: string;
}

/** Writes report.json, report.md and report.html (and appends the Markdown to the GitHub job summary); returns their paths. */
export async function writeReport(stateDir: string, report: RunReport, options: WriteReportOptions = {}): Promise<string[]> {
  const dir = join(runsDir(stateDir), report.runId);
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, "report.json");
  const mdPath = join(dir, "report.md");
  const htmlPath = join(dir, "report.html");
  const markdown = renderMarkdown(report, { lang: options.lang });
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(mdPath, markdown);
  await writeFile(htmlPath, renderHtml(report, { lang: options.lang }));
  const stepSummary = options.stepSummaryPath ?? process.env.GITHUB_STEP_SUMMARY;
  // The job summary is a nicety: a full or missing file never fails the run.
  if (stepSummary) await appendFile(stepSummary, `${markdown}\n`).catch(() => undefined);
  return [jsonPath, mdPath, htmlPath];
}

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
    snapshotIdentifier: report.rpo?.snapshotIdentifier,
    errorCode: report.error?.code,
    verification: { passed: report.verification.filter((check) => check.ok).length, failed: report.verification.filter((check) => !check.ok).length },
    warnings: report.warnings.map((warning) => warning.code),
  };
}

export async function readReport(stateDir: string, runId: string): Promise<RunReport | undefined> {
  try {
    return JSON.parse(await readFile(join(runsDir(stateDir), runId, "report.json"), "utf8")) as RunReport;
  } catch {
    return undefined;
  }
}

/** Every report in the state directory, oldest first. */
export async function listReports(stateDir: string): Promise<RunReport[]> {
  let runIds: string[];
  try {
    runIds = await readdir(runsDir(stateDir));
  } catch {
    return [];
  }
  const reports = await Promise.all(runIds.map((runId) => readReport(stateDir, runId)));
  return reports.filter((report): report is RunReport => report !== undefined).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
