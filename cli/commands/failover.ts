import type { GlobalOptions, TargetOptions } from "../options.js";
import { runJourneyCommand } from "./journey.js";

export interface FailoverCommandOptions extends TargetOptions {
  confirm?: string;
}

export async function failoverCommand(
  globals: GlobalOptions,
  signal: AbortSignal,
  options: FailoverCommandOptions,
): Promise<void> {
  await runJourneyCommand(
    globals,
    options,
    signal,
    async (ctx) => {
      const { runFailover } = await import("../../automation/journeys/failover.js");
      return runFailover(ctx, {
        confirm: options.confirm,
        snapshotIdentifier: options.snapshot,
        restoreTime: options.restoreTime,
        acceptDataLoss: options.acceptDataLoss,
      });
    },
    // A missing or wrong --confirm is refused before the AWS SDK and the engine load.
    (planModule, plan) => planModule.checkFailoverConfirmation(plan, options.confirm),
  );
}
