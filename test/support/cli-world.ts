/**
 * Harness for resilience tests through the real CLI (`node dist/index.js`):
 * moto seeded with the example world, a temporary state dir, the stand-in aws
 * plugin put on the CHILD's PATH (the CLI itself only does that in emulator
 * mode), and a child process whose NDJSON event stream (--json) can trigger a
 * kill (SIGKILL of the whole process group: the CLI, the pulumi engine and its
 * plugins, as when the machine running them dies) or a Ctrl-C (SIGINT).
 */
import { execa } from "execa";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { AwsClients } from "../../automation/aws.js";
import { startAppStandin, type AppStandin } from "../../emulator/rehearsal/app-standin.js";
import { loadBalancerHealth } from "../../emulator/rehearsal/lb-health.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { seedWorld, type SeededWorld } from "../../emulator/rehearsal/seed-world.js";
import { emulatorSecretsProvider } from "../../emulator/rehearsal/clients.js";
import { startWorldRestorePoints } from "../../emulator/rehearsal/postgres.js";
import { STANDIN_BIN_DIR } from "../../emulator/paths.js";
import { loadPlan, type Plan } from "../../automation/plan.js";
import { cliPath, repoRoot } from "./cli.js";
import { planRegions, summarizeMotoState, type MotoStateSummary } from "./moto-state.js";

export const TARGET = "ap-northeast-3";
export const PASSPHRASE = "crash-test-passphrase";

export interface CliEvent {
  type: string;
  [key: string]: unknown;
}

export interface CliRun {
  exitCode: number | undefined;
  /** The signal that ended the child, if any (SIGKILL for an injected crash). */
  signal?: string;
  stdout: string;
  stderr: string;
  events: CliEvent[];
  /** True when `killWhen`/`interruptWhen` fired. */
  triggered: boolean;
  durationMs: number;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** SIGKILL the process group when this returns true for an event (after `delayMs`). */
  killWhen?: (event: CliEvent) => boolean;
  /** SIGINT the CLI process (only it, like a signal sent to its pid) when this returns true. */
  interruptWhen?: (event: CliEvent) => boolean;
  /** Also send a second SIGINT this long after the first. */
  secondInterruptAfterMs?: number;
  /** Sees every event (e.g. to change a fault rate at a chosen moment). */
  onEvent?: (event: CliEvent) => void;
  delayMs?: number;
  timeoutMs?: number;
}

/** Runs the CLI with --json; never rejects. */
export async function spawnCli(args: string[], options: SpawnOptions = {}): Promise<CliRun> {
  const started = performance.now();
  const child = execa(process.execPath, [cliPath, "--json", ...args], {
    cwd: repoRoot,
    reject: false,
    stdin: "ignore",
    // Own process group: a kill can take the engine and the plugins down with the CLI.
    detached: true,
    timeout: options.timeoutMs ?? 240_000,
    buffer: { stdout: false, stderr: true },
    env: {
      PULUMI_SKIP_UPDATE_CHECK: "true",
      AWS_EC2_METADATA_DISABLED: "true",
      NODE_NO_WARNINGS: "1",
      DR_FAILOVER_STATE_DIR: undefined,
      AWS_ENDPOINT_URL: undefined,
      ...options.env,
    },
  });
  const events: CliEvent[] = [];
  let stdout = "";
  let triggered = false;
  const fire = (action: () => void) => {
    triggered = true;
    setTimeout(action, options.delayMs ?? 0);
  };
  const lines = createInterface({ input: child.stdout! });
  lines.on("line", (line) => {
    stdout += `${line}\n`;
    let event: CliEvent;
    try {
      event = JSON.parse(line) as CliEvent;
    } catch {
      return;
    }
    events.push(event);
    options.onEvent?.(event);
    if (triggered) return;
    if (options.killWhen?.(event)) {
      fire(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      });
    } else if (options.interruptWhen?.(event)) {
      fire(() => {
        child.kill("SIGINT");
        if (options.secondInterruptAfterMs !== undefined)
          setTimeout(() => child.kill("SIGINT"), options.secondInterruptAfterMs);
      });
    }
  });
  const result = await child;
  await new Promise<void>((resolve) =>
    lines.listenerCount("close") ? lines.once("close", () => resolve()) : resolve(),
  );
  return {
    exitCode: result.exitCode,
    signal: result.signal ?? undefined,
    stdout,
    stderr: String(result.stderr ?? ""),
    events,
    triggered,
    durationMs: performance.now() - started,
  };
}

export interface CliWorld {
  moto: MotoServer;
  plan: Plan;
  world: SeededWorld;
  aws: AwsClients;
  app: AppStandin;
  stateDir: string;
  planPath: string;
  /** Global flags: endpoint (moto, or the proxy in front of it), state dir, secrets provider (the world's KMS key). */
  globals(endpoint?: string): string[];
  /** The child's environment: passphrase, Pulumi CLI, stand-in plugin on PATH, test hooks. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  summary(): Promise<MotoStateSummary>;
  /** The DR database's identity (DbiResourceId + create time), or undefined. */
  drDatabase(identifier?: string): Promise<{ id: string; created: string } | undefined>;
  /** Key → versionIds of the replica bucket. */
  replicaVersions(): Promise<Record<string, string[]>>;
  stop(): Promise<void>;
}

/** Starts moto, seeds the example world and prepares a state dir. */
export async function startCliWorld(options: { latency?: string } = {}): Promise<CliWorld> {
  const planPath = join(repoRoot, "examples", "peoplebooster.yaml");
  const plan = await loadPlan(planPath);
  const moto = await startMoto({ ecsServiceRunning: plan.service.desiredCount });
  const world = await seedWorld({ endpoint: moto.endpoint, plan, targetRegion: TARGET });
  // The restored database answers at a real PostgreSQL with the restore point's data (the plan's record counts).
  const restorePoints = await startWorldRestorePoints({ rdsEndpointsFile: moto.rdsEndpointsFile, plan, world });
  const aws = new AwsClients({ endpoint: moto.endpoint });
  const app = await startAppStandin({
    healthPath: plan.service.healthCheckPath,
    tls: world.tls,
    healthy: loadBalancerHealth(aws, [TARGET, plan.sourceRegion]),
  });
  const stateDir = await mkdtemp(join(tmpdir(), "dr-cli-world-"));
  // The world's certificate, trusted by the child for the hook's connections only.
  const caFile = `${stateDir}-ca.pem`;
  await writeFile(caFile, world.tls!.cert);
  // The state's secrets under the world's KMS key (straight to moto, never through a fault proxy).
  const secretsProvider = emulatorSecretsProvider(moto.endpoint, TARGET, world.stateKeyAlias);
  return {
    moto,
    plan,
    world,
    aws,
    app,
    stateDir,
    planPath,
    globals: (endpoint = moto.endpoint) => [
      "--endpoint-url",
      endpoint,
      "--state-dir",
      stateDir,
      "--secrets-provider",
      secretsProvider,
    ],
    env: (extra = {}) => ({
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      // For the Pulumi CLI's calls to the state key in moto.
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      DR_FAILOVER_PULUMI_ROOT: process.env.DR_FAILOVER_PULUMI_ROOT,
      // Only this test puts the stand-in on the engine's PATH; the CLI never does outside --emulator.
      PATH: `${STANDIN_BIN_DIR}${delimiter}${process.env.PATH ?? ""}`,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      // The load balancer's listeners are local servers (test hook of cli/context.ts): HTTPS and the redirect.
      DR_FAILOVER_CONNECT_TO: `443=127.0.0.1:${app.httpsPort},80=127.0.0.1:${app.redirectPort}`,
      DR_FAILOVER_CONNECT_CA: caFile,
      DR_STANDIN_LATENCY_SCALE: options.latency === undefined ? undefined : "0.01",
      DR_STANDIN_LATENCY_MODEL: options.latency,
      ...extra,
    }),
    summary: () => summarizeMotoState(moto.endpoint, planRegions(plan)),
    async drDatabase(identifier = `${plan.database.sourceIdentifier}-dr`) {
      try {
        const found = await aws.rds(TARGET).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
        const db = found.DBInstances?.[0];
        return db ? { id: db.DbiResourceId ?? "", created: String(db.InstanceCreateTime?.toISOString()) } : undefined;
      } catch {
        return undefined;
      }
    },
    async replicaVersions() {
      const listed = await aws.s3(TARGET).send(new ListObjectVersionsCommand({ Bucket: world.replicaBucket }));
      const out: Record<string, string[]> = {};
      for (const version of listed.Versions ?? [])
        (out[version.Key!] ??= []).push(`${version.VersionId}:${version.ETag}`);
      for (const marker of listed.DeleteMarkers ?? [])
        (out[marker.Key!] ??= []).push(`delete-marker:${marker.VersionId}`);
      return out;
    },
    async stop() {
      aws.destroy();
      await restorePoints?.stop();
      await app.stop();
      await moto.stop();
    },
  };
}

/** Every file under a directory with its text (for secret scans); missing dir = none. */
export async function allFiles(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = [];
  for (const entry of await readdir(dir, { recursive: true }).catch(() => [] as string[])) {
    const path = join(dir, String(entry));
    if ((await stat(path).catch(() => undefined))?.isFile())
      out.push({ path, text: await readFile(path, "utf8").catch(() => "") });
  }
  return out;
}

/** Every file under a directory (relative path → its bytes, base64), to compare a state dir byte for byte. */
export async function fileBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of (await readdir(dir, { recursive: true }).catch(() => [] as string[])).map(String).sort()) {
    const path = join(dir, entry);
    if ((await stat(path).catch(() => undefined))?.isFile()) out[entry] = (await readFile(path)).toString("base64");
  }
  return out;
}
