/**
 * The Markdown rendering of a RunReport (GitHub-friendly: tables, emoji marks),
 * in English or Japanese. Pure: report in, text out.
 */
import { formatDuration } from "../clock.js";
import { cacheAgeLabel, restoreSourceLabel, type RunReport, storageLabel } from "./model.js";
import { messages, phaseName, type ReportLanguage } from "./i18n.js";

const percent = (value: number) => `${value.toFixed(1)} %`;
const okMark = (ok: boolean | undefined) => (ok === false ? "❌" : "✅");
const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

export interface MarkdownOptions {
  lang?: ReportLanguage;
}

export function renderMarkdown(report: RunReport, options: MarkdownOptions = {}): string {
  const lang = options.lang ?? "en";
  const t = messages(lang);
  const critical = new Set(report.criticalPath ?? []);
  const lines: string[] = [];
  const title = `${t(`title.${report.journey}`)} ${report.app} → ${report.targetRegion}`;
  lines.push(`# ${title}: ${t(`result.${report.result}`)}${report.emulator ? ` (${t("emulator")})` : ""}`, "");
  lines.push(`| | |`, `|---|---|`);
  lines.push(`| ${t("run")} | \`${report.runId}\` |`);
  lines.push(`| ${t("stack")} | \`${report.stackName}\` |`);
  lines.push(`| ${t("regions")} | ${report.sourceRegion} → ${report.targetRegion} |`);
  const clockOf = report.incidentClockOf ? ` (${t("incidentClockOf")} \`${report.incidentClockOf}\`)` : "";
  lines.push(`| ${t("incidentStart")} | ${report.incidentStart}${clockOf} |`);
  lines.push(`| ${t("finished")} | ${report.finishedAt} |`);
  if (report.rto) {
    lines.push(
      `| ${t("rto")} | ${okMark(report.rto.met)} ${formatDuration(report.rto.achievedMs)} ${t("of")} ${formatDuration(report.objectives.rtoMs)} (${percent(report.rto.percentOfBudget)}) |`,
    );
    if (report.rto.achievedWithTtlMs !== undefined) {
      lines.push(
        `| ${t("rtoWithTtl")} (${report.rto.dnsTtlSeconds} s) | ${formatDuration(report.rto.achievedWithTtlMs)} |`,
      );
    }
  }
  if (report.rpo) {
    lines.push(
      `| ${t("rpo")} | ${okMark(report.rpo.met)} ${formatDuration(report.rpo.dataLossWindowMs)} ${t("of")} ${formatDuration(report.objectives.rpoMs)} (${t("restorePoint")} ${report.rpo.restorePoint}, \`${restoreSourceLabel(report.rpo)}\`) |`,
    );
  }
  if (report.storage) lines.push(`| ${t("replicaStorage")} | ${cell(storageLabel(report.storage, formatDuration))} |`);
  if (report.downtime) {
    lines.push(
      report.downtime.durationMs !== undefined
        ? `| ${t("downtime")} | ${report.downtime.met === undefined ? "" : `${okMark(report.downtime.met)} `}${formatDuration(report.downtime.durationMs)}${report.downtime.budgetMs === undefined ? "" : ` ${t("of")} ${formatDuration(report.downtime.budgetMs)}`} (${t("downtimeSpan")}: ${report.downtime.startedAt} → ${report.downtime.endedAt}) |`
        : `| ${t("downtime")} | ${t("downtimeOngoing")} ${report.downtime.startedAt} |`,
    );
  }
  if (report.cache) {
    const met = report.cache.maxAgeMs === undefined ? "" : `${okMark(report.cache.ageMs <= report.cache.maxAgeMs)} `;
    lines.push(
      `| ${t("cacheBackupAge")} | ${met}${cacheAgeLabel(report.cache, formatDuration)} (${report.cache.capturedAt}, \`${report.cache.backup}\`) |`,
    );
  }
  if (report.error) lines.push(`| ${t("error")} | \`${report.error.code}\` ${cell(report.error.message)} |`);
  lines.push("");

  const phases = report.spans.filter((span) => span.kind === "phase");
  if (phases.length) {
    lines.push(
      `## ${t("phases")}`,
      "",
      `| ${t("phase")} | ${t("start")} | ${t("duration")} | |`,
      "|---|---:|---:|---|",
    );
    for (const span of phases) {
      lines.push(
        `| ${phaseName(span.name, lang)} | ${(span.offsetMs / 1000).toFixed(1)} | ${formatDuration(span.durationMs ?? 0)} | ${okMark(span.ok)} |`,
      );
    }
    lines.push("");
  }
  const resources = report.spans.filter((span) => span.kind === "resource");
  if (resources.length) {
    lines.push(
      `## ${t("resources")}`,
      "",
      `| ${t("resource")} | ${t("type")} | ${t("start")} | ${t("duration")} | |`,
      "|---|---|---:|---:|---|",
    );
    for (const span of resources) {
      // ★ and bold: on the critical path (only these shorten the RTO); the update's span, not a later teardown's.
      const name = critical.delete(span.name) ? `★ **${span.name}**` : span.name;
      lines.push(
        `| ${name} | \`${span.resourceType}\` | ${(span.offsetMs / 1000).toFixed(1)} | ${((span.durationMs ?? 0) / 1000).toFixed(1)} s | ${okMark(span.ok)} |`,
      );
    }
    if (report.criticalPath?.length) lines.push("", `★ ${t("criticalPath")}: ${report.criticalPath.join(" → ")}`);
    lines.push("");
  }
  if (report.verification.length) {
    lines.push(`## ${t("verification")}`, "", `| ${t("check")} | ${t("result")} | ${t("detail")} |`, "|---|---|---|");
    for (const check of report.verification)
      lines.push(`| ${check.name} | ${okMark(check.ok)} | ${cell(check.detail)} |`);
    lines.push("");
  }
  if (report.dataChecks?.length) {
    lines.push(
      `## ${t("dataChecks")}`,
      "",
      `| ${t("check")} | ${t("value")} | ${t("expectation")} | ${t("result")} |`,
      "|---|---:|---|---|",
    );
    for (const check of report.dataChecks)
      lines.push(
        `| ${cell(check.name)} | ${check.value ?? "—"} | ${cell(check.expectation)} | ${okMark(check.ok)}${check.ok ? "" : ` ${cell(check.detail)}`} |`,
      );
    lines.push("");
  }
  if (report.dns) {
    lines.push(`## ${t("dns")}`, "", `- ${t("record")}: \`${report.dns.record}\``);
    if (report.dns.previous) lines.push(`- ${t("previousValue")}: \`${report.dns.previous}\``);
    if (report.dns.current) lines.push(`- ${t("pointsAt")}: \`${report.dns.current}\``);
    if (report.dns.insyncMs !== undefined)
      lines.push(`- ${t("insyncAfter")} ${(report.dns.insyncMs / 1000).toFixed(1)} s`);
    lines.push("");
  }
  if (report.handOver) {
    const handOver = report.handOver;
    lines.push(
      `## ${t("handOver")}`,
      "",
      `- ${t("instance")}: \`${handOver.instanceIdentifier}\` (${handOver.region}${handOver.endpoint ? `, ${handOver.endpoint}` : ""})`,
      "",
      t("handOverNote"),
      "",
      "```sh",
      ...handOver.importCommands,
      "```",
      "",
    );
  }
  if (report.teardown) {
    lines.push(
      `## ${t("teardown")}`,
      "",
      `${okMark(report.teardown.ok)} ${report.teardown.performed ? report.teardown.detail : `${t("notPerformed")}: ${report.teardown.detail}`}`,
      "",
    );
  }
  if (report.warnings.length) {
    lines.push(`## ${t("warnings")}`, "");
    for (const warning of report.warnings) lines.push(`- \`${warning.code}\` ${warning.message}`);
    lines.push("");
  }
  lines.push(
    `<sub>dr-failover ${report.versions.tool}, node ${report.versions.node}, ${t("schema")} v${report.schemaVersion}</sub>`,
    "",
  );
  return lines.join("\n");
}
