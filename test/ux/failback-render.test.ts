/** How a failback's downtime and hand-over read: report (Markdown, HTML, both languages), live view, history. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildHistory, renderHistoryTable } from "../../automation/history.js";
import { expectedFromHistory, ProgressTracker } from "../../automation/progress.js";
import { parsePlan } from "../../automation/plan.js";
import { failbackDowntimePhases } from "../../automation/vocabulary.js";
import { renderHtml } from "../../automation/report/html.js";
import { renderMarkdown } from "../../automation/report/markdown.js";
import type { RunReport } from "../../automation/report/model.js";
import { reportSummary } from "../../automation/report/summary.js";
import { renderLiveScreen } from "../../cli/render/live-view.js";
import { reportSummaryLines } from "../../cli/render/plain.js";
import { sampleReport } from "./fixtures.js";

const exampleDocument = () => parse(readFileSync("examples/peoplebooster.yaml", "utf8"));
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

  describe("against the plan's downtime budget (objectives.failbackDowntime)", () => {
    const budget = 30 * 60_000;
    const started = (tracker: ProgressTracker, expectedPhaseMs: Record<string, number>) => {
      tracker.apply({
        type: "run-started",
        runId: "r",
        journey: "failback",
        targetRegion: "ap-northeast-3",
        stackName: "peoplebooster-failover-ap-northeast-3",
        emulator: false,
        incidentStart: "2026-11-30T10:48:31Z",
        rtoBudgetMs: 4 * 3_600_000,
        expectedPhaseMs,
      });
      tracker.apply({ type: "phase-started", phase: "write-freeze" });
      tracker.apply({
        type: "downtime",
        startedAt: "2026-11-30T10:48:31.000Z",
        budgetMs: budget,
        phases: [...failbackDowntimePhases("snapshot")],
      });
    };

    it("is parsed from the plan, and failback phases take expected durations", () => {
      const plan = parsePlan({
        ...exampleDocument(),
        objectives: { failbackDowntime: "45m", expectedPhaseDurations: { restore: "25m", "copy-snapshot": "10m" } },
      });
      expect(plan.objectives.failbackDowntime).toBe(45 * 60_000);
      expect(plan.objectives.expectedPhaseDurations).toEqual({ restore: 25 * 60_000, "copy-snapshot": 10 * 60_000 });
      expect(() => parsePlan({ ...exampleDocument(), objectives: { failbackDowntime: "soon" } })).toThrow(
        expect.objectContaining({
          details: [expect.stringMatching(/^objectives\.failbackDowntime: .*must be a duration like "4h"/)],
        }),
      );
    });

    it("projects the downtime from the phases still to run and warns once when it overruns", () => {
      let now = Date.parse("2026-11-30T10:48:31Z");
      const tracker = new ProgressTracker(() => now);
      started(tracker, {
        "write-freeze": 60_000,
        "final-snapshot": 300_000,
        "copy-snapshot": 600_000,
        restore: 1_200_000,
      });
      now += 30_000;
      // 30 s spent + 30 s of the freeze left + 5 + 10 + 20 min for the phases still to come.
      expect(tracker.snapshot().downtime).toMatchObject({ budgetMs: budget, projectedMs: 60_000 + 2_100_000 });
      expect(tracker.newWarnings()).toEqual([
        {
          code: "DOWNTIME_PROJECTED_OVERRUN",
          message: "projected downtime 0:36:00 exceeds its budget 0:30:00 (0:00:30 since the write freeze)",
        },
      ]);
      expect(tracker.newWarnings()).toEqual([]);
      expect(renderLiveScreen(tracker.snapshot(), { clockTime: () => "11:24" })).toMatch(
        /^downtime 0:00:30 \/ 0:30:00 since the write freeze at 11:24 {2}projected 0:36:00 \(healthy at 11:24\)$/m,
      );
      // Done phases count as they took; the projection then fits the budget.
      tracker.apply({ type: "phase-finished", phase: "write-freeze", durationMs: 30_000, ok: true });
      expect(tracker.snapshot().downtime?.projectedMs).toBe(30_000 + 2_100_000);
    });

    it("without expectations warns once the downtime itself is past the budget", () => {
      let now = Date.parse("2026-11-30T10:48:31Z");
      const tracker = new ProgressTracker(() => now);
      started(tracker, {});
      now += 29 * 60_000;
      expect(tracker.newWarnings()).toEqual([]);
      now += 2 * 60_000;
      expect(tracker.newWarnings()).toEqual([
        {
          code: "DOWNTIME_PROJECTED_OVERRUN",
          message: "the downtime 0:31:00 is past its budget 0:30:00 (objectives.failbackDowntime)",
        },
      ]);
    });

    it("reports a miss in the report, the closing lines and history (a warning: production is home)", () => {
      const report = failback({
        downtime: {
          startedAt: "2026-11-30T10:48:40.000Z",
          endedAt: "2026-11-30T11:10:05.000Z",
          durationMs: 1_285_000,
          budgetMs: 20 * 60_000,
          met: false,
        },
      });
      expect(renderMarkdown(report)).toContain(
        "| Downtime | ❌ 0:21:25 of 0:20:00 (write freeze → production healthy:",
      );
      expect(renderHtml(report)).toMatch(/id="downtime-card".*0:21:25 \/ 0:20:00.*badge bad/);
      expect(reportSummaryLines(report)[1]).toBe(
        "downtime 0:21:25 of 0:20:00 (MISSED) (write freeze → production healthy)",
      );
      expect(reportSummary(report).downtimeMet).toBe(false);
      const history = buildHistory([report, failback({ runId: "20261201t000000-failback-cd34" })]);
      expect(renderHistoryTable(history)[1]).toMatch(/failback +ap-northeast-3 +down 0:21:25 ✖ +107\.1 %/);
      expect(renderHistoryTable(history)[2]).toMatch(/failback +ap-northeast-3 +down 0:21:25 +— /);
      expect(history.warnings).toEqual([
        {
          code: "DOWNTIME_BUDGET_MISSED",
          message: "failback 20261130t104831-failback-ab12 missed its downtime budget: 0:21:25 of 0:20:00",
        },
      ]);
    });

    it("past failbacks give their phases' expectations", () => {
      const spans = failbackDowntimePhases("snapshot").map((name) => ({
        name,
        kind: "phase",
        durationMs: 1000,
        ok: true,
      }));
      expect(expectedFromHistory([{ spans }, { spans }, { spans }])).toMatchObject({
        restore: 1500,
        "write-freeze": 1500,
      });
    });
  });
});
