/** Where the emulator's non-compiled parts live in the source tree (shell scripts, the moto server, the plugin's bin/). */
import { join } from "node:path";
import { PACKAGE_ROOT } from "../automation/paths.js";

/** install-moto.sh, moto-server.py, build-pulumi-cli.sh and its Go patch. */
export const SUBSTRATE_DIR = join(PACKAGE_ROOT, "emulator", "substrate");

/** Holds `pulumi-resource-aws`, the stand-in plugin's launcher: put on the engine's PATH in emulator mode only. */
export const STANDIN_BIN_DIR = join(PACKAGE_ROOT, "emulator", "aws-standin", "bin");
