/** What the journey commands share: build the context, run the journey, print its summary, stop the emulator in any case. */
import type { RunReport } from "../../automation/report/model.js";
import type { JourneyContext } from "../../automation/run/context.js";
import { journeyContext, type Precheck } from "../context.js";
import type { GlobalOptions, TargetOptions } from "../options.js";
import { out } from "../render/output.js";
import { reportSummaryLines } from "../render/plain.js";

export async function runJourneyCommand(
  globals: GlobalOptions,
  options: TargetOptions,
  signal: AbortSignal,
  journey: (ctx: JourneyContext) => Promise<RunReport>,
  precheck?: Precheck,
): Promise<void> {
  const { ctx, close } = await journeyContext(globals, options, signal, precheck);
  try {
    const report = await journey(ctx);
    if (!globals.json) reportSummaryLines(report).forEach(out);
  } finally {
    await close();
  }
}
