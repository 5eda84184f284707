/**
 * Preview: what a failover would create or change. Read-only: no recovery, no
 * config written, no journal line, no report. The engine works in a scratch
 * folder: an existing failover stack is previewed from a copy of its settings (from the backend)
 * (its config and secrets provider) against its state, which a preview never
 * writes; a stack that does not exist yet is previewed as a throwaway stack in
 * a throwaway backend.
 */
import { type EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkSameRegionRecovery, checkTargetRegion } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import { engineError } from "../run/engine-errors.js";
import { newRunId } from "../run/ids.js";
import { preflightPhase, stackConfigFor } from "../run/phases.js";
import { Run } from "../run/run.js";
import { stackArgsFor, stackResourceNamesFor } from "../run/stack-args.js";
import { parseUrn, stackNameFor } from "../vocabulary.js";
import { findStack, openWorkspace } from "../workspace.js";
import type { JourneyContext, ProvisionOptions } from "../run/context.js";

/** One resource the failover would touch (never "same"). */
export interface PreviewChange {
  op: string;
  type: string;
  name: string;
}

export interface PreviewResult {
  stackName: string;
  /** Whether the failover stack exists (a re-run) or would be created. */
  stackExists: boolean;
  changeSummary: Record<string, number>;
  /** What would be created, updated, replaced or deleted, in the engine's order. */
  changes: PreviewChange[];
  warnings: { code: string; message: string }[];
  preflight: PreflightResult;
  stdout: string;
}

/** What a failover would create or change; changes nothing. */
export async function runPreview(ctx: JourneyContext, options: ProvisionOptions = {}): Promise<PreviewResult> {
  checkTargetRegion(ctx.plan, ctx.targetRegion);
  checkSameRegionRecovery(ctx.plan, ctx.targetRegion, options);
  const runId = newRunId("preview");
  const stackName = stackNameFor(ctx.plan.app, "failover", ctx.targetRegion, runId);
  const run = new Run(ctx, "failover", runId, stackName, false);
  const scratch = await mkdtemp(join(tmpdir(), "dr-failover-preview-"));
  try {
    // The real backend, read through a scratch workspace: the stack's own settings stay as they are.
    const workDir = join(scratch, "workspace");
    const workspace = await openWorkspace({ ...ctx.workspace, workDir });
    const existing = await findStack(ctx.workspace, workspace, stackName);
    const names = stackResourceNamesFor(ctx.plan, ctx.targetRegion, "failover", runId);
    const preflight = await preflightPhase(run, "preview", options, names, Promise.resolve(workspace));
    const args = stackArgsFor(ctx.plan, ctx.targetRegion, "failover", runId, preflight, ctx.aws.sharedEndpoint);
    let stack: Stack;
    if (existing) {
      // findStack brought its settings from the backend into the scratch workspace.
      stack = existing;
    } else {
      const throwaway = await openWorkspace({
        ...ctx.workspace,
        stateDir: join(scratch, "state"),
        backendUrl: undefined,
        workDir: undefined,
      });
      stack = await Stack.create(stackName, throwaway);
    }
    // As the failover would configure it, written to the scratch copy only.
    await stack.setAllConfig(stackConfigFor(run, args, preflight, existing ? await stack.getAllConfig() : {}));
    const changes: PreviewChange[] = [];
    const onEvent = (event: EngineEvent) => {
      const step = event.resourcePreEvent?.metadata;
      if (!step || step.op === "same" || step.op === "read") return;
      const { type, name } = parseUrn(step.urn);
      // The AWS resources only: not the stack, its components or the provider.
      if (!type.startsWith("aws:")) return;
      changes.push({ op: step.op, type, name });
    };
    try {
      const result = await stack.preview({ color: "never", diff: false, onEvent });
      return {
        stackName,
        stackExists: Boolean(existing),
        changeSummary: result.changeSummary as Record<string, number>,
        changes,
        warnings: run.report.warnings,
        preflight,
        stdout: run.redact(result.stdout),
      };
    } catch (error) {
      throw engineError(run, "preview", error);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
