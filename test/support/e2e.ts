/**
 * End-to-end harness: one moto per test file, a freshly seeded world per test,
 * the app stand-in, and a JourneyContext that runs the real Pulumi engine with
 * the stand-in aws plugin against moto.
 */
import { mkdtemp, readdir, readFile, stat } from "node:fs/promises";
import { afterAll, beforeAll } from "vitest";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AwsClients } from "../../automation/aws.js";
import { ECS } from "../../automation/sdk.js";
import { startAppStandin, type AppStandin } from "../../emulator/rehearsal/app-standin.js";
import { loadBalancerHealth } from "../../emulator/rehearsal/lb-health.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import {
  seedWorld,
  type SeededWorld,
  type SeedWorldOptions,
  type WorldFaults,
} from "../../emulator/rehearsal/seed-world.js";
import { emulatorSecretsProvider } from "../../emulator/rehearsal/clients.js";
import { type RestorePointData, startWorldRestorePoints } from "../../emulator/rehearsal/postgres.js";
import { STANDIN_BIN_DIR } from "../../emulator/paths.js";
import { recordingSink } from "../../automation/events.js";
import type { JourneyContext } from "../../automation/run/context.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import { openWorkspace } from "../../automation/workspace.js";
import { planRegions, summarizeMotoState, type MotoStateSummary } from "./moto-state.js";

export const TARGET = "ap-northeast-3";

export interface E2eWorld {
  moto: MotoServer;
  plan: Plan;
  /** Resets moto, seeds the example world (with faults) and gives a fresh state dir. */
  seed(
    faults?: WorldFaults,
    planOverride?: (plan: Plan) => Plan,
    world?: Partial<Pick<SeedWorldOptions, "dailySnapshotAt" | "targetRegion">>,
  ): Promise<E2eRun>;
  stop(): Promise<void>;
}

export interface E2eRun {
  /** moto's endpoint (e.g. to put a proxy in front of it). */
  motoEndpoint: string;
  world: SeededWorld;
  /** Master passwords a ModifyDBInstance set on a restored instance with a PostgreSQL (moto-server.py writes them). */
  resetPasswords(): Promise<string[]>;
  /** Snapshot id → the rows its restore point's PostgreSQL holds. */
  restoredRows: Record<string, Record<string, number>>;
  plan: Plan;
  stateDir: string;
  aws: AwsClients;
  app: AppStandin;
  events: ReturnType<typeof recordingSink>;
  context(overrides?: Partial<JourneyContext>): JourneyContext;
  summary(): Promise<MotoStateSummary>;
  /** The stacks in this run's state backend. */
  stacks(): Promise<string[]>;
}

/** One world for the test file: started before its tests, stopped after them. */
export function useE2eWorld(options: { motoEnv?: Record<string, string> } = {}): Pick<E2eWorld, "seed"> {
  let world: E2eWorld | undefined;
  beforeAll(async () => {
    world = await startE2eWorld(options);
  });
  afterAll(async () => {
    await world?.stop();
  });
  return { seed: (...args) => world!.seed(...args) };
}

export async function startE2eWorld(options: { motoEnv?: Record<string, string> } = {}): Promise<E2eWorld> {
  const basePlan = await loadPlan("examples/peoplebooster.yaml");
  const moto = await startMoto({ ecsServiceRunning: basePlan.service.desiredCount, env: options.motoEnv });
  const cleanups: (() => Promise<void>)[] = [];
  // The restore points' PostgreSQL servers of the world seeded last (a new seed stops them).
  let restorePoints: RestorePointData | undefined;
  return {
    moto,
    plan: basePlan,
    async seed(faults, planOverride, worldOptions) {
      const plan = planOverride ? planOverride(structuredClone(basePlan)) : basePlan;
      await moto.reset();
      await restorePoints?.stop();
      restorePoints = undefined;
      const world = await seedWorld({ endpoint: moto.endpoint, plan, targetRegion: TARGET, faults, ...worldOptions });
      restorePoints = await startWorldRestorePoints({
        rdsEndpointsFile: moto.rdsEndpointsFile,
        plan,
        world,
        lostRows: faults?.lostRows,
      });
      const restored = restorePoints;
      const stateDir = await mkdtemp(join(tmpdir(), "dr-e2e-"));
      const aws = new AwsClients({ endpoint: moto.endpoint });
      // The app answers healthy through a load balancer only once one of its targets is (moto-server.py).
      const app = await startAppStandin({
        healthPath: plan.service.healthCheckPath,
        tls: world.tls,
        healthy: loadBalancerHealth(aws, [TARGET, plan.sourceRegion]),
      });
      const events = recordingSink();
      cleanups.push(async () => {
        aws.destroy();
        await app.stop();
      });
      const context = (overrides: Partial<JourneyContext> = {}): JourneyContext => ({
        plan,
        targetRegion: world.targetRegion,
        aws,
        emit: events,
        connectTo: app.connectTo,
        // The state's secrets under the world's KMS key; without secretsProvider the emulator's passphrase.
        workspace: {
          stateDir,
          secretsProvider: emulatorSecretsProvider(moto.endpoint, world.targetRegion, world.stateKeyAlias),
          emulator: { standinBinDir: STANDIN_BIN_DIR },
        },
        ...overrides,
      });
      return {
        motoEndpoint: moto.endpoint,
        world,
        restoredRows: restored?.rows ?? {},
        async resetPasswords() {
          const dir = join(dirname(moto.rdsEndpointsFile), "passwords");
          const names = await readdir(dir).catch(() => []);
          return Promise.all(names.map((name) => readFile(join(dir, name), "utf8")));
        },
        plan,
        stateDir,
        aws,
        app,
        events,
        context,
        summary: () => summarizeMotoState(moto.endpoint, planRegions(plan)),
        async stacks() {
          const workspace = await openWorkspace(context().workspace);
          return (await workspace.listStacks()).map((summary) => summary.name);
        },
      };
    },
    async stop() {
      for (const cleanup of cleanups) await cleanup();
      await restorePoints?.stop();
      await moto.stop();
    },
  };
}

/** The environment of the newest ACTIVE task definition of a family prefix (what the service's tasks get). */
export async function serviceEnvironment(aws: AwsClients, familyPrefix: string): Promise<Record<string, string>> {
  const ecs = aws.ecs(TARGET);
  // moto compares familyPrefix with the whole family: filter here.
  const listed = await ecs.send(new ECS.ListTaskDefinitionsCommand({ status: "ACTIVE" }));
  const arn = listed.taskDefinitionArns?.filter((found) => found.includes(`:task-definition/${familyPrefix}`)).pop();
  if (!arn) return {};
  const task = await ecs.send(new ECS.DescribeTaskDefinitionCommand({ taskDefinition: arn }));
  return Object.fromEntries(
    (task.taskDefinition?.containerDefinitions?.[0]?.environment ?? []).map((pair) => [pair.name!, pair.value!]),
  );
}

/**
 * An event sink that also reads the service's environment while the stack is up (when verification
 * starts): a drill deregisters its task definition on teardown.
 */
export function environmentAtVerification(run: E2eRun, familyPrefix: string) {
  let seen: Promise<Record<string, string>> | undefined;
  const emit: JourneyContext["emit"] = (event) => {
    run.events(event);
    if (event.type === "phase-started" && event.phase === "verification")
      seen ??= serviceEnvironment(run.aws, familyPrefix);
  };
  return { emit, environment: (): Promise<Record<string, string>> => seen ?? Promise.resolve({}) };
}

/** Every file under a directory, with its text (for secret scans). */
export async function filesUnder(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const path = join(dir, entry);
    if ((await stat(path)).isFile()) out.push({ path, text: await readFile(path, "utf8") });
  }
  return out;
}
