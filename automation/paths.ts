import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root folder, whether running from the sources (vitest) or from dist/. */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The emulator's shell scripts and the stand-in plugin live in the source tree (not compiled). */
export const EMULATOR_DIR = join(PACKAGE_ROOT, "automation", "emulator");

export const TOOL_VERSION = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { version: string }).version;
