/** How a failback's downtime and hand-over read: report (Markdown, HTML, both languages), live view, history. */
import { describe, expect, it } from "vitest";
import { buildHistory, renderHistoryTable } from "../../automation/history.js";
import { ProgressTracker } from "../../automation/progress.js";
import { renderHtml } from "../../automation/report/html.js";
import { renderMarkdown } from "../../automation/report/markdown.js";
import type { RunReport } from "../../automation/report/model.js";
import { reportSummary } from "../../automation/report/summary.js";
import { renderLiveScreen } from "../../cli/render/live-view.js";
import { reportSummaryLines } from "../../cli/render/plain.js";
import { sampleReport } from "./fixtures.js";

const ID = "peoplebooster-production-failback-20261130t104831";
const failback = (overrides: Partial<RunReport> = {}) =>
  sampleReport({
    journey: "failback",
    runId: "20261130t104831-failback-ab12",
    startedAt: "2026-11-30T10:48:31Z",
    rto: undefined,
    rpo: undefined,
    downtime: { startedAt: "2026-11-30T10:48:40.000Z", endedAt: "2026-11-30T11:10:05.000Z", durationMs: 1_285_000 },
    handOver: {
      method: "snapshot",
      region: "ap-northeast-1",
      instanceIdentifier: ID,
      endpoint: `${ID}.abc.ap-northeast-1.rds.amazonaws.com:5432`,
      importCommands: [
        `pulumi import aws:rds/instance:Instance production-database ${ID}`,
        `terraform import aws_db_instance.production ${ID}`,
      ],
    },
    ...overrides,
  });

describe("a failback's downtime and hand-over", () => {
  it("are in the Markdown and HTML reports (English and Japanese) and the closing lines", () => {
    const report = failback();
    const markdown = renderMarkdown(report);
    expect(markdown).toMatch(/^# DR failback peoplebooster → ap-northeast-3/m);
    expect(markdown).toContain("| Downtime | 0:21:25 (write freeze → production healthy:");
    expect(markdown).toContain(
      `- Instance: \`${ID}\` (ap-northeast-1, ${ID}.abc.ap-northeast-1.rds.amazonaws.com:5432)`,
    );
    expect(markdown).toContain(`\`\`\`sh\npulumi import aws:rds/instance:Instance production-database ${ID}\n`);
    expect(renderMarkdown(report, { lang: "ja" })).toContain("| 停止時間 | 0:21:25");
    const html = renderHtml(report);
    expect(html).toMatch(/id="downtime-card".*0:21:25/);
    expect(html).toContain(`terraform import aws_db_instance.production ${ID}`);
    expect(reportSummary(report).downtimeMs).toBe(1_285_000);
    expect(reportSummaryLines(report)).toEqual([
      "failback succeeded",
      "downtime 0:21:25 (write freeze → production healthy)",
      `new primary ${ID} in ap-northeast-1 (deletion-protected): adopt it with`,
      `  pulumi import aws:rds/instance:Instance production-database ${ID}`,
      `  terraform import aws_db_instance.production ${ID}`,
    ]);
  });

  it("says an unfinished downtime as ongoing", () => {
    const markdown = renderMarkdown(
      failback({ result: "failed", downtime: { startedAt: "2026-11-30T10:48:40.000Z" } }),
    );
    expect(markdown).toContain("| Downtime | since the write freeze at 2026-11-30T10:48:40.000Z |");
  });

  it("ticks in the live view from the write freeze, instead of the RTO clock", () => {
    let now = Date.parse("2026-11-30T10:48:31Z");
    const tracker = new ProgressTracker(() => now);
    tracker.apply({
      type: "run-started",
      runId: "r",
      journey: "failback",
      targetRegion: "ap-northeast-3",
      stackName: "peoplebooster-failover-ap-northeast-3",
      emulator: false,
      incidentStart: "2026-11-30T10:48:31Z",
      rtoBudgetMs: 4 * 3_600_000,
    });
    tracker.apply({ type: "phase-started", phase: "write-freeze" });
    tracker.apply({ type: "downtime", startedAt: "2026-11-30T10:48:40.000Z" });
    now += 69_000;
    const running = renderLiveScreen(tracker.snapshot(), { clockTime: () => "10:48" });
    expect(running).toMatch(/^downtime 0:01:00 since the write freeze at 10:48$/m);
    expect(running).not.toMatch(/^RTO/m);
    // Only the phases that happened are shown (no rebuild phases).
    expect(running).toContain("write-freeze");
    expect(running).not.toMatch(/^\s*database/m);
    tracker.apply({ type: "downtime", startedAt: "2026-11-30T10:48:40.000Z", durationMs: 1_285_000 });
    expect(renderLiveScreen(tracker.snapshot())).toMatch(/^downtime 0:21:25 \(write freeze → production healthy\)$/m);
  });

  it("shows in history as the failback's downtime", () => {
    const history = buildHistory([failback()]);
    expect(history.entries[0]).toMatchObject({ journey: "failback", downtimeMs: 1_285_000 });
    expect(renderHistoryTable(history)[1]).toMatch(/failback +ap-northeast-3 +down 0:21:25/);
  });
});
