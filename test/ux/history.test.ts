import { describe, expect, it } from "vitest";
import { buildHistory, renderHistoryTable } from "../../automation/history.js";
import type { RunReport } from "../../automation/report/model.js";
import { sampleReport } from "./fixtures.js";

const drill = (runId: string, startedAt: string, rtoMs: number, overrides: Partial<RunReport> = {}) =>
  sampleReport({
    runId,
    startedAt,
    rto: { achievedMs: rtoMs, percentOfBudget: rtoMs / 144_000, met: rtoMs <= 14_400_000 },
    rpo: { restorePoint: "", snapshotIdentifier: "s", dataLossWindowMs: 1_300_000, met: true },
    ...overrides,
  });

describe("history", () => {
  it("lists drills and failovers oldest first (not destroys), with RTO, % of budget, RPO and result", () => {
    const history = buildHistory([
      drill("c", "2026-11-28T03:20:00Z", 3_151_000),
      drill("a", "2026-09-26T01:00:00Z", 2_172_000),
      sampleReport({ runId: "d", journey: "destroy", startedAt: "2026-11-29T00:00:00Z" }),
      drill("f", "2026-10-01T00:00:00Z", 0, {
        journey: "failover",
        result: "failed",
        rto: undefined,
        error: { code: "VERIFICATION_FAILED", message: "" },
      }),
    ]);
    expect(history.entries.map((entry) => [entry.runId, entry.journey, entry.result])).toEqual([
      ["a", "drill", "succeeded"],
      ["f", "failover", "failed"],
      ["c", "drill", "succeeded"],
    ]);
    const table = renderHistoryTable(history);
    expect(table[0]).toMatch(/^date \(UTC\) +journey +target +RTO +% budget +RPO +result +run$/);
    expect(table[1]).toMatch(/^2026-09-26 01:00 +drill +ap-northeast-3 +0:36:12 +15\.1 % +0:21:40 +ok +a$/);
    expect(table[2]).toMatch(
      /^2026-10-01 00:00 +failover +ap-northeast-3 +— +— +0:21:40 +FAILED VERIFICATION_FAILED +f$/,
    );
  });

  it("warns when recovery is getting slower: last drill well above the median and a rising slope", () => {
    const history = buildHistory([
      drill("a", "2026-09-26T01:00:00Z", 2_172_000),
      drill("b", "2026-10-31T01:00:00Z", 2_320_000),
      drill("c", "2026-11-28T03:20:00Z", 3_151_000),
    ]);
    expect(history.trend).toMatchObject({ drills: 3, lastMs: 3_151_000, medianMs: 2_320_000, gettingSlower: true });
    expect(history.trend!.slopeMsPerDrill).toBeCloseTo(489_500);
    expect(history.warnings).toEqual([
      {
        code: "RTO_GETTING_SLOWER",
        message: "the last drill took 0:52:31, 36 % more than the median 0:38:40 of 3 drills (+0:08:10 per drill)",
      },
    ]);
    expect(renderHistoryTable(history).at(-1)).toBe(
      "RTO trend over 3 drills: last 0:52:31 vs median 0:38:40 (×1.36), slope +0:08:10 per drill — getting slower",
    );
  });

  it("does not warn for a steady series, and never mixes emulator rehearsals with real drills", () => {
    const steady = buildHistory([
      drill("a", "2026-09-01T00:00:00Z", 2_300_000),
      drill("b", "2026-10-01T00:00:00Z", 2_200_000),
      drill("c", "2026-11-01T00:00:00Z", 2_350_000),
    ]);
    expect(steady.trend?.gettingSlower).toBe(false);
    expect(steady.warnings).toEqual([]);
    const mixed = buildHistory([
      drill("a", "2026-09-01T00:00:00Z", 2_300_000),
      drill("b", "2026-10-01T00:00:00Z", 2_200_000),
      drill("emu", "2026-11-01T00:00:00Z", 13_000, { emulator: true }),
    ]);
    expect(mixed.trend).toBeUndefined();
  });

  it("flags a missed RTO and says so when there is nothing yet", () => {
    expect(buildHistory([drill("x", "2026-09-01T00:00:00Z", 5 * 3_600_000)]).warnings).toEqual([
      { code: "RTO_MISSED", message: "drill x missed the RTO: 5:00:00 of 4:00:00" },
    ]);
    expect(renderHistoryTable(buildHistory([]))).toEqual(["no drills or failovers recorded"]);
  });
});
