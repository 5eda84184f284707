import { describe, expect, it } from "vitest";
import type { DrEvent } from "../../automation/events.js";
import { expectedFromHistory, ProgressTracker } from "../../automation/progress.js";
import { concernOf } from "../../automation/vocabulary.js";
import { sampleReport } from "./fixtures.js";

/** A tracker on a fake clock; `at(s, event)` applies an event s seconds after the incident. */
function fakeRun(options: { budgetMs?: number; expectedPhaseMs?: Record<string, number> } = {}) {
  const incident = Date.parse("2026-11-28T03:00:00Z");
  let now = incident;
  const tracker = new ProgressTracker(() => now);
  const at = (seconds: number, event?: DrEvent) => {
    now = incident + seconds * 1000;
    if (event) tracker.apply(event);
  };
  at(0, {
    type: "run-started",
    runId: "r1",
    journey: "drill",
    targetRegion: "ap-northeast-3",
    stackName: "s",
    emulator: false,
    incidentStart: new Date(incident).toISOString(),
    rtoBudgetMs: options.budgetMs ?? 4 * 3_600_000,
    expectedPhaseMs: options.expectedPhaseMs,
  });
  return { tracker, at };
}

const resource = (name: string, type: string, status: "started" | "done" | "failed"): DrEvent => ({
  type: "resource",
  urn: `urn:${name}`,
  resourceType: type,
  name,
  op: "create",
  status,
});

describe("progress tracker", () => {
  it("shows provision as its concerns: database, service and dns run while their resources are in flight", () => {
    const { tracker, at } = fakeRun();
    at(1, { type: "phase-started", phase: "preflight" });
    at(31, { type: "phase-finished", phase: "preflight", durationMs: 30_000, ok: true });
    at(32, { type: "phase-started", phase: "provision" });
    at(33, resource("database", "aws:rds/instance:Instance", "started"));
    at(34, resource("cluster", "aws:ecs/cluster:Cluster", "started"));
    at(40, resource("cluster", "aws:ecs/cluster:Cluster", "done"));
    at(600);
    const snapshot = tracker.snapshot();
    expect(snapshot.phases.map((phase) => [phase.name, phase.status])).toEqual([
      ["preflight", "done"],
      ["database", "running"],
      ["service", "done"],
      ["dns", "pending"],
      ["verification", "pending"],
      ["teardown", "pending"],
    ]);
    expect(snapshot.phases[0].elapsedMs).toBe(30_000);
    expect(snapshot.phases[1].elapsedMs).toBe(567_000);
    expect(snapshot.inFlight).toEqual([
      expect.objectContaining({ name: "database", op: "create", elapsedMs: 567_000 }),
    ]);
    expect(snapshot.elapsedMs).toBe(600_000);
    at(900, resource("database", "aws:rds/instance:Instance", "done"));
    at(901, { type: "phase-finished", phase: "provision", durationMs: 869_000, ok: true });
    expect(tracker.snapshot().phases[1]).toMatchObject({ status: "done", elapsedMs: 867_000 });
  });

  it("teardown's deletes are not counted as the database or service phases", () => {
    const { tracker, at } = fakeRun();
    at(1, { type: "phase-started", phase: "teardown" });
    at(2, resource("database", "aws:rds/instance:Instance", "started"));
    expect(tracker.snapshot().phases.find((phase) => phase.name === "database")?.status).toBe("pending");
    expect(tracker.snapshot().inFlight).toHaveLength(1);
  });

  it("projects the finish from the expected durations of the phases still to come, and warns once when it passes the RTO", () => {
    const { tracker, at } = fakeRun({
      budgetMs: 3_600_000,
      expectedPhaseMs: { database: 40 * 60_000, service: 10 * 60_000, verification: 15 * 60_000 },
    });
    at(60, { type: "phase-started", phase: "provision" });
    at(60, resource("database", "aws:rds/instance:Instance", "started"));
    at(600);
    // 10 min spent; database has 31 min left, service 10, verification 15: 66 min > 60.
    expect(tracker.snapshot().projectedMs).toBe((10 + 31 + 10 + 15) * 60_000);
    expect(tracker.newWarnings()).toEqual([
      expect.objectContaining({
        code: "RTO_PROJECTED_OVERRUN",
        message: expect.stringContaining("exceeds the RTO 1:00:00"),
      }),
    ]);
    expect(tracker.newWarnings()).toEqual([]);
  });

  it("warns when a phase runs longer than expected (once), and not before", () => {
    const { tracker, at } = fakeRun({ expectedPhaseMs: { database: 30 * 60_000 } });
    at(0, { type: "phase-started", phase: "provision" });
    at(0, resource("database", "aws:rds/instance:Instance", "started"));
    at(29 * 60);
    expect(tracker.newWarnings()).toEqual([]);
    at(31 * 60);
    expect(tracker.newWarnings()).toEqual([
      { code: "PHASE_SLOWER_THAN_EXPECTED", message: "database has taken 0:31:00, expected 0:30:00" },
    ]);
    at(35 * 60);
    expect(tracker.newWarnings()).toEqual([]);
  });

  it("stops the RTO clock at recovery", () => {
    const { tracker, at } = fakeRun();
    at(100, { type: "clock", elapsedMs: 99_000, budgetMs: 4 * 3_600_000 });
    at(500);
    expect(tracker.snapshot()).toMatchObject({ elapsedMs: 99_000, recoveredMs: 99_000, projectedMs: undefined });
  });

  it("derives expectations from history only with three runs: the median ×1.5", () => {
    const run = (database: number) =>
      sampleReport({
        spans: [{ name: "database", kind: "phase", start: "", offsetMs: 0, durationMs: database, ok: true }],
      });
    expect(expectedFromHistory([run(10), run(20)])).toEqual({});
    expect(expectedFromHistory([run(10), run(20), run(40)])).toEqual({ database: 30 });
  });

  it("maps resource types to concerns", () => {
    expect(
      [
        "aws:rds/instance:Instance",
        "aws:secretsmanager/secret:Secret",
        "aws:lb/listener:Listener",
        "aws:iam/role:Role",
        "aws:route53/record:Record",
        "pulumi:providers:aws",
      ].map((type) => concernOf(type)),
    ).toEqual(["database", "database", "service", "service", "dns", undefined]);
    // The database's connection name (its private zone and record) is the database's, not production DNS.
    expect([
      concernOf("aws:route53/zone:Zone", "connection-zone"),
      concernOf("aws:route53/record:Record", "connection-record"),
      concernOf("aws:route53/record:Record", "record"),
    ]).toEqual(["database", "database", "dns"]);
  });
});
