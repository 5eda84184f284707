/**
 * The Pulumi CLI for a rehearsal on a machine that has none: get.pulumi.com may
 * be out of reach, so it is built from the Go module proxy (once, into the cache).
 */
import { execa } from "execa";
import { join } from "node:path";
import { ToolError } from "../../automation/errors.js";
import { pulumiOnPath } from "../../automation/workspace.js";
import { SUBSTRATE_DIR } from "../paths.js";

/** The CLI root to use, or undefined when $DR_FAILOVER_PULUMI_ROOT or the PATH already provides one. */
export async function ensurePulumiCli(onBuild?: () => void): Promise<string | undefined> {
  if (process.env.DR_FAILOVER_PULUMI_ROOT || pulumiOnPath()) return undefined;
  onBuild?.();
  const { stdout } = await execa("bash", [join(SUBSTRATE_DIR, "build-pulumi-cli.sh")], { stdin: "ignore" }).catch(
    (cause) => {
      throw new ToolError("PULUMI_CLI_BUILD", "could not build the Pulumi CLI from the Go module proxy", {
        hint: "The emulator needs Go and access to the Go module proxy, or a `pulumi` on PATH.",
        cause,
      });
    },
  );
  return stdout.trim().split("\n").pop();
}
