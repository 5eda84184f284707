import { describe, expect, it } from "vitest";
import { RunClock, dataLossWindowMs, formatAge, formatDuration, type TimeSource } from "../../automation/clock.js";

function fakeTime(startWall: number): TimeSource & { advance(ms: number): void } {
  let offset = 0;
  return { wallNow: () => startWall + offset, monotonicNow: () => offset, advance: (ms) => void (offset += ms) };
}

describe("the RTO/RPO clock", () => {
  it("measures from the declared incident start, not from when the command started", () => {
    const time = fakeTime(Date.parse("2026-11-28T03:30:00Z"));
    const clock = new RunClock(new Date("2026-11-28T03:00:00Z"), time);
    time.advance(60_000);
    expect(clock.elapsedSinceIncidentMs()).toBe(31 * 60_000);
  });

  it("gives every phase a wall-clock start/end and a monotonic duration", async () => {
    const time = fakeTime(Date.parse("2026-11-28T03:00:00Z"));
    const clock = new RunClock(undefined, time);
    time.advance(1_000);
    await clock.measure("preflight", async () => time.advance(2_500));
    await expect(
      clock.measure("verification", async () => {
        time.advance(500);
        throw new Error("unhealthy");
      }),
    ).rejects.toThrow("unhealthy");
    expect(clock.spans).toEqual([
      expect.objectContaining({
        name: "preflight",
        offsetMs: 1_000,
        durationMs: 2_500,
        ok: true,
        start: "2026-11-28T03:00:01.000Z",
        end: "2026-11-28T03:00:03.500Z",
      }),
      expect.objectContaining({ name: "verification", durationMs: 500, ok: false }),
    ]);
  });

  it("derives a concern's phase as the hull of its resource spans", () => {
    const time = fakeTime(Date.parse("2026-11-28T03:00:00Z"));
    const clock = new RunClock(undefined, time);
    const db = clock.begin("database", "resource", "aws:rds/instance:Instance");
    time.advance(1_000);
    const secret = clock.begin("connection-value", "resource", "aws:secretsmanager/secretVersion:SecretVersion");
    time.advance(4_000);
    db.end();
    time.advance(1_000);
    secret.end();
    const phase = clock.addDerivedPhase("database", [db.span, secret.span]);
    expect(phase).toMatchObject({ offsetMs: 0, durationMs: 6_000, ok: true });
  });

  it("computes the data-loss window and formats durations past 24 h", () => {
    expect(dataLossWindowMs(new Date("2026-11-28T03:00:00Z"), new Date("2026-11-28T02:15:00Z"))).toBe(45 * 60_000);
    expect(dataLossWindowMs(new Date("2026-11-28T03:00:00Z"), new Date("2026-11-28T04:00:00Z"))).toBe(0);
    expect(formatDuration(90_061_000)).toBe("25:01:01");
    // Ages (check's drill age and maxDrillAge) read in days past two days; a shorter one as a duration.
    expect(formatAge(90_061_000)).toBe("25:01:01");
    expect(formatAge(35 * 86_400_000)).toBe("35 d");
    expect(formatAge(3 * 86_400_000 + 9 * 3_600_000 + 59 * 60_000)).toBe("3 d 9 h");
  });
});
