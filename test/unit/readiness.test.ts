/** The readiness waits on a fake clock: one deadline for all of them, and a miss names its step. */
import { describe, expect, it } from "vitest";
import { ToolError } from "../../automation/errors.js";
import {
  type Probe,
  type ReadinessBudget,
  type ReadinessClock,
  type ReadinessProbes,
  waitUntilReady,
} from "../../automation/readiness.js";

function fakeClock(): ReadinessClock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    async sleep(ms) {
      slept.push(ms);
      now += ms;
    },
  };
}

/** Each probe is ready from a given time on (ms on the fake clock). */
function probesReadyAt(clock: ReadinessClock, at: { database: number; service: number; targets: number }) {
  const look = (from: number, waiting: string): Probe =>
    clock.now() >= from ? { ready: true, detail: "ok" } : { ready: false, detail: waiting };
  const probes: ReadinessProbes = {
    database: async () => look(at.database, "status creating"),
    service: async () => look(at.service, "ACTIVE, 1/2 running, 1 deployment(s)"),
    targets: async () => look(at.targets, "1/2 healthy (1 initial)"),
  };
  return probes;
}

const TARGETS = {
  databaseIdentifier: "app-dr",
  clusterName: "app",
  serviceName: "app-api",
  targetGroupArn: "arn:aws:elasticloadbalancing:ap-northeast-3:123456789012:targetgroup/app-dr-tg/1",
  desiredCount: 2,
};

const budget = (ms: number): ReadinessBudget => ({ deadline: ms, allowanceMs: ms, source: "the RTO budget left" });

describe("readiness waits", () => {
  it("checks database, service and targets in order, each once it is ready", async () => {
    const clock = fakeClock();
    const results = await waitUntilReady(
      probesReadyAt(clock, { database: 60_000, service: 90_000, targets: 95_000 }),
      TARGETS,
      budget(120_000),
      { clock, initialIntervalMs: 1_000, maxIntervalMs: 5_000 },
    );
    expect(results.map((result) => [result.step, result.name])).toEqual([
      ["database", "database app-dr available"],
      ["service", "ECS service app-api steady"],
      ["targets", "the target group's targets of app-api healthy"],
    ]);
    expect(clock.now()).toBeGreaterThanOrEqual(95_000);
    expect(clock.now()).toBeLessThan(100_000);
  });

  it("shares one deadline: the service gets only what the database left of the budget, not a budget of its own", async () => {
    const clock = fakeClock();
    // Alone, each wait fits in 100 s; together they need 150 s.
    const failure = await waitUntilReady(
      probesReadyAt(clock, { database: 70_000, service: 150_000, targets: 0 }),
      TARGETS,
      budget(100_000),
      { clock, initialIntervalMs: 1_000, maxIntervalMs: 5_000, hint: "re-run" },
    ).catch((error) => error);
    expect(failure).toBeInstanceOf(ToolError);
    expect(failure.code).toBe("WAIT_TIMED_OUT");
    expect(failure.message).toBe(
      "ECS service app-api was not steady within 0:01:40, the RTO budget left (step service)",
    );
    expect(failure.details).toEqual(["last seen: ACTIVE, 1/2 running, 1 deployment(s)"]);
    expect(failure.hint).toBe("re-run");
    // It stopped at the one deadline, never sleeping past it.
    expect(clock.now()).toBe(100_000);
  });

  it("names the targets when they are the step that misses the budget", async () => {
    const clock = fakeClock();
    const failure = await waitUntilReady(
      probesReadyAt(clock, { database: 0, service: 0, targets: Number.POSITIVE_INFINITY }),
      TARGETS,
      budget(30_000),
      { clock },
    ).catch((error) => error);
    expect(failure.message).toMatch(/^the target group's targets of app-api was not healthy within 0:00:30/);
    expect(failure.details).toEqual(["last seen: 1/2 healthy (1 initial)"]);
  });

  it("does not wait at all for what is already ready, even with the budget spent", async () => {
    const clock = fakeClock();
    const results = await waitUntilReady(
      probesReadyAt(clock, { database: 0, service: 0, targets: 0 }),
      TARGETS,
      budget(0),
      { clock },
    );
    expect(results.every((result) => result.ok)).toBe(true);
    expect(clock.slept).toEqual([]);
  });
});
