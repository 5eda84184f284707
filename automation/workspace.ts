/**
 * The Pulumi side: a LocalWorkspace with the inline DR program, a state
 * backend (local file backend by default: works with no account), secrets, the
 * CLI to use, and engine events turned into resource spans.
 */
import {
  LocalWorkspace,
  PulumiCommand,
  type PulumiFn,
  Stack,
  StackNotFoundError,
  type ConfigMap,
  type EngineEvent,
  type StackSettings,
  type Workspace,
} from "@pulumi/pulumi/automation/index.js";
import { existsSync } from "node:fs";
import { access, constants, mkdir } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import { backendStoreFor } from "./backend-store.js";
import type { RunClock, OpenSpan } from "./clock.js";
import { PreconditionError, ToolError, UsageError } from "./errors.js";
import type { EventSink } from "./events.js";
import { backendUrlOf, parseUrn } from "./vocabulary.js";

export const PROJECT_NAME = "dr-failover";

/**
 * For stack.up/destroy/refresh: after the operation the Automation API reads the
 * update's summary with `pulumi stack history`, by default with --show-secrets,
 * which decrypts the stack's secret config (a KMS call, or the passphrase's
 * 1,000,000 PBKDF2 rounds) only for a config summary nobody reads.
 */
export const SUMMARY_WITHOUT_SECRETS = { showSecrets: false } as const;

export interface WorkspaceOptions {
  /** Holds the file backend, the workspace, runs and the journal. */
  stateDir: string;
  /** Where the project and stack settings (the stacks' config) are kept; default <stateDir>/workspace. */
  workDir?: string;
  /** Any Pulumi backend URL; default file://<stateDir>/backend. */
  backendUrl?: string;
  /** e.g. awskms://alias/dr?region=ap-northeast-3; default: passphrase. */
  secretsProvider?: string;
  /** false for read-only commands (status): a missing passphrase is then no error. */
  requireSecrets?: boolean;
  /** Emulator rehearsal: stand-in aws plugin on PATH, fixed passphrase allowed. */
  emulator?: { standinBinDir: string };
  /** A folder holding bin/pulumi; default $DR_FAILOVER_PULUMI_ROOT, else the `pulumi` on PATH. */
  pulumiRoot?: string;
  /** Runs this program instead of the DR stack's (the benchmark's runbook-order variant of it). */
  program?: PulumiFn;
}

/** A state backend in the failing region is unreachable exactly when it is needed. */
export function backendRegionWarning(backendUrl: string, sourceRegion: string): string | undefined {
  if (!/^(s3|azblob|gs):\/\//.test(backendUrl)) return undefined;
  const region = /[?&]region=([a-z0-9-]+)/.exec(backendUrl)?.[1];
  if (region === sourceRegion || backendUrl.includes(sourceRegion)) {
    return `the state backend ${backendUrl} lives in the source region ${sourceRegion}: during a regional outage it is unreachable — keep DR state elsewhere`;
  }
  if (!region && backendUrl.startsWith("s3://")) {
    return `the state backend ${backendUrl} names no region: make sure it is not in the source region ${sourceRegion}`;
  }
  return undefined;
}

const pulumiCommands = new Map<string, Promise<PulumiCommand>>();

/** `PulumiCommand.get` runs `pulumi version`, which is not free: once per process and installation. */
function pulumiCommandAt(root: string | undefined): Promise<PulumiCommand> {
  const key = root ?? "";
  let command = pulumiCommands.get(key);
  if (!command) {
    command = PulumiCommand.get(root ? { root } : undefined);
    command.catch(() => pulumiCommands.delete(key));
    pulumiCommands.set(key, command);
  }
  return command;
}

/** Where the Pulumi CLI comes from: the given root, $DR_FAILOVER_PULUMI_ROOT, or the PATH. */
async function pulumiCommand(pulumiRoot: string | undefined): Promise<PulumiCommand> {
  const root = pulumiRoot ?? process.env.DR_FAILOVER_PULUMI_ROOT;
  if (root) return pulumiCommandAt(root);
  if (pulumiOnPath()) return pulumiCommandAt(undefined);
  throw new ToolError("PULUMI_CLI_NOT_FOUND", "the Pulumi CLI is not on PATH", {
    hint: "Install it (https://www.pulumi.com/docs/install/) or set DR_FAILOVER_PULUMI_ROOT to a folder holding bin/pulumi.",
  });
}

/** Whether a `pulumi` executable is on PATH. */
export function pulumiOnPath(): boolean {
  return (process.env.PATH ?? "").split(delimiter).some((dir) => dir && existsSync(join(dir, "pulumi")));
}

/** Refuses (a usage error) when the stack's secrets would have no usable passphrase; checks the environment only. */
export function checkSecretsUsable(options: WorkspaceOptions): void {
  passphraseEnv(options);
}

function passphraseEnv(options: WorkspaceOptions): Record<string, string> {
  if (options.secretsProvider && options.secretsProvider !== "passphrase") return {};
  if (process.env.PULUMI_CONFIG_PASSPHRASE || process.env.PULUMI_CONFIG_PASSPHRASE_FILE) return {};
  // The emulator's state is thrown away with the emulator: a fixed passphrase protects nothing real.
  if (options.emulator) return { PULUMI_CONFIG_PASSPHRASE: "dr-failover-emulator-rehearsal" };
  if (options.requireSecrets === false) return {};
  if (process.env.PULUMI_CONFIG_PASSPHRASE === "") {
    // Pulumi would accept it: the DB password would be "encrypted" with an empty passphrase.
    throw new UsageError(
      "PASSPHRASE_EMPTY",
      "PULUMI_CONFIG_PASSPHRASE is set but empty: the stack's secrets (the DB password) would be protected by nothing",
      {
        hint: "Export a real passphrase (keep it in your password manager), or pass --secrets-provider awskms://… with a key in the target region.",
      },
    );
  }
  throw new UsageError(
    "PASSPHRASE_MISSING",
    "PULUMI_CONFIG_PASSPHRASE is not set: the stack's secrets (the DB password) need it",
    {
      hint: "Export PULUMI_CONFIG_PASSPHRASE (keep it in your password manager), or pass --secrets-provider awskms://… with a key in the target region.",
    },
  );
}

/** Where the workspace (the project file and local copies of the stacks' settings) is. */
export const workDirOf = (options: WorkspaceOptions) => options.workDir ?? join(resolve(options.stateDir), "workspace");

export async function openWorkspace(options: WorkspaceOptions): Promise<LocalWorkspace> {
  const workDir = workDirOf(options);
  const backendUrl = backendUrlOf(options);
  if (backendUrl.startsWith("file://")) await fileBackendWritable(backendUrl);
  await mkdir(workDir, { recursive: true });
  const envVars: Record<string, string> = {
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_BACKEND_URL: backendUrl,
    ...passphraseEnv(options),
  };
  if (options.emulator) {
    // The stand-in answers for `aws` only here: never on the PATH of a run against real AWS.
    envVars.PATH = `${options.emulator.standinBinDir}${delimiter}${process.env.PATH ?? ""}`;
    envVars.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
    // The emulator's KMS key (the state's secrets provider) is in moto: fake credentials, never the operator's.
    Object.assign(envVars, { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" });
  }
  // The program (and @pulumi/aws, seconds to load) only for commands that run it.
  const program =
    options.program ?? (options.requireSecrets === false ? undefined : (await import("../stacks/index.js")).drProgram);
  const workspace = await LocalWorkspace.create({
    workDir,
    program,
    projectSettings: { name: PROJECT_NAME, runtime: "nodejs", backend: { url: backendUrl } },
    envVars,
    secretsProvider: options.secretsProvider,
    pulumiCommand: await pulumiCommand(options.pulumiRoot),
  });
  if (!backendUrl.startsWith("file://") && !reachableBackends.has(backendUrl)) {
    // Once per process: an unreachable backend is a clear error before anything is created, not an engine trace later.
    await workspace.listStacks().catch((cause: unknown) => {
      const first = (cause instanceof Error ? cause.message : String(cause))
        .split("\n")
        .find((line) => /error|fail|denied|no such|not exist/i.test(line));
      throw new PreconditionError("BACKEND_UNREACHABLE", `the state backend ${backendUrl} cannot be reached`, {
        details: first ? [first.trim()] : [],
        hint: "Check the URL, the credentials and that the bucket exists (in a region other than the source region).",
        cause,
      });
    });
    reachableBackends.add(backendUrl);
  }
  return workspace;
}

const reachableBackends = new Set<string>();

async function fileBackendWritable(backendUrl: string): Promise<void> {
  const dir = backendUrl.slice("file://".length);
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (cause) {
    throw new PreconditionError(
      "BACKEND_UNREACHABLE",
      `the state backend ${backendUrl} is not writable (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      {
        hint: "Pass --state-dir or --backend file://<dir> with a folder you can write to.",
        cause,
      },
    );
  }
}

/** Fails early (before anything is created) when the secrets passphrase or the state backend is unusable. */
export async function checkStateBackend(options: WorkspaceOptions): Promise<void> {
  await openWorkspace(options);
}

/**
 * A plain (not secret) config value of a stack, read from its settings file
 * in the workspace in-process: `stack.getConfig` starts the Pulumi CLI
 * (~0.3 s), which the production switch should not pay inside the RTO. A
 * secure value, or a settings file that cannot be read, goes through the CLI.
 */
export async function plainStackConfig(stack: Stack, key: string): Promise<string | undefined> {
  let value: unknown;
  try {
    value = (await stack.workspace.stackSettings(stack.name)).config?.[key];
  } catch {
    return (await stack.getConfig(key).catch(() => undefined))?.value;
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  return (await stack.getConfig(key).catch(() => undefined))?.value;
}

/**
 * The stack if it exists, else undefined (one CLI call: selecting a missing
 * stack says so), with its settings as the backend keeps them (see
 * shareStackSettings): another machine's re-run, status or destroy sees the
 * same config as the run that wrote it.
 */
export async function findStack(
  options: WorkspaceOptions,
  workspace: LocalWorkspace,
  stackName: string,
): Promise<Stack | undefined> {
  const stack = await Stack.select(stackName, workspace).catch((error: unknown) => {
    if (error instanceof StackNotFoundError) return undefined;
    throw error;
  });
  if (!stack) return undefined;
  const store = settingsStoreOf(options);
  const shared = await store?.get(settingsKey(stackName));
  if (shared) await workspace.saveStackSettings(stackName, JSON.parse(shared) as StackSettings);
  // A stack whose settings were kept only in this workspace (by a version before they were shared).
  else if (store && (await localStackSettings(workspace, stackName))) await shareStackSettings(options, stack);
  return stack;
}

/**
 * Writes the stack's config and shares its settings through the backend. The
 * settings (Pulumi.<stack>.yaml: the stack arguments, the DB password as
 * ciphertext, the incident clock, the production record's previous value, and
 * the secrets provider's salt or data key) are what a resume, a destroy or a
 * failback needs besides the state, so they live beside it; the workspace's
 * file is a copy. Secret values are stored encrypted, as in the file.
 */
export async function writeStackConfig(options: WorkspaceOptions, stack: Stack, config: ConfigMap): Promise<void> {
  await stack.setAllConfig(config);
  await shareStackSettings(options, stack);
}

/** Removes the shared settings of a stack that is gone (after `destroy --remove`). */
export async function dropSharedStackSettings(options: WorkspaceOptions, stackName: string): Promise<void> {
  await settingsStoreOf(options)?.delete(settingsKey(stackName));
}

async function shareStackSettings(options: WorkspaceOptions, stack: Stack): Promise<void> {
  const settings = await localStackSettings(stack.workspace, stack.name);
  if (settings) await settingsStoreOf(options)?.put(settingsKey(stack.name), JSON.stringify(settings, null, 2));
}

async function localStackSettings(workspace: Workspace, stackName: string): Promise<StackSettings | undefined> {
  return workspace.stackSettings(stackName).catch(() => undefined);
}

/** Beside Pulumi's own files in the backend: `.pulumi/dr-failover/stack-settings/<project>/<stack>.json`. */
export const settingsKey = (stackName: string) =>
  `.pulumi/dr-failover/stack-settings/${PROJECT_NAME}/${stackName}.json`;

/** Where the backend keeps a stack's shared settings, for messages; "nowhere" for a backend without a store. */
export function sharedSettingsWhere(options: WorkspaceOptions, stackName: string): string {
  return settingsStoreOf(options)?.where(settingsKey(stackName)) ?? `nowhere (${backendUrlOf(options)} keeps none)`;
}

/** A backend URL without region= (warned about) still reaches its bucket: S3 redirects from us-east-1. */
const settingsStoreOf = (options: WorkspaceOptions) => backendStoreFor(backendUrlOf(options), "us-east-1");

const NOT_TIMED = /^(pulumi:pulumi:Stack|pulumi:providers:|dr-failover:stack:)/;

/** Turns engine events into resource spans on the clock and `resource` events for the renderer. */
export function engineEventHandler(clock: RunClock, emit: EventSink): (event: EngineEvent) => void {
  const open = new Map<string, OpenSpan>();
  const finish = (urn: string, ok: boolean, op: string) => {
    const span = open.get(urn);
    if (!span) return;
    open.delete(urn);
    const ended = span.end(ok);
    const { type, name } = parseUrn(urn);
    emit({
      type: "resource",
      urn,
      resourceType: type,
      name,
      op,
      status: ok ? "done" : "failed",
      durationMs: ended.durationMs,
    });
  };
  return (event) => {
    const pre = event.resourcePreEvent?.metadata;
    if (pre) {
      const { type, name } = parseUrn(pre.urn);
      if (NOT_TIMED.test(type) || pre.op === "same" || pre.op === "read") return;
      // Engine timestamps are whole seconds: the clock takes its own on receipt.
      open.set(pre.urn, clock.begin(`${name}`, "resource", type));
      emit({ type: "resource", urn: pre.urn, resourceType: type, name, op: pre.op, status: "started" });
      return;
    }
    const done = event.resOutputsEvent?.metadata;
    if (done) return finish(done.urn, true, done.op);
    const failed = event.resOpFailedEvent?.metadata;
    if (failed) return finish(failed.urn, false, failed.op);
    const diag = event.diagnosticEvent;
    if (diag && diag.severity === "error" && diag.message.trim()) {
      emit({ type: "warning", code: "ENGINE_DIAGNOSTIC", message: diag.message.trim() });
    }
  };
}
