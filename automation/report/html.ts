/**
 * The HTML rendering of a RunReport: one self-contained page (inline CSS and
 * SVG, no script, no network) with the run against the RTO budget and the RPO
 * window, a Gantt timeline of phases and resources (critical path
 * highlighted), verification results and the environment. Pure.
 */
import { formatDuration, type Span } from "../clock.js";
import { cacheAgeLabel, restoreSourceLabel, type RunReport, storageLabel } from "./model.js";
import { messages, phaseName, type ReportLanguage } from "./i18n.js";
import { CONCERNS, concernOf } from "../vocabulary.js";

export interface HtmlOptions {
  lang?: ReportLanguage;
}

/** Text marks, not emoji: a headless or minimal machine may have no emoji font. */
const mark = (ok: boolean) => (ok ? '<span class="mark-ok">✔</span>' : '<span class="mark-bad">✖</span>');

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char]!);

const TICK_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400].map(
  (seconds) => seconds * 1000,
);

/** A tick step giving at most `maxTicks` ticks over `totalMs`. */
function tickStep(totalMs: number, maxTicks = 8): number {
  return TICK_STEPS_MS.find((step) => totalMs / step <= maxTicks) ?? TICK_STEPS_MS[TICK_STEPS_MS.length - 1];
}

function tickLabel(ms: number): string {
  if (ms % 3_600_000 === 0 && ms !== 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0 && ms !== 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

const PHASE_COLORS: Record<string, string> = {
  preflight: "#6b7280",
  provision: "#94a3b8",
  database: "#2563eb",
  service: "#7c3aed",
  dns: "#0891b2",
  verification: "#16a34a",
  teardown: "#a16207",
  "release-protection": "#be185d",
};

const colorOf = (span: Span) =>
  span.kind === "phase"
    ? (PHASE_COLORS[span.name] ?? "#475569")
    : /^aws:(rds|secretsmanager)\//.test(span.resourceType ?? "") ||
        (/^aws:route53\//.test(span.resourceType ?? "") && concernOf(span.resourceType ?? "", span.name) === "database")
      ? "#93c5fd"
      : /^aws:route53\//.test(span.resourceType ?? "")
        ? "#67e8f9"
        : "#c4b5fd";

/** The Gantt chart: one row and one bar per phase and per resource, on the run's own time scale. */
function ganttSvg(report: RunReport, lang: ReportLanguage): string {
  const t = messages(lang);
  const critical = new Set(report.criticalPath ?? []);
  const phases = report.spans.filter((span) => span.kind === "phase").sort((a, b) => a.offsetMs - b.offsetMs);
  const resources = report.spans.filter((span) => span.kind === "resource").sort((a, b) => a.offsetMs - b.offsetMs);
  const rows = [...phases, ...resources];
  const totalMs = Math.max(1000, ...rows.map((span) => span.offsetMs + (span.durationMs ?? 0)));
  const labelWidth = 290;
  const chartWidth = 640;
  const rowHeight = 22;
  const top = 24;
  const height = top + rows.length * rowHeight + (resources.length && phases.length ? 10 : 0) + 8;
  const x = (ms: number) => labelWidth + (ms / totalMs) * chartWidth;
  const parts: string[] = [];
  const step = tickStep(totalMs);
  for (let ms = 0; ms <= totalMs; ms += step) {
    parts.push(
      `<line x1="${x(ms).toFixed(1)}" y1="${top - 6}" x2="${x(ms).toFixed(1)}" y2="${height - 4}" class="grid"/>`,
    );
    parts.push(
      `<text x="${x(ms).toFixed(1)}" y="${top - 10}" class="tick" text-anchor="middle">+${tickLabel(ms)}</text>`,
    );
  }
  let y = top;
  rows.forEach((span, index) => {
    if (index === phases.length && phases.length && resources.length) y += 10;
    // The update's span of a critical resource, not a later teardown's.
    const isCritical = span.kind === "resource" && critical.delete(span.name);
    const width = Math.max(2, ((span.durationMs ?? 0) / totalMs) * chartWidth);
    const label =
      span.kind === "phase"
        ? phaseName(span.name, lang)
        : `${span.name} (${(span.resourceType ?? "").replace(/^aws:/, "")})`;
    const classes = ["bar", span.kind, isCritical ? "critical" : "", span.ok === false ? "failed" : ""]
      .filter(Boolean)
      .join(" ");
    const tooltip = `${label}: +${(span.offsetMs / 1000).toFixed(1)} s, ${formatDuration(span.durationMs ?? 0)} (${((span.durationMs ?? 0) / 1000).toFixed(1)} s)${isCritical ? ` — ${t("criticalPath")}` : ""}`;
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" class="label${span.kind === "phase" ? " phase-label" : ""}${isCritical ? " critical-label" : ""}" text-anchor="end">${escapeHtml(label.length > 38 ? `${label.slice(0, 37)}…` : label)}</text>`,
      `<rect x="${x(span.offsetMs).toFixed(1)}" y="${y + 3}" width="${width.toFixed(1)}" height="${rowHeight - 6}" rx="3" fill="${colorOf(span)}" class="${classes}" data-kind="${span.kind}" data-name="${escapeHtml(span.name)}"><title>${escapeHtml(tooltip)}</title></rect>`,
      `<text x="${(x(span.offsetMs) + width + 4).toFixed(1)}" y="${y + 15}" class="dur">${((span.durationMs ?? 0) / 1000).toFixed(1)} s</text>`,
    );
    y += rowHeight;
  });
  return `<svg id="timeline" role="img" aria-label="${escapeHtml(t("timeline"))}" width="${labelWidth + chartWidth + 60}" height="${height}" viewBox="0 0 ${labelWidth + chartWidth + 60} ${height}">${parts.join("")}</svg>`;
}

/** The run on the budget's scale: RPO window before the incident, the run, recovery, the RTO budget line. */
function budgetSvg(report: RunReport, lang: ReportLanguage): string {
  const t = messages(lang);
  const incident = Date.parse(report.incidentStart);
  const started = Date.parse(report.startedAt) - incident;
  const finished = Date.parse(report.finishedAt || report.startedAt) - incident;
  const recovered = report.rto?.achievedMs;
  const rpoWindow = report.rpo?.dataLossWindowMs ?? 0;
  const before = Math.max(rpoWindow, report.objectives.rpoMs * 0.25);
  const after = Math.max(report.objectives.rtoMs, finished, recovered ?? 0) * 1.04;
  const width = 900;
  const left = 20;
  const chart = width - 2 * left;
  const x = (ms: number) => left + ((ms + before) / (before + after)) * chart;
  const parts: string[] = [];
  const step = tickStep(after, 8);
  for (let ms = 0; ms <= after; ms += step) {
    parts.push(
      `<line x1="${x(ms).toFixed(1)}" y1="28" x2="${x(ms).toFixed(1)}" y2="96" class="grid"/><text x="${x(ms).toFixed(1)}" y="110" class="tick" text-anchor="middle">${ms === 0 ? "0" : `+${tickLabel(ms)}`}</text>`,
    );
  }
  if (report.rpo) {
    parts.push(
      `<rect id="rpo-window" x="${x(-rpoWindow).toFixed(1)}" y="40" width="${Math.max(2, x(0) - x(-rpoWindow)).toFixed(1)}" height="20" fill="${report.rpo.met ? "#fde68a" : "#fca5a5"}"><title>${escapeHtml(`${t("rpoWindow")}: ${formatDuration(rpoWindow)} / ${formatDuration(report.objectives.rpoMs)}`)}</title></rect>`,
      `<line x1="${x(-report.objectives.rpoMs).toFixed(1)}" y1="34" x2="${x(-report.objectives.rpoMs).toFixed(1)}" y2="66" class="objective"/>`,
      `<text x="${x(-rpoWindow).toFixed(1)}" y="76" class="tick">${escapeHtml(t("restorePoint"))}</text>`,
    );
  }
  const phases = report.spans.filter((span) => span.kind === "phase" && !["provision"].includes(span.name));
  const runStart = started;
  for (const span of phases) {
    const from = runStart + span.offsetMs;
    parts.push(
      `<rect class="budget-phase" x="${x(from).toFixed(1)}" y="40" width="${Math.max(2, x(from + (span.durationMs ?? 0)) - x(from)).toFixed(1)}" height="20" fill="${colorOf(span)}"><title>${escapeHtml(`${phaseName(span.name, lang)}: ${formatDuration(span.durationMs ?? 0)}`)}</title></rect>`,
    );
  }
  parts.push(
    `<line x1="${x(0).toFixed(1)}" y1="22" x2="${x(0).toFixed(1)}" y2="96" class="incident"/><text x="${x(0).toFixed(1)}" y="18" class="tick" text-anchor="middle">${escapeHtml(t("incident"))}</text>`,
  );
  parts.push(
    `<line id="rto-budget" x1="${x(report.objectives.rtoMs).toFixed(1)}" y1="22" x2="${x(report.objectives.rtoMs).toFixed(1)}" y2="96" class="budget"/><text x="${x(report.objectives.rtoMs).toFixed(1)}" y="18" class="tick" text-anchor="end">${escapeHtml(`${t("budgetEnd")} ${formatDuration(report.objectives.rtoMs)}`)}</text>`,
  );
  if (recovered !== undefined) {
    parts.push(
      `<line id="rto-achieved" x1="${x(recovered).toFixed(1)}" y1="34" x2="${x(recovered).toFixed(1)}" y2="70" class="${report.rto?.met ? "achieved" : "missed"}"/><text x="${x(recovered).toFixed(1)}" y="88" class="tick">${escapeHtml(`${t("recovered")} ${formatDuration(recovered)} (${report.rto!.percentOfBudget.toFixed(1)} %)`)}</text>`,
    );
  }
  return `<svg id="budget" role="img" aria-label="${escapeHtml(t("budgetView"))}" width="${width}" height="118" viewBox="0 0 ${width} 118">${parts.join("")}</svg>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans CJK JP",sans-serif;margin:24px auto;max-width:980px;color:#0f172a;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;font-size:13px;font-weight:600;vertical-align:middle;margin-left:8px}
.ok{background:#dcfce7;color:#166534}.bad{background:#fee2e2;color:#991b1b}.emu{background:#fef3c7;color:#92400e}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}.card{border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px;min-width:200px}
.card .k{font-size:12px;color:#64748b}.card .v{font-size:20px;font-weight:600}.card .s{font-size:12px;color:#475569}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{border:1px solid #e2e8f0;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f8fafc}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
svg text{font-family:inherit;font-size:11px;fill:#334155}.tick{fill:#64748b;font-size:10px}.label{font-size:11px}.phase-label{font-weight:600}
.grid{stroke:#e2e8f0;stroke-width:1}.incident{stroke:#0f172a;stroke-width:1.5;stroke-dasharray:3 2}.budget{stroke:#dc2626;stroke-width:2}
.achieved{stroke:#16a34a;stroke-width:3}.missed{stroke:#dc2626;stroke-width:3}.objective{stroke:#d97706;stroke-width:1.5;stroke-dasharray:4 2}
.bar.critical{stroke:#dc2626;stroke-width:2}.critical-label{fill:#b91c1c;font-weight:700}.bar.failed{fill:#ef4444}.dur{fill:#64748b;font-size:10px}
.legend{font-size:12px;color:#475569}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;vertical-align:middle}
.mark-ok{color:#16a34a;font-weight:700}.mark-bad{color:#dc2626;font-weight:700}
footer{margin-top:32px;font-size:12px;color:#64748b}
`;

/** A complete, self-contained HTML page for one run. */
export function renderHtml(report: RunReport, options: HtmlOptions = {}): string {
  const lang = options.lang ?? "en";
  const t = messages(lang);
  const e = escapeHtml;
  const title = `${t(`title.${report.journey}`)} ${report.app} → ${report.targetRegion}`;
  const cards: string[] = [];
  if (report.rto) {
    cards.push(
      `<div class="card" id="rto-card"><div class="k">${e(t("rto"))}</div><div class="v">${formatDuration(report.rto.achievedMs)} / ${formatDuration(report.objectives.rtoMs)}</div><div class="s">${report.rto.percentOfBudget.toFixed(1)} % — <span class="badge ${report.rto.met ? "ok" : "bad"}">${e(report.rto.met ? t("met") : t("missed"))}</span></div></div>`,
    );
  }
  if (report.rpo) {
    cards.push(
      `<div class="card" id="rpo-card"><div class="k">${e(t("rpo"))}</div><div class="v">${formatDuration(report.rpo.dataLossWindowMs)} / ${formatDuration(report.objectives.rpoMs)}</div><div class="s">${e(t("restorePoint"))} ${e(report.rpo.restorePoint)} — <span class="badge ${report.rpo.met ? "ok" : "bad"}">${e(report.rpo.met ? t("met") : t("missed"))}</span></div></div>`,
    );
  }
  if (report.downtime) {
    const { downtime } = report;
    cards.push(
      `<div class="card" id="downtime-card"><div class="k">${e(t("downtime"))}</div><div class="v">${downtime.durationMs !== undefined ? formatDuration(downtime.durationMs) : "…"}${downtime.budgetMs === undefined ? "" : ` / ${formatDuration(downtime.budgetMs)}`}</div><div class="s">${e(downtime.durationMs !== undefined ? t("downtimeSpan") : `${t("downtimeOngoing")} ${downtime.startedAt}`)}${downtime.met === undefined ? "" : ` — <span class="badge ${downtime.met ? "ok" : "bad"}">${e(downtime.met ? t("met") : t("missed"))}</span>`}</div></div>`,
    );
  }
  if (report.cache) {
    const gated = report.cache.maxAgeMs !== undefined;
    const met = gated && report.cache.ageMs <= report.cache.maxAgeMs!;
    cards.push(
      `<div class="card" id="cache-card"><div class="k">${e(t("cacheBackupAge"))}</div><div class="v">${e(cacheAgeLabel(report.cache, formatDuration))}</div><div class="s">${e(report.cache.backup)}${gated ? ` — <span class="badge ${met ? "ok" : "bad"}">${e(met ? t("met") : t("missed"))}</span>` : ""}</div></div>`,
    );
  }
  const passed = report.verification.filter((check) => check.ok).length;
  cards.push(
    `<div class="card"><div class="k">${e(t("verification"))}</div><div class="v">${passed} / ${report.verification.length}</div><div class="s">${report.verification.length ? "" : e(t("none"))}</div></div>`,
  );

  const verification = report.verification.length
    ? `<table id="verification"><tr><th>${e(t("check"))}</th><th>${e(t("result"))}</th><th>${e(t("detail"))}</th></tr>${report.verification
        .map((check) => `<tr><td>${e(check.name)}</td><td>${mark(check.ok)}</td><td>${e(check.detail)}</td></tr>`)
        .join("")}</table>`
    : `<p>${e(t("none"))}</p>`;
  const dataChecks = report.dataChecks?.length
    ? `<h2>${e(t("dataChecks"))}</h2><table id="data-checks"><tr><th>${e(t("check"))}</th><th>${e(t("value"))}</th><th>${e(t("expectation"))}</th><th>${e(t("result"))}</th></tr>${report.dataChecks
        .map(
          (check) =>
            `<tr><td>${e(check.name)}</td><td style="text-align:right">${e(check.value === undefined ? "—" : String(check.value))}</td><td>${e(check.expectation)}</td><td>${mark(check.ok)} ${check.ok ? "" : e(check.detail)}</td></tr>`,
        )
        .join("")}</table>`
    : "";
  const env: [string, string][] = [
    [t("app"), report.app],
    [t("plan"), report.planFile ?? "—"],
    [t("regions"), `${report.sourceRegion} → ${report.targetRegion}`],
    [t("stack"), report.stackName],
    [t("run"), report.runId],
    [t("snapshot"), report.rpo ? `${restoreSourceLabel(report.rpo)} (${report.rpo.restorePoint})` : "—"],
    [t("replicaStorage"), report.storage ? storageLabel(report.storage, formatDuration) : "—"],
    [
      t("incidentStart"),
      `${report.incidentStart}${report.incidentClockOf ? ` (${t("incidentClockOf")} ${report.incidentClockOf})` : ""}`,
    ],
    [t("started"), report.startedAt],
    [t("finished"), report.finishedAt],
    [
      t("versions"),
      `dr-failover ${report.versions.tool}, node ${report.versions.node}, ${t("schema")} v${report.schemaVersion}`,
    ],
  ];
  if (report.endpoints?.loadBalancer)
    env.push([
      t("endpoints"),
      `${report.endpoints.loadBalancer}${report.endpoints.database ? `, ${report.endpoints.database}` : ""}${report.endpoints.cache ? `, ${report.endpoints.cache}` : ""}`,
    ]);
  const dns = report.dns
    ? `<h2>${e(t("dns"))}</h2><ul><li>${e(t("record"))}: <code>${e(report.dns.record)}</code></li>${report.dns.previous ? `<li>${e(t("previousValue"))}: <code>${e(report.dns.previous)}</code></li>` : ""}${report.dns.current ? `<li>${e(t("pointsAt"))}: <code>${e(report.dns.current)}</code></li>` : ""}${report.dns.insyncMs !== undefined ? `<li>${e(t("insyncAfter"))} ${(report.dns.insyncMs / 1000).toFixed(1)} s</li>` : ""}</ul>`
    : "";
  const warnings = report.warnings.length
    ? `<h2>${e(t("warnings"))}</h2><ul id="warnings">${report.warnings.map((warning) => `<li><code>${e(warning.code)}</code> ${e(warning.message)}</li>`).join("")}</ul>`
    : "";
  const handOver = report.handOver
    ? `<h2>${e(t("handOver"))}</h2><p id="hand-over">${e(t("instance"))}: <code>${e(report.handOver.instanceIdentifier)}</code> (${e(report.handOver.region)}${report.handOver.endpoint ? `, ${e(report.handOver.endpoint)}` : ""})</p><p>${e(t("handOverNote"))}</p><pre>${e(report.handOver.importCommands.join("\n"))}</pre>`
    : "";
  const teardown = report.teardown
    ? `<h2>${e(t("teardown"))}</h2><p>${mark(report.teardown.ok)} ${e(report.teardown.performed ? report.teardown.detail : `${t("notPerformed")}: ${report.teardown.detail}`)}</p>`
    : "";
  const legend = [...CONCERNS, "verification", "teardown"]
    .map((name) => `<span style="background:${PHASE_COLORS[name]}"></span>${e(phaseName(name, lang))}`)
    .join("");

  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${e(title)} <span class="badge ${report.result === "succeeded" ? "ok" : "bad"}" id="result">${e(t(`result.${report.result}`))}</span>${report.emulator ? ` <span class="badge emu">${e(t("emulator"))}</span>` : ""}</h1>
<div class="cards">${cards.join("")}</div>
${report.error ? `<p class="badge bad">${e(t("error"))}: <code>${e(report.error.code)}</code> ${e(report.error.message)}</p>` : ""}
<h2>${e(t("budgetView"))}</h2>
${budgetSvg(report, lang)}
<h2>${e(t("timeline"))}</h2>
<div class="legend">${legend}${report.criticalPath?.length ? `<span style="background:#fff;border:2px solid #dc2626"></span>${e(t("criticalPath"))}` : ""}</div>
${ganttSvg(report, lang)}
<h2>${e(t("verification"))}</h2>
${verification}
${dataChecks}
${dns}
${handOver}
${teardown}
${warnings}
<h2>${e(t("environment"))}</h2>
<table id="environment">${env.map(([key, value]) => `<tr><th>${e(key)}</th><td><code>${e(value)}</code></td></tr>`).join("")}</table>
<footer>dr-failover ${e(report.versions.tool)} · ${e(t("schema"))} v${report.schemaVersion}</footer>
</body>
</html>
`;
}
