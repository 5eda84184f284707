/**
 * Ctrl-C through the real CLI (real engine, stand-in plugin, moto): SIGINT to
 * the CLI's pid, as a terminal sends it. The first stops the engine cleanly
 * (exit 130, the journal says where); a second aborts at once (the journal
 * still gets its closing line). The next run completes and leaves nothing
 * behind. SIGKILL: crash-failover.test.ts and crash-drill.test.ts.
 */
import { describe, expect, it } from "vitest";
import { readJournal } from "../../automation/journal.js";
import { diffMotoState } from "../support/moto-state.js";
import { spawnCli } from "../support/cli-world.js";
import { DB, rdsStarted, useResilienceWorld, runStarted, show } from "../support/resilience.js";

const r = useResilienceWorld("interrupt matrix");

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("Ctrl-C", { timeout: 420_000 }, () => {
  it("SIGINT during the update stops the engine, exits 130, journals where it stopped; the re-run completes and destroy cleans up", async () => {
    const { completes, failover, destroy, invariants, matrix } = r.kit;
    const run = await spawnCli(failover(), { env: r.w.env(), interruptWhen: rdsStarted("create"), delayMs: 500 });
    expect(run.triggered).toBe(true);
    expect(run.exitCode, show(run)).toBe(130);
    expect(run.stderr).toMatch(/interrupt: stopping the engine cleanly/);
    expect(run.stderr).toMatch(/error INTERRUPTED: interrupted during pulumi up/);
    matrix.interrupts += 1;
    const journal = (await readJournal(r.w.stateDir)).filter((entry) => entry.runId === runStarted(run)?.runId);
    expect(journal.find((entry) => entry.step === "provision" && entry.result === "failed")?.detail).toMatch(
      /interrupted/,
    );
    expect(journal.at(-1)).toMatchObject({ step: "finished", result: "failed", detail: "INTERRUPTED" });
    const created = await r.w.drDatabase();
    await invariants();

    await completes(failover());
    matrix.resumed += 1;
    if (created) expect(await r.w.drDatabase()).toEqual(created);
    await completes(destroy());
    const diff = diffMotoState(r.baseline, await r.w.summary());
    expect(diff.removed).toEqual({});
    // What a destroyed failover leaves on purpose: the final snapshots of its database and its cache, its
    // secret in the recovery window.
    const cacheGroup = `${r.w.plan.cache!.sourceReplicationGroupId}-dr`;
    const leftovers = Object.entries(diff.added).flatMap(([key, names]) =>
      names.filter(
        (name) =>
          !(key.startsWith("rds/") && key.endsWith("/snapshots") && name.startsWith(`${DB}-final-`)) &&
          !(key.startsWith("elasticache/") && key.endsWith("/snapshots") && name.startsWith(`${cacheGroup}-final-`)) &&
          !name.includes("scheduled for deletion"),
      ),
    );
    matrix.orphaned += leftovers.length;
    expect(leftovers).toEqual([]);
    r.baseline = await r.w.summary();
    await invariants();
  });

  it("a second Ctrl-C aborts at once (130); the next run clears what the aborted engine left and completes", async () => {
    const { completes, drill, destroy, invariants, matrix } = r.kit;
    const run = await spawnCli(drill(), {
      env: r.w.env(),
      interruptWhen: rdsStarted("create"),
      delayMs: 300,
      secondInterruptAfterMs: 200,
    });
    expect(run.exitCode, show(run)).toBe(130);
    expect(run.stderr).toMatch(/second interrupt: aborting now/);
    matrix.interrupts += 1;
    // The journal still says how the run ended.
    const started = runStarted(run);
    expect((await readJournal(r.w.stateDir)).filter((entry) => entry.runId === started?.runId).at(-1)).toMatchObject({
      step: "finished",
      result: "failed",
      detail: expect.stringMatching(/^ABORTED: second Ctrl-C/),
    });
    // The drill's own stack is what the aborted run left: destroy it by name.
    await completes(destroy("--stack", String(started?.stackName)));
    matrix.resumed += 1;
    const diff = diffMotoState(r.baseline, await r.w.summary());
    matrix.orphaned += Object.values(diff.added).flat().length;
    expect(diff).toEqual({ added: {}, removed: {} });
    await invariants();
  });
});
