/** The plan file's own commands: validate one, print the schema. */
import type { GlobalOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { out } from "../render/output.js";

export async function validateCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  options: { plan: string },
): Promise<void> {
  const { loadPlan } = await import("../../automation/plan.js");
  const plan = await loadPlan(options.plan);
  const targetRegions = Object.keys(plan.targets);
  if (globals.json)
    return outJson({
      type: "validate",
      file: options.plan,
      valid: true,
      app: plan.app,
      sourceRegion: plan.sourceRegion,
      targetRegions,
    });
  out(`${options.plan}: valid (${plan.app}, ${plan.sourceRegion} → ${targetRegions.join(", ")})`);
}

/** The schema document itself, for editors; under --json wrapped like every other JSON line. */
export async function planSchemaCommand(globals: GlobalOptions): Promise<void> {
  const { planJsonSchema } = await import("../../automation/plan.js");
  if (globals.json) return outJson({ type: "plan-schema", schema: planJsonSchema() });
  out(JSON.stringify(planJsonSchema(), null, 2));
}
