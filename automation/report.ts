/**
 * One typed report per run, computed from the clock's spans; JSON is the
 * source of truth, Markdown is rendered from it. Written to <state>/runs/<runId>/.
 */
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatDuration, type Span } from "./clock.js";
import type { CheckResult } from "./verify.js";

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
  versions: { tool: string; node: string };
}

export function runsDir(stateDir: string): string {
  return join(stateDir, "runs");
}

const percent = (value: number) => `${value.toFixed(1)} %`;
const okMark = (ok: boolean | undefined) => (ok === false ? "❌" : "✅");

export function renderMarkdown(report: RunReport): string {
  const lines: string[] = [];
  const title = `${report.journey === "drill" ? "DR drill" : report.journey === "failover" ? "DR failover" : "DR destroy"} ${report.app} → ${report.targetRegion}`;
  lines.push(`# ${title}: ${report.result === "succeeded" ? "succeeded" : "FAILED"}${report.emulator ? " (emulator rehearsal)" : ""}`, "");
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| Run | \`${report.runId}\` |`);
  lines.push(`| Stack | \`${report.stackName}\` |`);
  lines.push(`| Regions | ${report.sourceRegion} → ${report.targetRegion} |`);
  lines.push(`| Incident start | ${report.incidentStart} |`);
  lines.push(`| Finished | ${report.finishedAt} |`);
  if (report.rto) {
    lines.push(
      `| RTO | ${okMark(report.rto.met)} ${formatDuration(report.rto.achievedMs)} of ${formatDuration(report.objectives.rtoMs)} (${percent(report.rto.percentOfBudget)}) |`,
    );
    if (report.rto.achievedWithTtlMs !== undefined) {
      lines.push(`| RTO incl. DNS TTL (${report.rto.dnsTtlSeconds} s) | ${formatDuration(report.rto.achievedWithTtlMs)} |`);
    }
  }
  if (report.rpo) {
    lines.push(
      `| RPO | ${okMark(report.rpo.met)} ${formatDuration(report.rpo.dataLossWindowMs)} of ${formatDuration(report.objectives.rpoMs)} (restore point ${report.rpo.restorePoint}, \`${report.rpo.snapshotIdentifier}\`) |`,
    );
  }
  if (report.error) lines.push(`| Error | \`${report.error.code}\` ${report.error.message} |`);
  lines.push("");

  const phases = report.spans.filter((span) => span.kind === "phase");
  if (phases.length) {
    lines.push("## Phases", "", "| Phase | Start (+s) | Duration | |", "|---|---:|---:|---|");
    for (const span of phases) {
      lines.push(`| ${span.name} | ${(span.offsetMs / 1000).toFixed(1)} | ${formatDuration(span.durationMs ?? 0)} | ${okMark(span.ok)} |`);
    }
    lines.push("");
  }
  const resources = report.spans.filter((span) => span.kind === "resource");
  if (resources.length) {
    lines.push("## Resources", "", "| Resource | Type | Start (+s) | Duration | |", "|---|---|---:|---:|---|");
    for (const span of resources) {
      lines.push(`| ${span.name} | \`${span.resourceType}\` | ${(span.offsetMs / 1000).toFixed(1)} | ${((span.durationMs ?? 0) / 1000).toFixed(1)} s | ${okMark(span.ok)} |`);
    }
    lines.push("");
  }
  if (report.verification.length) {
    lines.push("## Verification", "", "| Check | Result | Detail |", "|---|---|---|");
    for (const check of report.verification) lines.push(`| ${check.name} | ${okMark(check.ok)} | ${check.detail.replace(/\|/g, "\\|")} |`);
    lines.push("");
  }
  if (report.dns) {
    lines.push("## DNS", "", `- Record: \`${report.dns.record}\``);
    if (report.dns.previous) lines.push(`- Previous value: \`${report.dns.previous}\``);
    if (report.dns.current) lines.push(`- Now points at: \`${report.dns.current}\``);
    if (report.dns.insyncMs !== undefined) lines.push(`- INSYNC after ${(report.dns.insyncMs / 1000).toFixed(1)} s`);
    lines.push("");
  }
  if (report.teardown) {
    lines.push("## Teardown", "", `${okMark(report.teardown.ok)} ${report.teardown.performed ? report.teardown.detail : `not performed: ${report.teardown.detail}`}`, "");
  }
  if (report.warnings.length) {
    lines.push("## Warnings", "");
    for (const warning of report.warnings) lines.push(`- \`${warning.code}\` ${warning.message}`);
    lines.push("");
  }
  lines.push(`<sub>dr-failover ${report.versions.tool}, node ${report.versions.node}, report schema v${report.schemaVersion}</sub>`, "");
  return lines.join("\n");
}

/** Writes report.json and report.md; returns their paths. */
export async function writeReport(stateDir: string, report: RunReport): Promise<string[]> {
  const dir = join(runsDir(stateDir), report.runId);
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, "report.json");
  const mdPath = join(dir, "report.md");
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(mdPath, renderMarkdown(report));
  return [jsonPath, mdPath];
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
