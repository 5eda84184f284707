/**
 * What the fault suites share: a CLI world behind a seeded fault proxy (the
 * source region black-holed), a CLI runner that keeps everything printed for
 * the secret scan, the figures for the note, and the scan itself.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { readJournal } from "../../automation/journal.js";
import { startFaultProxy, type FaultProxy } from "./fault-proxy.js";
import { allFiles, spawnCli, startCliWorld, type CliRun, type CliWorld } from "./cli-world.js";
import type { MotoStateSummary } from "./moto-state.js";

export const PROD = "api.peoplebooster.example.com";
const SEED = 20261128;

export interface FaultWorld {
  w: CliWorld;
  proxy: FaultProxy;
  /** moto before any run, and the replica bucket's object versions. */
  baseline: MotoStateSummary;
  versionsBefore: Record<string, string[]>;
  /** Runs the CLI through the proxy; keeps its output for the secret scan. */
  cli(args: string[], options?: Parameters<typeof spawnCli>[1]): Promise<CliRun>;
  /** Records a figure line for the note: exit, duration, requests and faults so far. */
  figure(label: string, run: CliRun): void;
  figures: string[];
  injectedTotal(): number;
  /** Fails the test when any of `secrets` appears in anything printed or written; records the figure. */
  expectNoSecrets(secrets: string[]): Promise<void>;
  stop(): Promise<void>;
}

export const show = (run: CliRun) =>
  `exit ${run.exitCode}\n--- stderr\n${run.stderr.slice(-3000)}\n--- stdout\n${run.stdout.slice(-2000)}`;

/** The file's fault world: started before its tests, stopped after them with its figures printed under `label`. */
export function useFaultWorld(label: string): FaultWorld {
  let world: FaultWorld | undefined;
  beforeAll(async () => {
    world = await startFaultWorld();
  }, 120_000);
  afterAll(async () => {
    if (world) console.log(`${label}: ${world.figures.join("; ")}`);
    await world?.stop();
  });
  // Read at test time, when beforeAll has run.
  return new Proxy({} as FaultWorld, { get: (_, key) => world![key as keyof FaultWorld] });
}

async function startFaultWorld(): Promise<FaultWorld> {
  const w = await startCliWorld();
  const baseline = await w.summary();
  const versionsBefore = await w.replicaVersions();
  const proxy = await startFaultProxy({
    target: w.moto.endpoint,
    seed: SEED,
    errorRate: 0,
    latencyMs: 5,
    blackholeRegions: [w.plan.sourceRegion],
    blackholeHangMs: 120_000,
  });
  const printed: string[] = [];
  const figures: string[] = [];
  const injectedTotal = () => Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0);
  return {
    w,
    proxy,
    baseline,
    versionsBefore,
    figures,
    injectedTotal,
    async cli(args, options = {}) {
      // The stand-in's SDK clients try 5 times (8 by default): at 100 % errors each failing call gives up sooner.
      const run = await spawnCli([...w.globals(proxy.endpoint), ...args], {
        env: w.env({ DR_STANDIN_MAX_ATTEMPTS: "5" }),
        ...options,
      });
      printed.push(run.stdout, run.stderr);
      return run;
    },
    figure(label, run) {
      figures.push(
        `${label}: exit ${run.exitCode} in ${(run.durationMs / 1000).toFixed(1)} s, ${proxy.stats.requests} AWS requests, ${injectedTotal()} faults injected (${JSON.stringify(proxy.stats.injected)})`,
      );
    },
    async expectNoSecrets(secrets) {
      const files = await allFiles(w.stateDir);
      expect(files.some((file) => file.path.endsWith("journal.ndjson"))).toBe(true);
      expect(files.some((file) => file.path.endsWith("report.json"))).toBe(true);
      const hits = [
        ...files.filter((file) => secrets.some((secret) => file.text.includes(secret))).map((file) => file.path),
        ...printed
          .filter((text) => secrets.some((secret) => text.includes(secret)))
          .map((text) => `output: ${text.slice(0, 80)}`),
      ];
      figures.push(
        `secrets found = ${hits.length} (scanned ${files.length} state files, ${printed.length} outputs, ${(await readJournal(w.stateDir)).length} journal lines)`,
      );
      expect(hits).toEqual([]);
    },
    async stop() {
      await proxy.stop();
      await w.stop();
    },
  };
}
