import type { PolicyJourney } from "../../automation/iam-policy.js";
import type { GlobalOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { out } from "../render/output.js";

export interface IamPolicyCommandOptions {
  plan: string;
  targetRegion?: string;
  journey: PolicyJourney;
  accountId?: string;
}

export async function iamPolicyCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  options: IamPolicyCommandOptions,
): Promise<void> {
  const { loadPlan } = await import("../../automation/plan.js");
  const { iamPolicyFor } = await import("../../automation/iam-policy.js");
  const plan = await loadPlan(options.plan);
  const policy = iamPolicyFor(plan, {
    journey: options.journey,
    targetRegions: options.targetRegion ? [options.targetRegion] : undefined,
    accountId: options.accountId,
  });
  // The policy document as IAM takes it (no extra keys); under --json wrapped like every other JSON line.
  if (globals.json) return outJson({ type: "iam-policy", policy });
  out(JSON.stringify(policy, null, 2));
}
