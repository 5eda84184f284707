import type { ReadinessCheckResult } from "../../automation/check.js";
import type { GlobalOptions } from "../options.js";
import { outJson } from "../render/json.js";
import { err, out } from "../render/output.js";

export interface CheckCommandOptions {
  plan: string;
  targetRegion?: string;
  allTargets?: boolean;
}

/** The table for people: per target, what was looked at, then each finding once with its fix. */
function printTable(result: ReadinessCheckResult): void {
  for (const target of result.targets) {
    const problems = target.findings.filter((finding) => finding.severity === "problem").length;
    const warnings = target.findings.length - problems;
    out(
      `${result.app} → ${target.targetRegion}: ${target.ready ? "READY" : "NOT READY"} (${problems} problem${problems === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"})`,
    );
    const width = Math.max(...target.facts.map((fact) => fact.name.length));
    const mark = { ok: "✔", warning: "⚠", problem: "✖" } as const;
    for (const fact of target.facts) out(`  ${mark[fact.status]} ${fact.name.padEnd(width)}  ${fact.value}`);
    for (const finding of target.findings)
      out(`  ${finding.severity === "problem" ? "✖ problem" : "⚠ warning"} ${finding.code}: ${finding.message}`);
  }
}

export async function checkCommand(
  globals: GlobalOptions,
  _signal: AbortSignal,
  options: CheckCommandOptions,
): Promise<void> {
  const { loadPlan, checkTargetRegion } = await import("../../automation/plan.js");
  const { PreconditionError, UsageError } = await import("../../automation/errors.js");
  const plan = await loadPlan(options.plan);
  if (Boolean(options.targetRegion) === Boolean(options.allTargets)) {
    throw new UsageError("CHECK_TARGET_REQUIRED", "give one of -r <region> and --all-targets", {
      hint: `Check one target (-r ${Object.keys(plan.targets)[0]}) or every target of the plan (--all-targets).`,
    });
  }
  if (options.targetRegion) checkTargetRegion(plan, options.targetRegion);
  if (globals.emulator && !options.targetRegion) {
    throw new UsageError("CHECK_EMULATOR_ONE_TARGET", "--emulator seeds one target region: give -r <region>", {
      hint: `e.g. dr-failover --emulator check -p ${options.plan} -r ${Object.keys(plan.targets)[0]}`,
    });
  }
  const targetRegions = options.targetRegion ? [options.targetRegion] : Object.keys(plan.targets);
  const { AwsClients } = await import("../../automation/aws.js");
  const { runReadinessCheck } = await import("../../automation/check.js");
  const { backendUrlOf } = await import("../../automation/vocabulary.js");

  let result: ReadinessCheckResult;
  if (globals.emulator) {
    const { startEmulatorSession } = await import("../../emulator/rehearsal/session.js");
    const session = await startEmulatorSession({
      plan,
      targetRegion: targetRegions[0],
      stateDir: globals.stateDir,
      onProgress: (message) => err(`emulator: ${message}`),
    });
    const aws = new AwsClients({ endpoint: session.endpoint });
    try {
      result = await runReadinessCheck({
        plan: session.plan,
        targetRegions,
        aws,
        stateDir: session.stateDir,
        backendUrl: backendUrlOf({ stateDir: session.stateDir }),
        emulator: true,
      });
    } finally {
      aws.destroy();
      await session.stop();
    }
  } else {
    const aws = new AwsClients({ endpoint: globals.endpointUrl ?? process.env.AWS_ENDPOINT_URL });
    try {
      result = await runReadinessCheck({
        plan,
        targetRegions,
        aws,
        stateDir: globals.stateDir,
        backendUrl: backendUrlOf({ stateDir: globals.stateDir, backendUrl: globals.backend }),
        emulator: false,
      });
    } finally {
      aws.destroy();
    }
  }

  if (globals.json) outJson({ type: "check", ...result });
  else printTable(result);
  if (!result.ready) {
    const notReady = result.targets.filter((target) => !target.ready).map((target) => target.targetRegion);
    // The findings were printed above, each once: the error only says the outcome.
    throw new PreconditionError(
      "NOT_READY",
      `${notReady.join(", ")} ${notReady.length === 1 ? "is" : "are"} not ready for a failover; nothing was created`,
      { hint: "Fix each problem listed above, then re-run dr-failover check." },
    );
  }
}
