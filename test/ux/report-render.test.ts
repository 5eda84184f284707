import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../automation/report/html.js";
import { renderMarkdown } from "../../automation/report/markdown.js";
import { writeReport } from "../../automation/report/publish.js";
import { readReport } from "../../automation/report/store.js";
import { reportSummary } from "../../automation/report/summary.js";
import { sampleReport, SAMPLE_RESOURCES } from "./fixtures.js";

describe("Markdown report", () => {
  it("renders the run, RTO/RPO, phases, resources and verification as GitHub tables", () => {
    const markdown = renderMarkdown(sampleReport());
    expect(markdown).toContain("# DR drill peoplebooster → ap-northeast-3: succeeded");
    expect(markdown).toContain("| RTO | ✅ 0:39:01 of 4:00:00 (16.3 %) |");
    expect(markdown).toContain("| RPO | ✅ 0:38:00 of 1:00:00 (restore point");
    expect(markdown).toContain("| database | 0.0 |".replace("0.0", "44.0"));
    expect(markdown).toContain("## Verification");
    expect(markdown).toContain("| record-count | ✅ | users: 18 204 rows (expected ≥ 18 000) |");
  });

  it("highlights the critical path's resources (the update's span, not the teardown's) and lists the path", () => {
    const markdown = renderMarkdown(sampleReport());
    expect(markdown).toContain("| ★ **database** | `aws:rds/instance:Instance` | 45.0 |");
    expect(markdown).toContain("| database | `aws:rds/instance:Instance` | 2000.0 |");
    expect(markdown).toContain("| ★ **service** |");
    expect(markdown).toContain("| load-balancer |");
    expect(markdown).toContain("★ critical path: database → database-secret-version → task-definition → service");
    expect(renderMarkdown(sampleReport({ criticalPath: undefined }))).not.toContain("★");
  });

  it("speaks Japanese with --lang ja (the runbook's words), English by default", () => {
    const markdown = renderMarkdown(sampleReport(), { lang: "ja" });
    expect(markdown).toContain("# DR訓練レポート peoplebooster → ap-northeast-3: 成功");
    expect(markdown).toContain("| 目標復旧時間 (RTO) | ✅ 0:39:01 ／ 4:00:00 (16.3 %) |");
    expect(markdown).toContain("| 目標復旧時点 (RPO) |");
    expect(markdown).toContain("## 検証結果");
    expect(markdown).toContain("## フェーズ");
    expect(markdown).toContain("| データベース (database) |");
    expect(markdown).toContain("★ クリティカルパス:");
    expect(markdown).not.toMatch(/## (Phases|Verification|Resources)/);
  });

  it("says when the incident start was recorded by an interrupted run (the RTO counts the time lost)", () => {
    const report = sampleReport({ incidentClockOf: "20261128t031200-failover-ab12" });
    expect(renderMarkdown(report)).toContain(
      `| Incident start | ${report.incidentStart} (recorded by the interrupted run \`20261128t031200-failover-ab12\`) |`,
    );
    expect(renderHtml(report)).toContain("recorded by the interrupted run 20261128t031200-failover-ab12");
    expect(renderMarkdown(sampleReport())).not.toContain("interrupted run");
  });

  it("shows the cache's backup age beside the RPO (gated or not) and its endpoint, in Markdown, HTML and the summary", () => {
    const cache = {
      source: "rdb-in-s3" as const,
      backup: "s3://peoplebooster-production-assets-apne3/elasticache/redis-20261128-030000-0001.rdb",
      capturedAt: "2026-11-28T03:00:00.000Z",
      ageMs: 30 * 3600_000,
      maxAgeMs: 26 * 3600_000,
    };
    const report = sampleReport({
      cache,
      endpoints: {
        serviceName: "svc",
        loadBalancer: "alb.example",
        database: "db.example",
        cache: "master.redis:6379",
      },
    });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain(
      `| Cache backup age | ❌ 30:00:00 / 26:00:00 (2026-11-28T03:00:00.000Z, \`${cache.backup}\`) |`,
    );
    expect(markdown.indexOf("Cache backup age")).toBeGreaterThan(markdown.indexOf("| RPO |"));
    const html = renderHtml(report);
    expect(html).toMatch(/<div class="card" id="cache-card">.*30:00:00 \/ 26:00:00.*badge bad/);
    expect(html).toContain("master.redis:6379");
    expect(reportSummary(report).cacheBackupAgeMs).toBe(30 * 3600_000);
    const ungated = renderMarkdown(sampleReport({ cache: { ...cache, maxAgeMs: undefined } }));
    expect(ungated).toContain(`| Cache backup age | 30:00:00 (`);
  });

  it("escapes table cells", () => {
    const markdown = renderMarkdown(
      sampleReport({ verification: [{ name: "q", ok: false, detail: "a | b\nc", durationMs: 1 }] }),
    );
    expect(markdown).toContain("| q | ❌ | a \\| b c |");
  });
});

describe("HTML report", () => {
  it("is one self-contained page: inline CSS and SVG, no script, no external URL", () => {
    const html = renderHtml(sampleReport());
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    // The only URL is text: the verification detail of the health check.
    expect([...html.matchAll(/https?:\/\/[^\s"<]+/g)].map((match) => match[0])).toEqual([
      "http://drill-api.peoplebooster.example.com/health",
    ]);
    expect(html).toContain('<svg id="timeline"');
    expect(html).toContain('<svg id="budget"');
    expect(html).toContain('id="rpo-window"');
    expect(html).toContain('id="rto-achieved"');
  });

  it("draws one Gantt bar per phase and per resource, the critical path's update spans highlighted", () => {
    const report = sampleReport();
    const html = renderHtml(report);
    const bars = [...html.matchAll(/<rect [^>]*class="bar ([^"]*)"[^>]*data-name="([^"]*)"/g)].map((match) => ({
      classes: match[1],
      name: match[2],
    }));
    expect(bars).toHaveLength(report.spans.length);
    expect(bars.filter((bar) => bar.classes.startsWith("phase"))).toHaveLength(7);
    expect(
      bars
        .filter((bar) => bar.classes.includes("critical"))
        .map((bar) => bar.name)
        .sort(),
    ).toEqual(["database", "database-secret-version", "service", "task-definition"]);
    expect(SAMPLE_RESOURCES.length + 1).toBe(bars.filter((bar) => bar.classes.startsWith("resource")).length);
  });

  it("shows the environment (plan, regions, snapshot, versions) and escapes every value", () => {
    const html = renderHtml(
      sampleReport({ planFile: "plans/<evil>.yaml", warnings: [{ code: "X", message: "<img onerror=alert(1)>" }] }),
    );
    expect(html).toContain("plans/&lt;evil&gt;.yaml");
    expect(html).toContain("&lt;img onerror=alert(1)&gt;");
    expect(html).not.toContain("<img");
    expect(html).toContain("ap-northeast-1 → ap-northeast-3");
    expect(html).toContain("peoplebooster-production-20261128-0242");
    expect(html).toContain("node v20.20.2");
  });

  it("renders Japanese with --lang ja", () => {
    const html = renderHtml(sampleReport(), { lang: "ja" });
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain("DR訓練レポート");
    expect(html).toContain("目標復旧時間 (RTO)");
    expect(html).toContain("検証結果");
    expect(html).toContain("実行環境");
  });
});

describe("writing reports", () => {
  it("writes report.json, report.md and report.html beside each other and appends the Markdown to the GitHub job summary", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "dr-ux-report-"));
    const summaryFile = join(stateDir, "step-summary.md");
    await writeFile(summaryFile, "previous step\n");
    const report = sampleReport();
    const paths = await writeReport(stateDir, report, { lang: "ja", stepSummaryPath: summaryFile });
    expect(paths.map((path) => path.slice(stateDir.length))).toEqual([
      `/runs/${report.runId}/report.json`,
      `/runs/${report.runId}/report.md`,
      `/runs/${report.runId}/report.html`,
    ]);
    expect(await readReport(stateDir, report.runId)).toEqual(report);
    expect(await readFile(paths[2], "utf8")).toContain("DR訓練レポート");
    const summary = await readFile(summaryFile, "utf8");
    expect(summary.startsWith("previous step\n# DR訓練レポート")).toBe(true);
  });

  it("summarizes a report for events and notifications", () => {
    expect(reportSummary(sampleReport())).toEqual({
      journey: "drill",
      app: "peoplebooster",
      targetRegion: "ap-northeast-3",
      result: "succeeded",
      emulator: false,
      rtoMs: 14_400_000,
      rpoMs: 3_600_000,
      rtoAchievedMs: 2_341_000,
      rtoPercentOfBudget: 16.3,
      rtoMet: true,
      dataLossWindowMs: 2_280_000,
      rpoMet: true,
      snapshotIdentifier: "peoplebooster-production-20261128-0242",
      errorCode: undefined,
      verification: { passed: 3, failed: 0 },
      warnings: ["RPO_CLOSE"],
    });
  });
});
