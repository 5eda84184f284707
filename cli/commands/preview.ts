import { journeyContext } from "../context.js";
import type { GlobalOptions, TargetOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { out } from "../render/output.js";

export async function previewCommand(
  globals: GlobalOptions,
  signal: AbortSignal,
  options: TargetOptions,
): Promise<void> {
  const { ctx, close } = await journeyContext(globals, options, signal);
  try {
    const { runPreview } = await import("../../automation/journeys/preview.js");
    const result = await runPreview(ctx, {
      snapshotIdentifier: options.snapshot,
      acceptDataLoss: options.acceptDataLoss,
    });
    if (globals.json) outJson({ type: "preview", stackName: result.stackName, changeSummary: result.changeSummary });
    else {
      out(`failover stack ${result.stackName} would restore ${result.preflight.restorePoint.snapshotIdentifier}:`);
      for (const [op, count] of Object.entries(result.changeSummary)) out(`  ${op}: ${count}`);
    }
  } finally {
    await close();
  }
}
