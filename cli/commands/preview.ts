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
      restoreTime: options.restoreTime,
      acceptDataLoss: options.acceptDataLoss,
    });
    if (globals.json)
      outJson({
        type: "preview",
        stackName: result.stackName,
        stackExists: result.stackExists,
        changeSummary: result.changeSummary,
        changes: result.changes,
        warnings: result.warnings,
      });
    else {
      // Preflight's warnings were shown as they came (stderr), before this list.
      out(
        `failover stack ${result.stackName} (${result.stackExists ? "exists" : "new"}) would restore ${result.preflight.restorePoint.label}:`,
      );
      for (const change of result.changes) out(`  ${change.op.padEnd(8)} ${change.type}  ${change.name}`);
      if (result.changes.length === 0) out("  no changes");
      for (const [op, count] of Object.entries(result.changeSummary)) out(`  ${op}: ${count}`);
      if (result.warnings.length) out(`  ${result.warnings.length} warning(s) above`);
    }
  } finally {
    await close();
  }
}
