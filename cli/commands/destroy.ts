import type { GlobalOptions, TargetOptions } from "../options.js";
import { runJourneyCommand } from "./journey.js";

export interface DestroyCommandOptions extends TargetOptions {
  stack?: string;
  force?: boolean;
  strandDrWrites?: boolean;
}

export async function destroyCommand(
  globals: GlobalOptions,
  signal: AbortSignal,
  options: DestroyCommandOptions,
): Promise<void> {
  await runJourneyCommand(globals, options, signal, async (ctx) => {
    const { runDestroy } = await import("../../automation/journeys/destroy.js");
    return runDestroy(ctx, { stackName: options.stack, force: options.force, strandDrWrites: options.strandDrWrites });
  });
}
