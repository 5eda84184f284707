/**
 * Cheap questions about a local file backend (`file://…`), answered from its
 * directory without starting Pulumi: loading the Automation API and running
 * the CLI costs seconds, which `status` on an empty state dir should not pay.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * True only when `backendUrl` is a file backend whose `.pulumi/stacks` folder
 * holds no stack file (none at all, or only `*.bak` backups of removed
 * stacks). Any other backend, or anything unexpected, answers false: the
 * caller then asks Pulumi.
 */
export async function fileBackendHasNoStacks(backendUrl: string): Promise<boolean> {
  if (!backendUrl.startsWith("file://")) return false;
  let root: string;
  try {
    root = backendUrl.startsWith("file:///") ? fileURLToPath(backendUrl) : backendUrl.slice("file://".length);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    // Project-scoped stacks live in stacks/<project>/<stack>.json, legacy ones in stacks/<stack>.json (both maybe .gz).
    entries = await readdir(join(root, ".pulumi", "stacks"), { recursive: true });
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
  const stackFiles = await Promise.all(
    entries.map(async (entry) => {
      if (entry.endsWith(".bak")) return false;
      const isDir = await readdir(join(root, ".pulumi", "stacks", entry)).then(
        () => true,
        () => false,
      );
      return !isDir;
    }),
  );
  return !stackFiles.some(Boolean);
}
