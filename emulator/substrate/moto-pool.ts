/**
 * The test suite's moto pool (moto-server.py --pool): one warm moto that forks a
 * fresh server for each test file. Test substrate only; startMoto uses it when
 * DR_FAILOVER_MOTO_POOL names its socket.
 */
import { execa } from "execa";
import { dirname, join } from "node:path";
import { ToolError } from "../../automation/errors.js";
import { SUBSTRATE_DIR } from "../paths.js";

/**
 * Starts a moto pool on a unix socket (see moto-server.py): what a test suite
 * sets DR_FAILOVER_MOTO_POOL to, so that each startMoto forks a warm server.
 */
export async function startMotoPool(socketPath: string, motoServerPath: string): Promise<{ stop(): Promise<void> }> {
  const python = join(dirname(motoServerPath), "python");
  const child = execa(python, [join(SUBSTRATE_DIR, "moto-server.py"), "--pool", socketPath], {
    stdin: "ignore",
    stderr: "inherit",
    cleanup: true,
    reject: false,
    env: { MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  const ready = await new Promise<boolean>((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("ready") && resolve(true));
    void child.finally(() => resolve(false));
  });
  if (!ready) {
    throw new ToolError(
      "EMULATOR_START",
      `the moto pool did not start (${python} ${join(SUBSTRATE_DIR, "moto-server.py")} --pool)`,
      {
        hint: "Run emulator/substrate/install-moto.sh by hand to see why.",
      },
    );
  }
  return {
    async stop() {
      child.kill("SIGTERM");
      await child;
    },
  };
}
