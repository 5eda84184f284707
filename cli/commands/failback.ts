import type { GlobalOptions, TargetOptions } from "../options.js";
import { runJourneyCommand } from "./journey.js";

export interface FailbackCommandOptions extends TargetOptions {
  confirm?: string;
  method?: string;
  prepareOnly?: boolean;
  sourceKmsKey?: string;
}

export async function failbackCommand(
  globals: GlobalOptions,
  signal: AbortSignal,
  options: FailbackCommandOptions,
): Promise<void> {
  await runJourneyCommand(
    globals,
    options,
    signal,
    async (ctx) => {
      const { runFailback } = await import("../../automation/journeys/failback.js");
      return runFailback(ctx, {
        confirm: options.confirm,
        method: options.method,
        prepareOnly: options.prepareOnly,
        sourceKmsKeyId: options.sourceKmsKey,
      });
    },
    // A missing or wrong --confirm is refused before the AWS SDK and the engine load.
    (planModule, plan) => planModule.checkFailoverConfirmation(plan, options.confirm, "failback"),
  );
}
