/**
 * The moto AWS emulator as a child process on 127.0.0.1, for the emulator
 * rehearsal mode and the tests. One server answers every region (the region
 * comes from each request's SigV4 scope).
 */
import { execa, type ResultPromise } from "execa";
import { createConnection, createServer } from "node:net";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ToolError } from "../../automation/errors.js";
import { SUBSTRATE_DIR } from "../paths.js";

export interface MotoServer {
  /** e.g. http://127.0.0.1:43121 */
  readonly endpoint: string;
  readonly port: number;
  /**
   * The JSON file of snapshots the emulator holds real data for ({"<region>/<snapshot id>": address}):
   * an instance restored from one reports that address (emulator/substrate/moto-server.py).
   */
  readonly rdsEndpointsFile: string;
  /** Forgets every resource in every region. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** Path of moto_server; default: installed (once) by install-moto.sh into the cache. */
  motoServerPath?: string;
  /** ECS services report this many running tasks (moto never starts containers). */
  ecsServiceRunning?: number;
  /** More environment for the server, e.g. DR_EMULATOR_RDS_CREATING_SECONDS (emulator/substrate/moto-server.py). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/** Installs moto into the cache if needed and returns the moto_server path. */
export async function installMoto(): Promise<string> {
  try {
    const { stdout } = await execa("bash", [join(SUBSTRATE_DIR, "install-moto.sh")], { stdin: "ignore" });
    return stdout.trim().split("\n").pop()!;
  } catch (cause) {
    throw new ToolError("EMULATOR_INSTALL", "could not install the moto AWS emulator from PyPI", {
      hint: "The emulator mode needs python3 with venv and pip access to PyPI; see the README's emulator section.",
      cause,
    });
  }
}

async function waitUntilUp(endpoint: string, child: ResultPromise, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.catch(() => undefined).finally(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new ToolError("EMULATOR_START", `moto did not start on ${endpoint}`, {
    hint: "Run emulator/substrate/install-moto.sh by hand to see why.",
  });
}

/**
 * Asks a moto pool (`moto-server.py --pool SOCKET`, started once by the test
 * suite) for a fresh server: a fork of a moto that has already loaded what the
 * DR stack uses, so a server skips moto's slow first requests.
 */
async function forkFromPool(
  socketPath: string,
  env: Record<string, string>,
  rdsEndpointsFile: string,
): Promise<MotoServer> {
  const answer = await new Promise<string>((resolve, reject) => {
    let received = "";
    const connection = createConnection(socketPath, () => connection.end(`${JSON.stringify({ env })}\n`));
    connection.setEncoding("utf8");
    connection.on("data", (chunk: string) => (received += chunk));
    connection.on("end", () => resolve(received));
    connection.on("error", reject);
  }).catch((cause: unknown) => {
    throw new ToolError("EMULATOR_START", `the moto pool at ${socketPath} did not answer`, {
      hint: "Unset DR_FAILOVER_MOTO_POOL to start moto directly, or restart the test run.",
      cause,
    });
  });
  const { pid, port } = JSON.parse(answer) as { pid: number; port: number };
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return motoServer(port, rdsEndpointsFile, async () => {
    if (alive()) process.kill(pid, "SIGTERM");
    // Not our child: the pool reaps it; wait until it is gone so the port is free.
    for (let i = 0; i < 100 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  });
}

function motoServer(port: number, rdsEndpointsFile: string, stop: () => Promise<void>): MotoServer {
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    rdsEndpointsFile,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
    },
    stop,
  };
}

/** Starts moto on a free loopback port and waits until it answers. */
export async function startMoto(options: StartMotoOptions = {}): Promise<MotoServer> {
  // AWS-managed IAM policies (e.g. AmazonECSTaskExecutionRolePolicy) exist only when moto loads them
  // (moto-server.py loads just those; a bare moto_server loads all of them at every reset).
  const env: Record<string, string> = {
    MOTO_ECS_SERVICE_RUNNING: String(options.ecsServiceRunning ?? 2),
    MOTO_IAM_LOAD_MANAGED_POLICIES: "true",
    ...options.env,
  };
  const dataDir = await mkdtemp(join(tmpdir(), "dr-moto-"));
  const rdsEndpointsFile = join(dataDir, "rds-endpoints.json");
  env.DR_EMULATOR_RDS_ENDPOINTS = rdsEndpointsFile;
  const removeDataDir = () => rm(dataDir, { recursive: true, force: true });
  const pool = process.env.DR_FAILOVER_MOTO_POOL;
  if (pool && !options.motoServerPath) {
    const server = await forkFromPool(pool, env, rdsEndpointsFile);
    return { ...server, stop: () => server.stop().finally(removeDataDir) };
  }
  const motoServerPath = options.motoServerPath ?? process.env.DR_FAILOVER_MOTO_SERVER ?? (await installMoto());
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // moto_server through our launcher (same venv): it loads only the AWS-managed IAM policies the stack attaches.
  const python = join(dirname(motoServerPath), "python");
  const [command, prefix] = existsSync(python)
    ? [python, [join(SUBSTRATE_DIR, "moto-server.py")]]
    : [motoServerPath, []];
  const child = execa(command, [...prefix, "-H", "127.0.0.1", "-p", String(port)], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
    cleanup: true,
    reject: false,
    env,
  });
  await waitUntilUp(endpoint, child, options.startTimeoutMs ?? 30_000);
  return motoServer(port, rdsEndpointsFile, async () => {
    child.kill("SIGTERM");
    await child;
    await removeDataDir();
  });
}
