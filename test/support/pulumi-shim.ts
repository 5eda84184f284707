/** A `pulumi` that counts: for budgets of Pulumi CLI calls (each one is a process start, often a decryption). */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface CountingPulumi {
  /** A folder holding bin/pulumi: give it as pulumiRoot / DR_FAILOVER_PULUMI_ROOT. */
  root: string;
  /** The arguments of every invocation so far, in order. */
  calls(): Promise<string[]>;
  remove(): Promise<void>;
}

/** A folder holding bin/pulumi that logs each invocation and runs the real CLI of `realRoot`. */
export async function countingPulumiRoot(realRoot: string): Promise<CountingPulumi> {
  const root = await mkdtemp(join(tmpdir(), "dr-bench-pulumi-shim-"));
  const log = join(root, "calls.log");
  await mkdir(join(root, "bin"));
  const shim = join(root, "bin", "pulumi");
  await writeFile(shim, `#!/bin/sh\necho "$*" >> '${log}'\nexec '${join(realRoot, "bin", "pulumi")}' "$@"\n`);
  await chmod(shim, 0o755);
  await writeFile(log, "");
  return {
    root,
    calls: async () => (await readFile(log, "utf8")).split("\n").filter(Boolean),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
