/**
 * Entry point of the stand-in `pulumi-resource-aws` plugin: serves the
 * StandinProvider over gRPC with @pulumi/pulumi's provider server (which
 * prints the port on stdout; nothing else may write to stdout).
 */
import { main } from "@pulumi/pulumi/provider/index.js";
import { installConfigurePatch } from "./configure-patch.js";
import { createStandinProvider } from "./provider.js";

// The engine launches plugins in their own process group: when it dies without shutting them
// down (SIGKILL, a lost machine), the plugin is reparented and has no one left to serve.
const engine = process.ppid;
setInterval(() => {
  if (process.ppid !== engine) process.exit(0);
}, 1_000).unref();

const provider = createStandinProvider();
installConfigurePatch((config) => provider.configure(config));

main(provider, process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`pulumi-resource-aws (stand-in): ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
