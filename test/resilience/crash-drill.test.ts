/**
 * Crashes of a drill through the real CLI (real engine, stand-in plugin, moto):
 * the CLI's process group is SIGKILLed before the drill's teardown and in the
 * middle of its update on an s3:// backend, then `destroy --stack` cleans up.
 * Pinned: nothing is orphaned in moto, the stale lock is cleared, the
 * production record is never touched, the replica bucket's object versions
 * never change. Failovers: crash-failover.test.ts; Ctrl-C: interrupts.test.ts.
 */
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { diffMotoState, type MotoStateSummary } from "../support/moto-state.js";
import { phaseStarted, rdsStarted, useResilienceWorld, runStarted } from "../support/resilience.js";

const r = useResilienceWorld("crash matrix (drill)");

describe("SIGKILL in a drill, then destroy --stack", { timeout: 420_000 }, () => {
  it("a drill killed after verification, before its teardown: destroy --stack removes everything it created", async () => {
    const { killed, completes, drill, destroy, invariants, matrix } = r.kit;
    const run = await killed(drill(), phaseStarted("teardown"));
    const stackName = String(runStarted(run)?.stackName);
    expect(await r.w.drDatabase(`${r.w.plan.database.sourceIdentifier}-drill-${stackName.slice(-4)}`)).toBeDefined();
    await completes(destroy("--stack", stackName));
    matrix.resumed += 1;
    const diff = diffMotoState(r.baseline, await r.w.summary());
    matrix.orphaned += Object.values(diff.added).flat().length;
    expect(diff).toEqual({ added: {}, removed: {} });
    await invariants();
  });
});

describe("an s3:// state backend", { timeout: 420_000 }, () => {
  it("a drill killed mid-create leaves its lock in the bucket: destroy --stack clears it (owner gone) and removes everything", async () => {
    const { killed, completes, drill, destroy, invariants, matrix } = r.kit;
    const bucket = "peoplebooster-dr-state";
    const s3 = r.w.aws.s3("us-west-2");
    await s3.send(
      new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "us-west-2" } }),
    );
    const backend = [
      "--backend",
      `s3://${bucket}/dr?region=us-west-2&endpoint=${r.w.moto.endpoint.replace("http://", "")}&disableSSL=true&s3ForcePathStyle=true`,
    ];
    const before = await r.w.summary();

    const run = await killed([...backend, ...drill()], rdsStarted("create"), 1_000);
    const stackName = String(runStarted(run)?.stackName);
    const locks =
      (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dr/.pulumi/locks/" }))).Contents ?? [];
    expect(locks.map((lock) => lock.Key)).toEqual([
      expect.stringMatching(new RegExp(`^dr/\\.pulumi/locks/.*/${stackName}/[^/]+\\.json$`)),
    ]);

    const destroyed = await completes([...backend, ...destroy("--stack", stackName)]);
    matrix.resumed += 1;
    const cleared = destroyed.events.find(
      (event) => event.type === "warning" && event.code === "RECOVERY_STALE_LOCK_CLEARED",
    );
    expect(String(cleared?.message)).toMatch(
      new RegExp(
        `cleared the stale lock of stack ${stackName} \\(pid \\d+ on .*that process no longer exists\\) at s3://${bucket}/dr/\\.pulumi/locks/`,
      ),
    );
    expect(
      (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dr/.pulumi/locks/" }))).Contents ?? [],
    ).toEqual([]);
    // Everything but the state bucket (which now holds the stack's history) is as before the drill.
    const withoutState = (summary: MotoStateSummary) => ({
      ...summary,
      "s3/us-west-2/buckets": summary["s3/us-west-2/buckets"]?.filter((name) => !name.startsWith(bucket)),
    });
    const diff = diffMotoState(withoutState(before), withoutState(await r.w.summary()));
    matrix.orphaned += Object.values(diff.added).flat().length;
    expect(diff).toEqual({ added: {}, removed: {} });
    await invariants();
  });
});
