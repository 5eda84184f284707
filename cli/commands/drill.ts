import type { GlobalOptions, TargetOptions } from "../options.js";
import { runJourneyCommand } from "./journey.js";

export interface DrillCommandOptions extends TargetOptions {
  keep?: boolean;
}

export async function drillCommand(
  globals: GlobalOptions,
  signal: AbortSignal,
  options: DrillCommandOptions,
): Promise<void> {
  await runJourneyCommand(globals, options, signal, async (ctx) => {
    const { runDrill } = await import("../../automation/journeys/drill.js");
    return runDrill(ctx, {
      snapshotIdentifier: options.snapshot,
      restoreTime: options.restoreTime,
      acceptDataLoss: options.acceptDataLoss,
      keep: options.keep,
    });
  });
}
