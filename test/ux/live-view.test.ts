import { createLogUpdate } from "log-update";
import { describe, expect, it } from "vitest";
import type { DrEvent } from "../../automation/events.js";
import { createLiveView, renderLiveScreen } from "../../cli/render/live-view.js";
import { FakeTty } from "./fake-tty.js";

const INCIDENT = Date.parse("2026-11-28T03:00:00Z");

/** The live view as index.ts wires it (log-update on a TTY stream), on a fake clock and a fake terminal. */
function liveOnFakeTty(options: { color?: boolean } = {}) {
  const tty = new FakeTty(110, 40);
  let now = INCIDENT;
  const draw = createLogUpdate(tty as unknown as NodeJS.WriteStream, { showCursor: true });
  const view = createLiveView({
    draw: (frame) => draw(frame),
    done: () => draw.done(),
    now: () => now,
    width: tty.columns,
    color: options.color ?? false,
    intervalMs: 60_000,
    clockTime: (ms) => new Date(ms).toISOString().slice(11, 16),
  });
  const at = (seconds: number, event: DrEvent) => {
    now = INCIDENT + seconds * 1000;
    view(event);
  };
  return { tty, view, at };
}

const started: DrEvent = {
  type: "run-started",
  runId: "20261128t030500-drill-3f1a",
  journey: "drill",
  targetRegion: "ap-northeast-3",
  stackName: "peoplebooster-drill-ap-northeast-3-3f1a",
  emulator: false,
  incidentStart: new Date(INCIDENT).toISOString(),
  rtoBudgetMs: 4 * 3_600_000,
  expectedPhaseMs: { database: 30 * 60_000, service: 10 * 60_000 },
};

const resource = (name: string, resourceType: string, status: "started" | "done"): DrEvent => ({
  type: "resource",
  urn: `urn:pulumi:s::p::${resourceType}::${name}`,
  resourceType,
  name,
  op: "create",
  status,
  durationMs: status === "done" ? 1 : undefined,
});

describe("live view", () => {
  it("redraws one screen in place: phases with elapsed time, resources in flight, the RTO clock and the projected finish", () => {
    const { tty, at } = liveOnFakeTty();
    at(300, started);
    at(301, { type: "phase-started", phase: "preflight" });
    at(331, { type: "phase-finished", phase: "preflight", durationMs: 30_000, ok: true });
    at(332, { type: "warning", code: "RPO_CLOSE", message: "data-loss window 0:50:00 is 83 % of the RPO" });
    at(333, { type: "phase-started", phase: "provision" });
    at(335, resource("database", "aws:rds/instance:Instance", "started"));
    at(336, resource("load-balancer", "aws:lb/loadBalancer:LoadBalancer", "started"));
    at(340, resource("cluster", "aws:ecs/cluster:Cluster", "started"));
    at(346, resource("cluster", "aws:ecs/cluster:Cluster", "done"));
    at(23 * 60 + 41, { type: "info", message: "tick" });

    const screen = tty.screen();
    expect(screen).toContain("dr-failover drill → ap-northeast-3  stack peoplebooster-drill-ap-northeast-3-3f1a");
    // 23:41 of 4 h; the database (expected 30 min, 18:06 spent) adds 11:54; service is already past its 10 min.
    expect(screen).toMatch(/^RTO 0:23:41 \/ 4:00:00 — 9\.9 % {2}[█░]{24} {2}projected 0:35:35 \(finish 03:35\)$/m);
    expect(screen).toMatch(/^ {2}✔ preflight +0:00:30$/m);
    expect(screen).toMatch(/^ {2}▶ database +0:18:06 \/ expected 0:30:00$/m);
    expect(screen).toMatch(/^ {2}▶ service +0:18:05 \/ expected 0:10:00 {2}SLOW$/m);
    expect(screen).toMatch(/^ {2}· dns$/m);
    expect(screen).toContain("in flight (2, 1 done):");
    expect(screen).toMatch(/^ {2}create aws:rds\/instance:Instance database {2}0:18:06$/m);
    expect(screen).toContain("⚠ RPO_CLOSE: data-loss window 0:50:00 is 83 % of the RPO");
    // Redrawn in place: the header appears once on the screen, though many frames were written.
    expect(screen.match(/dr-failover drill/g)).toHaveLength(1);
    expect(tty.writes).toBeGreaterThan(5);
  });

  it("keeps the final frame with the recovery time and the report paths when the run ends", () => {
    const { tty, at } = liveOnFakeTty();
    at(0, started);
    at(10, { type: "phase-started", phase: "verification" });
    at(70, { type: "clock", elapsedMs: 70_000, budgetMs: 4 * 3_600_000 });
    at(71, { type: "phase-finished", phase: "verification", durationMs: 61_000, ok: true });
    at(90, {
      type: "run-finished",
      runId: started.type === "run-started" ? started.runId : "",
      ok: true,
      reportPaths: ["runs/x/report.json", "runs/x/report.md", "runs/x/report.html"],
    });
    const screen = tty.screen();
    expect(screen).toMatch(/^RTO recovered 0:01:10 \/ 4:00:00 — 0\.5 %/m);
    expect(screen).not.toContain("projected");
    expect(screen).toMatch(/^done:\n {2}runs\/x\/report\.json\n {2}runs\/x\/report\.md\n {2}runs\/x\/report\.html$/m);
    const writes = tty.writes;
    at(100, { type: "info", message: "after the end" });
    expect(tty.writes).toBe(writes);
  });

  it("paints the clock red when the projected finish passes the budget (colour on)", () => {
    const screen = renderLiveScreen(
      {
        emulator: false,
        phases: [],
        inFlight: [],
        elapsedMs: 3 * 3_600_000,
        budgetMs: 4 * 3_600_000,
        projectedMs: 5 * 3_600_000,
        incidentStartMs: INCIDENT,
        warnings: [],
        doneResources: 0,
      },
      { color: true, clockTime: () => "08:00" },
    );
    expect(screen).toContain("\x1b[31mRTO 3:00:00 / 4:00:00 — 75.0 %");
  });

  it("cuts long lines to the terminal width", () => {
    const screen = renderLiveScreen(
      {
        emulator: true,
        stackName: "x".repeat(200),
        phases: [],
        inFlight: [],
        elapsedMs: 0,
        warnings: [],
        doneResources: 0,
      },
      { width: 40 },
    );
    expect(screen.split("\n").every((line) => [...line].length <= 40)).toBe(true);
  });

  it("wraps the report paths at the terminal width instead of cutting them", () => {
    const path = `/var/lib/dr-failover/state/runs/20261130t082400-failover-ab12/${"x".repeat(60)}/report.html`;
    const screen = renderLiveScreen(
      {
        emulator: false,
        phases: [],
        inFlight: [],
        elapsedMs: 0,
        warnings: [],
        doneResources: 0,
        finished: { ok: true, reportPaths: [path] },
      },
      { width: 40 },
    );
    const lines = screen.split("\n");
    expect(lines.every((line) => [...line].length <= 40)).toBe(true);
    expect(lines.slice(lines.indexOf("done:") + 1).join("")).toBe(`  ${path}`);
  });
});
