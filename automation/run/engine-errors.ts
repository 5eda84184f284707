/** Pulumi engine failures → typed errors the CLI can show (redacted, with the engine's telling lines). */
import { formatDuration } from "../clock.js";
import { DrFailoverError, InterruptedError, ToolError } from "../errors.js";
import { RESOURCE_TYPES } from "../vocabulary.js";
import type { Run } from "./run.js";

export function interrupted(stackName: string, where: string): InterruptedError {
  return new InterruptedError("INTERRUPTED", `interrupted ${where} (stack ${stackName})`, {
    hint: "Re-run the same command: it resumes from the recorded state (a stale lock or half-done operation of the interrupted run is cleared first), and a failover continues this run's incident clock (--incident-start sets another).",
  });
}

/** The resources whose create waits on readiness in the provider (stacks/database.ts, stacks/service.ts). */
const READY_WAITS = new Set<string>([RESOURCE_TYPES.rdsInstance, RESOURCE_TYPES.ecsService]);

/** Pulumi failures become one ToolError with the engine's last lines (redacted). */
export function engineError(run: Run, operation: string, error: unknown): DrFailoverError {
  if (error instanceof DrFailoverError) return error;
  // The engine was told to stop (Ctrl-C → signal → SIGINT to pulumi): it stopped cleanly.
  if (run.ctx.signal?.aborted) return interrupted(run.stackName, `during pulumi ${operation}`);
  const text = error instanceof Error ? error.message : String(error);
  const lines = run
    .redact(text)
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("at ") && !/^(stdout|stderr|code|err\?):?$/.test(line));
  const interesting = lines.filter((line) => /error|failed|refus|denied|exists|not found/i.test(line)).slice(-8);
  // A provider wait that outlasted its (default) timeout: "timeout while waiting for …" on the database or the service.
  const stuck =
    operation === "up" && /timeout while waiting/i.test(text)
      ? run.clock.spans.find(
          (span) => span.kind === "resource" && span.ok === false && READY_WAITS.has(span.resourceType ?? ""),
        )
      : undefined;
  if (stuck) {
    return new ToolError(
      "WAIT_TIMED_OUT",
      `${stuck.name} (${stuck.resourceType}) was not ready within the provider's timeout (after ${formatDuration(stuck.durationMs ?? 0)})`,
      {
        // The provider's own timeout line first (it has no "error" in it), then the engine's.
        details: [...new Set([...lines.filter((line) => /timeout while waiting/i.test(line)), ...interesting])].slice(
          0,
          8,
        ),
        hint:
          run.journey === "drill"
            ? `The RTO is missed at this pace. The drill tears down what it created (if that fails too: dr-failover destroy --stack ${run.stackName}).`
            : `The RTO is missed at this pace; production DNS was not switched. Check ${stuck.name} in the AWS console, then re-run the same command: it resumes with the same resources, waits for the database (and sets its master password) within the RTO budget left, and switches DNS only once the database and the service were verified.`,
      },
    );
  }
  return new ToolError(`PULUMI_${operation.toUpperCase()}_FAILED`, `pulumi ${operation} of ${run.stackName} failed`, {
    details: interesting.length ? interesting : lines.slice(-8),
    hint: "Re-run the same command: the update resumes from the recorded state.",
  });
}
