/** Everything a journey needs from the command line: the plan, AWS clients, the workspace, the event sink — real AWS or the emulator rehearsal. */
import { readFile } from "node:fs/promises";
import type { Plan } from "../automation/plan.js";
import type { JourneyContext } from "../automation/run/context.js";
import type { ConnectTo } from "../automation/verify.js";
import type { GlobalOptions, TargetOptions } from "./options.js";
import { err } from "./render/output.js";
import { eventSinkFor } from "./render/sink.js";

type PlanModule = typeof import("../automation/plan.js");

/** Checks of the input against the plan, run before anything heavy is loaded. */
export type Precheck = (planModule: PlanModule, plan: Plan) => void;

/** A past (or at most a minute ahead) ISO 8601 time, else a usage error naming the flag. */
async function parseIncidentStart(value: string | undefined): Promise<Date | undefined> {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime()) || parsed.getTime() > Date.now() + 60_000) {
    const { UsageError } = await import("../automation/errors.js");
    throw new UsageError("INCIDENT_START_INVALID", `--incident-start ${value} is not a past ISO 8601 time`, {
      hint: "Give when the outage began, e.g. --incident-start 2026-11-28T03:12:00+09:00 (default: now).",
    });
  }
  return parsed;
}

/**
 * Lab/test hook: send verification's requests to other addresses instead of
 * resolving the service name. DR_FAILOVER_CONNECT_TO is `host:port` (every
 * request) or `443=host:port,80=host:port` (per port of the name);
 * DR_FAILOVER_CONNECT_CA names a PEM file trusted for those connections only.
 */
async function labConnectTo(): Promise<ConnectTo | undefined> {
  const spec = process.env.DR_FAILOVER_CONNECT_TO;
  if (!spec) return undefined;
  const targets = new Map<number | "any", { host: string; port: number }>();
  for (const part of spec.split(",")) {
    const match = /^(?:(\d+)=)?([^:=]+):(\d+)$/.exec(part.trim());
    if (match) targets.set(match[1] ? Number(match[1]) : "any", { host: match[2], port: Number(match[3]) });
  }
  const caFile = process.env.DR_FAILOVER_CONNECT_CA;
  const ca = caFile ? await readFile(caFile, "utf8") : undefined;
  return (_host, port) => {
    const target = targets.get(port) ?? targets.get("any");
    return target ? { ...target, ca } : undefined;
  };
}

/** Builds the context (starting the emulator for --emulator); `close` stops what was started. */
export async function journeyContext(
  globals: GlobalOptions,
  target: TargetOptions,
  signal: AbortSignal,
  precheck?: Precheck,
): Promise<{ ctx: JourneyContext; close: () => Promise<void> }> {
  const planModule = await import("../automation/plan.js");
  const plan = await planModule.loadPlan(target.plan);
  planModule.checkTargetRegion(plan, target.targetRegion);
  precheck?.(planModule, plan);
  const incidentStart = await parseIncidentStart(target.incidentStart);
  // The AWS SDK only once the input is known good: a bad flag or plan is reported in well under a second.
  const { AwsClients } = await import("../automation/aws.js");
  const { emit, close: closeEvents } = await eventSinkFor(Boolean(globals.json), plan);
  const common = {
    plan,
    targetRegion: target.targetRegion,
    emit,
    signal,
    incidentStart,
    planFile: target.plan,
    reportLanguage: globals.lang,
  };
  if (globals.emulator) {
    const { startEmulatorSession } = await import("../emulator/rehearsal/session.js");
    const session = await startEmulatorSession({
      plan,
      targetRegion: target.targetRegion,
      stateDir: globals.stateDir,
      // stderr: stdout stays the journey's (plain lines, the live view or NDJSON).
      onProgress: (message) => err(`emulator: ${message}`),
    });
    const aws = new AwsClients({ endpoint: session.endpoint });
    return {
      ctx: {
        ...common,
        plan: session.plan,
        aws,
        connectTo: session.connectTo,
        workspace: {
          stateDir: session.stateDir,
          secretsProvider: globals.secretsProvider ?? session.secretsProvider,
          emulator: { standinBinDir: session.standinBinDir },
          pulumiRoot: session.pulumiRoot,
        },
      },
      close: async () => {
        await closeEvents();
        aws.destroy();
        await session.stop();
      },
    };
  }
  const aws = new AwsClients({ endpoint: globals.endpointUrl ?? process.env.AWS_ENDPOINT_URL });
  return {
    ctx: {
      ...common,
      aws,
      connectTo: await labConnectTo(),
      workspace: { stateDir: globals.stateDir, backendUrl: globals.backend, secretsProvider: globals.secretsProvider },
    },
    close: async () => {
      await closeEvents();
      aws.destroy();
    },
  };
}
