/**
 * What the crash and interrupt suites share: the journeys' command lines for a
 * CLI world, event predicates to time a kill on, the kill/complete helpers that
 * count the matrix, and the invariants every interrupted journey must keep.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { readRecord } from "../../automation/dns.js";
import { spawnCli, startCliWorld, TARGET, type CliEvent, type CliRun, type CliWorld } from "./cli-world.js";
import type { MotoStateSummary } from "./moto-state.js";

export const PROD = "api.peoplebooster.example.com";
export const DB = "peoplebooster-production-dr";
/** RDS create/delete take ~3 s (everything else is fast): long enough to kill in the middle, short enough for CI. */
const LATENCY = JSON.stringify({ "aws:rds/instance:Instance": { create: 300, update: 0, delete: 300 } });

export const rdsStarted = (op: string) => (event: CliEvent) =>
  event.type === "resource" &&
  event.status === "started" &&
  event.resourceType === "aws:rds/instance:Instance" &&
  event.op === op;
export const phaseStarted = (phase: string) => (event: CliEvent) =>
  event.type === "phase-started" && event.phase === phase;
export const show = (run: CliRun) =>
  `exit ${run.exitCode} signal ${run.signal}\n--- stderr\n${run.stderr.slice(-3000)}\n--- stdout\n${run.stdout.slice(-3000)}`;
export const warningCodes = (run: CliRun) =>
  run.events.filter((event) => event.type === "warning").map((event) => event.code);
export const runStarted = (run: CliRun) =>
  run.events.find((event) => event.type === "run-started") as { runId: string; stackName: string } | undefined;

export interface ResilienceKit {
  /** Kills injected, interrupts sent, resumes completed, resources orphaned (for the note). */
  matrix: { kills: number; interrupts: number; resumed: number; orphaned: number };
  failover(): string[];
  /** `failback --confirm <production record>` by `method` (default snapshot). */
  failback(method?: string): string[];
  drill(): string[];
  destroy(...extra: string[]): string[];
  /** Runs the command and SIGKILLs its process group when `when` fires (after `delayMs`). */
  killed(args: string[], when: (event: CliEvent) => boolean, delayMs?: number): Promise<CliRun>;
  /** Runs the command; it must exit 0. */
  completes(args: string[]): Promise<CliRun>;
  /** The production record exists (never deleted), the replica objects are untouched. */
  invariants(): Promise<void>;
}

/**
 * The file's resilience world (started before its tests, stopped after them),
 * whose matrix is printed under `label` for the note.
 */
export function useResilienceWorld(label: string): {
  readonly w: CliWorld;
  readonly kit: ResilienceKit;
  baseline: MotoStateSummary;
} {
  let world: Awaited<ReturnType<typeof startResilienceWorld>> | undefined;
  beforeAll(async () => {
    world = await startResilienceWorld();
  }, 120_000);
  afterAll(async () => {
    const matrix = world?.kit.matrix;
    if (matrix)
      console.log(
        `${label}: kills injected=${matrix.kills} interrupts=${matrix.interrupts} resumes completed=${matrix.resumed} resources orphaned=${matrix.orphaned}`,
      );
    await world?.w.stop();
  });
  return {
    get w() {
      return world!.w;
    },
    get kit() {
      return world!.kit;
    },
    /** moto before the file's first run; a test may move it forward for the next one. */
    get baseline() {
      return world!.baseline;
    },
    set baseline(summary) {
      world!.baseline = summary;
    },
  };
}

/** A CLI world whose database takes ~3 s to create and delete (LATENCY), with its kit and its starting state. */
async function startResilienceWorld(): Promise<{ w: CliWorld; kit: ResilienceKit; baseline: MotoStateSummary }> {
  const w = await startCliWorld({ latency: LATENCY });
  return { w, kit: await resilienceKit(w), baseline: await w.summary() };
}

async function resilienceKit(w: CliWorld): Promise<ResilienceKit> {
  const versionsBefore = await w.replicaVersions();
  const matrix = { kills: 0, interrupts: 0, resumed: 0, orphaned: 0 };
  const target = ["-p", w.planPath, "-r", TARGET];
  return {
    matrix,
    failover: () => [...w.globals(), "failover", ...target, "--confirm", PROD],
    failback: (method = "snapshot") => [...w.globals(), "failback", ...target, "--confirm", PROD, "--method", method],
    drill: () => [...w.globals(), "drill", ...target],
    // After a failover without a failback: the outage's writes are given up on purpose (the test has none).
    destroy: (...extra) => [...w.globals(), "destroy", ...target, "--strand-dr-writes", ...extra],
    async killed(args, when, delayMs = 0) {
      const run = await spawnCli(args, { env: w.env(), killWhen: when, delayMs });
      expect(run.triggered, show(run)).toBe(true);
      expect(run.signal, show(run)).toBe("SIGKILL");
      matrix.kills += 1;
      return run;
    },
    async completes(args) {
      const run = await spawnCli(args, { env: w.env() });
      expect(run.exitCode, show(run)).toBe(0);
      return run;
    },
    async invariants() {
      expect(await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD)).toBeDefined();
      expect(await w.replicaVersions()).toEqual(versionsBefore);
    },
  };
}
