/**
 * Emulator rehearsal: moto on loopback seeded with the plan's "primary
 * environment + DR artifacts", the stand-in `aws` plugin on the engine's PATH
 * and a local HTTP(S) server standing in for the load balancer and the
 * containers. Nothing here runs
 * unless the operator asked for --emulator.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Plan } from "../../automation/plan.js";
import type { ConnectTo } from "../../automation/verify.js";
import { AwsClients } from "../../automation/aws.js";
import { startAppStandin } from "./app-standin.js";
import { loadBalancerHealth } from "./lb-health.js";
import { emulatorSecretsProvider } from "./clients.js";
import { STANDIN_BIN_DIR } from "../paths.js";
import { startMoto } from "./moto.js";
import { ensurePulumiCli } from "./pulumi-cli.js";
import { type RestorePointData, startWorldRestorePoints } from "./postgres.js";
import { lastDailyBackup, seedWorld } from "./seed-world.js";

export interface EmulatorSession {
  /** The plan to rehearse: the operator's, with the world's certificate for one the plan names. */
  plan: Plan;
  endpoint: string;
  /** State for the emulator's stacks, apart from real ones. */
  stateDir: string;
  standinBinDir: string;
  /** The Pulumi CLI's root when none is on PATH: built from the Go module proxy on first use. */
  pulumiRoot?: string;
  /** The state's secrets provider: a KMS key in the emulator (no passphrase needed, and fast). */
  secretsProvider: string;
  connectTo: ConnectTo;
  stop(): Promise<void>;
}

export async function startEmulatorSession(options: {
  plan: Plan;
  targetRegion: string;
  stateDir: string;
  /** Told what the start is doing, step by step (it takes seconds: moto, the world, maybe the Pulumi CLI build). */
  onProgress?: (message: string) => void;
}): Promise<EmulatorSession> {
  const progress = options.onProgress ?? (() => undefined);
  const started = performance.now();
  const stateDir = join(options.stateDir, "emulator");
  progress("starting moto on 127.0.0.1 (the AWS emulator; no AWS account is used)");
  // The emulator forgets everything when it stops: so must its Pulumi state. Reports are kept.
  await Promise.all(["backend", "workspace"].map((dir) => rm(join(stateDir, dir), { recursive: true, force: true })));
  const [moto, pulumiRoot] = await Promise.all([
    startMoto({ ecsServiceRunning: options.plan.service.desiredCount }),
    ensurePulumiCli(() =>
      progress(
        "finding the Pulumi CLI: none on PATH, so the one built from the Go module proxy (the first build takes minutes)",
      ),
    ),
  ]);
  let data: RestorePointData | undefined;
  try {
    progress(
      `seeding the emulator from the plan: ${options.plan.sourceRegion} production, DR artifacts in ${options.targetRegion}`,
    );
    // The reference world as the runbook leaves it: a daily snapshot (taken at the backup window's start)
    // and automated backups replicated minutes behind.
    const world = await seedWorld({
      endpoint: moto.endpoint,
      plan: options.plan,
      targetRegion: options.targetRegion,
      dailySnapshotAt: lastDailyBackup(options.plan, new Date()),
    });
    data = await startWorldRestorePoints({ rdsEndpointsFile: moto.rdsEndpointsFile, plan: options.plan, world });
    if (data)
      progress(
        `restore points as PostgreSQL servers (${Object.values(data.servers).join(", ")}) in ${data.startSeconds.toFixed(1)} s`,
      );
    // The app answers healthy through a load balancer only once one of its targets is (moto-server.py).
    const aws = new AwsClients({ endpoint: moto.endpoint });
    const app = await startAppStandin({
      healthPath: options.plan.service.healthCheckPath,
      tls: world.tls,
      healthy: loadBalancerHealth(aws, [options.targetRegion, options.plan.sourceRegion]),
    });
    progress(`ready after ${((performance.now() - started) / 1000).toFixed(1)} s (moto at ${moto.endpoint})`);
    const restoredData = data;
    return {
      plan: withWorldCertificate(options.plan, options.targetRegion, world.certificateArn),
      endpoint: moto.endpoint,
      stateDir,
      standinBinDir: STANDIN_BIN_DIR,
      pulumiRoot,
      secretsProvider: emulatorSecretsProvider(moto.endpoint, options.targetRegion, world.stateKeyAlias),
      connectTo: app.connectTo,
      async stop() {
        await app.stop();
        aws.destroy();
        await restoredData?.stop();
        await moto.stop();
      },
    };
  } catch (error) {
    await data?.stop();
    await moto.stop();
    throw error;
  }
}

/**
 * moto cannot hold a certificate under an ARN of the plan's choosing: a plan
 * that names one is rehearsed with the world's certificate in its place.
 */
function withWorldCertificate(plan: Plan, targetRegion: string, certificateArn: string | undefined): Plan {
  const target = plan.targets[targetRegion];
  if (!target?.loadBalancer.certificateArn || !certificateArn) return plan;
  return {
    ...plan,
    targets: {
      ...plan.targets,
      [targetRegion]: { ...target, loadBalancer: { ...target.loadBalancer, certificateArn } },
    },
  };
}
