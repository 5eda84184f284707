/** Writes a run's report: report.json, report.md and report.html, and the GitHub job summary. */
import { appendFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderHtml } from "./html.js";
import type { ReportLanguage } from "./i18n.js";
import { renderMarkdown } from "./markdown.js";
import type { RunReport } from "./model.js";
import { runsDir } from "./store.js";

export interface WriteReportOptions {
  /** Language of report.md and report.html (report.json is language-free). */
  lang?: ReportLanguage;
  /** A GitHub Actions job summary file to append the Markdown to; default $GITHUB_STEP_SUMMARY. */
  stepSummaryPath?: string;
}

/** Writes report.json, report.md and report.html (and appends the Markdown to the GitHub job summary); returns their paths. */
export async function writeReport(
  stateDir: string,
  report: RunReport,
  options: WriteReportOptions = {},
): Promise<string[]> {
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
