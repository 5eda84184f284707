/** Plain, timestamped lines for CI logs and pipes: no redraws, warnings on stderr. */
import { formatDuration } from "../../automation/clock.js";
import type { DrEvent } from "../../automation/events.js";
import { cacheAgeLabel, restoreSourceLabel, type RunReport } from "../../automation/report/model.js";
import { err, out } from "./output.js";

export function plainRenderer(): (event: DrEvent) => void {
  const stamp = () => new Date().toISOString().slice(11, 19);
  return (event) => {
    switch (event.type) {
      case "run-started":
        return out(
          `${stamp()} ${event.journey} ${event.runId} → ${event.targetRegion} (stack ${event.stackName})${event.emulator ? " [EMULATOR REHEARSAL: moto on 127.0.0.1, no AWS account used]" : ""}`,
        );
      case "phase-started":
        return out(`${stamp()} ▶ ${event.phase}`);
      case "phase-finished":
        return out(`${stamp()} ${event.ok ? "✔" : "✖"} ${event.phase} (${(event.durationMs / 1000).toFixed(1)} s)`);
      case "resource":
        if (event.status === "started") return;
        return out(
          `${stamp()}   ${event.status === "done" ? "·" : "✖"} ${event.op} ${event.resourceType} ${event.name} (${((event.durationMs ?? 0) / 1000).toFixed(1)} s)`,
        );
      case "info":
        return out(`${stamp()}   ${event.message}`);
      case "warning":
        return err(`${stamp()} ⚠ ${event.code}: ${event.message}`);
      case "clock":
        return out(
          `${stamp()}   recovered after ${formatDuration(event.elapsedMs)} of ${formatDuration(event.budgetMs)} (${((event.elapsedMs / event.budgetMs) * 100).toFixed(1)} %)`,
        );
      case "run-finished":
        return out(`${stamp()} ${event.ok ? "done" : "FAILED"}: ${event.reportPaths.join(", ")}`);
      case "dns-switched":
        return; // the info line says it
      case "downtime":
        return event.durationMs === undefined
          ? out(`${stamp()}   downtime started ${event.startedAt} (write freeze)`)
          : undefined; // the info line says how long
    }
  };
}

/** The closing lines of a journey: result, RTO and RPO against their objectives. */
export function reportSummaryLines(report: RunReport): string[] {
  const lines = [`${report.journey} ${report.result}${report.emulator ? " (emulator rehearsal)" : ""}`];
  if (report.rto) {
    lines.push(
      `RTO ${formatDuration(report.rto.achievedMs)} / ${formatDuration(report.objectives.rtoMs)} — ${report.rto.percentOfBudget.toFixed(1)} % ${report.rto.met ? "met" : "MISSED"}`,
    );
  }
  if (report.downtime?.durationMs !== undefined) {
    const { budgetMs, met } = report.downtime;
    lines.push(
      `downtime ${formatDuration(report.downtime.durationMs)}${budgetMs === undefined ? "" : ` of ${formatDuration(budgetMs)} ${met ? "(met)" : "(MISSED)"}`} (write freeze → production healthy)`,
    );
  }
  if (report.handOver) {
    lines.push(
      `new primary ${report.handOver.instanceIdentifier} in ${report.handOver.region} (deletion-protected): adopt it with`,
    );
    lines.push(...report.handOver.importCommands.map((command) => `  ${command}`));
  }
  if (report.rpo) {
    lines.push(
      `RPO ${formatDuration(report.rpo.dataLossWindowMs)} / ${formatDuration(report.objectives.rpoMs)} — ${report.rpo.met ? "met" : "MISSED"} (${restoreSourceLabel(report.rpo)})`,
    );
  }
  if (report.cache) {
    lines.push(`cache backup ${cacheAgeLabel(report.cache, formatDuration)} old (${report.cache.backup})`);
  }
  return lines;
}
