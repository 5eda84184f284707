/**
 * Cheap questions about a local file backend (`file://…`), answered from its
 * directory without starting Pulumi: loading the Automation API and running
 * the CLI costs seconds, which `status` on an empty state dir should not pay.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

/** The directory of a `file://` backend URL; undefined for any other backend or a URL that is no path. */
function fileBackendRoot(backendUrl: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  try {
    return backendUrl.startsWith("file:///") ? fileURLToPath(backendUrl) : backendUrl.slice("file://".length);
  } catch {
    return undefined;
  }
}

/** The key Pulumi marks a secret value with in a checkpoint. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/**
 * The outputs of a stack's last update as its file-backend checkpoint holds
 * them (`stacks/<project>/<stack>.json`, legacy `stacks/<stack>.json`, either
 * maybe gzipped), secret outputs left out: what `pulumi stack output` would
 * print, without one CLI start (and a decryption) per stack. Undefined when
 * the backend is no file backend or the file is missing or unreadable: the
 * caller then asks Pulumi.
 */
export async function fileBackendStackOutputs(
  backendUrl: string,
  project: string,
  stackName: string,
): Promise<Record<string, unknown> | undefined> {
  const root = fileBackendRoot(backendUrl);
  if (!root) return undefined;
  const name = stackName.split("/").pop()!;
  const stacks = join(root, ".pulumi", "stacks");
  for (const file of [join(stacks, project, `${name}.json`), join(stacks, `${name}.json`)]) {
    for (const [path, unzip] of [
      [file, false],
      [`${file}.gz`, true],
    ] as const) {
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch {
        continue;
      }
      try {
        const checkpoint = JSON.parse((unzip ? gunzipSync(bytes) : bytes).toString("utf8")) as {
          checkpoint?: { latest?: { resources?: { type: string; outputs?: Record<string, unknown> }[] } };
        };
        const resources = checkpoint.checkpoint?.latest?.resources ?? [];
        const outputs = resources.find((resource) => resource.type === "pulumi:pulumi:Stack")?.outputs ?? {};
        return Object.fromEntries(
          Object.entries(outputs).filter(
            ([, value]) => !(value && typeof value === "object" && SECRET_SIG in (value as object)),
          ),
        );
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * True only when `backendUrl` is a file backend whose `.pulumi/stacks` folder
 * holds no stack file (none at all, or only `*.bak` backups of removed
 * stacks). Any other backend, or anything unexpected, answers false: the
 * caller then asks Pulumi.
 */
export async function fileBackendHasNoStacks(backendUrl: string): Promise<boolean> {
  const root = fileBackendRoot(backendUrl);
  if (!root) return false;
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
