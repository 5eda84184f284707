/**
 * Runs the compiled CLI (`node dist/index.js …`) as a user would: a real child
 * process, never rejecting, so a test can assert exit code, stdout and stderr.
 * In the fast tier (vitest.unit.config.ts: DR_FAILOVER_TEST_CLI_FROM_SOURCE), which
 * builds nothing, it runs the sources instead (`node --import tsx index.ts …`).
 */
import { execa } from "execa";
import { createRequire } from "node:module";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse, stringify } from "yaml";

export const repoRoot = new URL("../..", import.meta.url).pathname;
export const cliPath = join(repoRoot, "dist", "index.js");
export const examplePlanPath = join(repoRoot, "examples", "peoplebooster.yaml");

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Extra environment (merged over process.env, which carries DR_FAILOVER_PULUMI_ROOT from the global setup). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

/** `node dist/index.js` (or, in the fast tier, index.ts through tsx) and its arguments. */
function cliCommand(): string[] {
  if (!process.env.DR_FAILOVER_TEST_CLI_FROM_SOURCE) return [cliPath];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx, join(repoRoot, "index.ts")];
}

/** `node dist/index.js ...args` (on this process's node, not whichever is first on PATH); never throws on a non-zero exit. */
export async function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [...cliCommand(), ...args], {
    cwd: options.cwd ?? repoRoot,
    reject: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 90_000,
    env: {
      PULUMI_SKIP_UPDATE_CHECK: "true",
      AWS_EC2_METADATA_DISABLED: "true",
      NODE_NO_WARNINGS: "1",
      ...options.env,
    },
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}

/** The stable error code printed as `error CODE: message` on stderr, if any. */
export function errorCodeOf(stderr: string): string | undefined {
  return /^error ([A-Z][A-Z0-9_]*):/m.exec(stderr)?.[1];
}

/** A temporary directory; `cleanup` removes it. */
export async function tempDir(prefix = "dr-failover-test-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** The example plan as a plain object (a fresh copy each call), to mutate into bad plans. */
export async function examplePlanDocument(): Promise<Record<string, any>> {
  const { readFile } = await import("node:fs/promises");
  return parse(await readFile(examplePlanPath, "utf8")) as Record<string, any>;
}

/** Writes a plan derived from the example (`mutate` edits the parsed document) into `dir`; returns its path. */
export async function writePlan(
  dir: string,
  name: string,
  mutate: (plan: Record<string, any>) => void,
): Promise<string> {
  const plan = await examplePlanDocument();
  mutate(plan);
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, stringify(plan), "utf8");
  return path;
}

/** Writes raw text as a plan file into `dir`; returns its path. */
export async function writeRawPlan(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(path, text, "utf8");
  return path;
}
