/**
 * Crashes through the real CLI (real engine, stand-in plugin, moto): the CLI's
 * process group (the CLI, the pulumi engine and its plugins, as when the
 * machine running them dies) is SIGKILLed at each phase boundary of a failover
 * and in the middle of up and destroy (timed on its --json event stream), then
 * the same command is run again. Drills: crash-drill.test.ts. Pinned: the journey completes,
 * the DR database is never replaced (same DbiResourceId and InstanceCreateTime),
 * nothing is orphaned or duplicated in moto, the production record is never
 * deleted, the replica bucket's object versions never change, and the journal
 * says where the killed run stopped. Ctrl-C: interrupts.test.ts.
 */
import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { readJournal } from "../../automation/journal.js";
import { diffMotoState } from "../support/moto-state.js";
import { fileBytes, spawnCli, TARGET } from "../support/cli-world.js";
import { DB, phaseStarted, PROD, rdsStarted, show, useResilienceWorld, warningCodes } from "../support/resilience.js";

const r = useResilienceWorld("crash matrix (failover)");

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("SIGKILL at phase boundaries and in the middle of up and destroy, then the same command again", {
  timeout: 420_000,
}, () => {
  it("failover killed at every boundary (provision, mid-create of the database, dns, verification) resumes without replacing the database", async () => {
    const { killed, completes, failover, invariants, matrix } = r.kit;
    // Before the engine ever started: the stack exists, nothing else.
    const first = await killed(failover(), phaseStarted("provision"));
    const firstStart = first.events.find((event) => event.type === "run-started") as
      | { runId: string; incidentStart: string }
      | undefined;
    await invariants();

    await killed(failover(), rdsStarted("create"), 1_500);
    const journal = await readJournal(r.w.stateDir);
    const provision = journal.filter((entry) => entry.step === "provision");
    expect(provision.map((entry) => entry.result)).toEqual(["started", "started"]); // where they stopped: in provision, never finished
    const created = await r.w.drDatabase();
    expect(created, "the killed run had restored the database").toBeDefined();
    await invariants();

    // The re-run finds the stale locks (the journey's and the engine's) and the pending create: clears the locks,
    // adopts the create; killed again before DNS.
    const atDns = await killed(failover(), phaseStarted("dns"));
    expect(warningCodes(atDns)).toEqual(
      expect.arrayContaining([
        "JOURNEY_LOCK_STALE_CLEARED",
        "RECOVERY_STALE_LOCK_CLEARED",
        "RECOVERY_PENDING_OPERATIONS_RESOLVED",
      ]),
    );
    expect(JSON.stringify(atDns.events)).toMatch(
      /adopted \d+ that exist in AWS \([^)]*aws:rds\/instance:Instance database/,
    );
    expect(await r.w.drDatabase()).toEqual(created);
    await invariants();

    // Killed after the switch, before verification: the re-run finds production already pointing at it.
    await killed(failover(), phaseStarted("verification"));
    expect(recordTarget(await readRecord(r.w.aws.route53(), r.w.world.hostedZoneId!, PROD))).toMatch(
      /elb\.amazonaws\.com$/,
    );
    await invariants();

    const last = await completes(failover());
    matrix.resumed += 1;
    // The clock survived the crashes: every re-run measured from the first run's incident start.
    expect(last.events.find((event) => event.type === "run-started")).toMatchObject({
      incidentStart: firstStart?.incidentStart,
    });
    expect(warningCodes(last)).toContain("INCIDENT_CLOCK_CONTINUED");
    const finished = last.events.find((event) => event.type === "run-finished") as
      | { reportPaths: string[] }
      | undefined;
    const report = JSON.parse(await readFile(finished!.reportPaths[0], "utf8"));
    expect(report).toMatchObject({ incidentStart: firstStart?.incidentStart, incidentClockOf: firstStart?.runId });
    // The killed run's own report says it was interrupted, and where.
    const killedReport = JSON.parse(
      await readFile(join(r.w.stateDir, "runs", firstStart!.runId, "report.json"), "utf8"),
    );
    expect(killedReport).toMatchObject({ result: "failed", error: { code: "INTERRUPTED" } });
    expect(killedReport.error.message).toMatch(/^interrupted (during|after) \S+/);
    expect(await r.w.drDatabase()).toEqual(created);
    expect(JSON.stringify(last.events)).toContain("already points at");
    expect(last.events.some((event) => event.type === "run-finished" && event.ok)).toBe(true);
    const recovery = (await readJournal(r.w.stateDir)).filter((entry) => entry.step === "recovery");
    expect(recovery.length).toBeGreaterThanOrEqual(2);
    await invariants();
  });

  it("destroy killed mid-delete of the database: a preview then changes no byte of the state; the destroy resumes: one final snapshot, production restored, nothing left", async () => {
    const { killed, completes, destroy, invariants, matrix } = r.kit;
    await killed(destroy(), rdsStarted("delete"), 1_500);
    await invariants();

    // The stack now has a stale lock, a pending delete and destroy's release config: a preview recovers
    // nothing, writes no config, no journal line and no report (the whole state dir, byte for byte).
    const stateBefore = await fileBytes(r.w.stateDir);
    const motoBefore = await r.w.summary();
    const preview = await spawnCli([...r.w.globals(), "preview", "-p", r.w.planPath, "-r", TARGET], { env: r.w.env() });
    expect(preview.exitCode, show(preview)).toBe(0);
    expect(preview.events.find((event) => event.type === "preview")).toMatchObject({ stackExists: true });
    expect(Object.keys(stateBefore)).toContain("journal.ndjson");
    expect(await fileBytes(r.w.stateDir)).toEqual(stateBefore);
    expect(await r.w.summary()).toEqual(motoBefore);

    await completes(destroy());
    matrix.resumed += 1;
    const record = await readRecord(r.w.aws.route53(), r.w.world.hostedZoneId!, PROD);
    expect(recordTarget(record)).toBe(r.w.world.productionRecordValue);
    const finals = (await r.w.aws.rds(TARGET).send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter(
      (snapshot) => snapshot.DBSnapshotIdentifier?.startsWith(`${DB}-final-`),
    );
    expect(finals).toHaveLength(1);
    const diff = diffMotoState(r.baseline, await r.w.summary());
    expect(diff.removed).toEqual({});
    const expected = {
      // The cache's final snapshot too: a destroy resumed after a kill still leaves exactly one.
      [`elasticache/${TARGET}/snapshots`]: [
        expect.stringMatching(/^peoplebooster-production-redis-dr-final-[0-9a-f]{4}$/),
      ],
      [`rds/${TARGET}/snapshots`]: [finals[0].DBSnapshotIdentifier],
      [`secretsmanager/${TARGET}/secrets`]: [
        expect.stringMatching(
          /^peoplebooster\/production\/database\/dr-failover-[0-9a-f]{4} \(scheduled for deletion\)$/,
        ),
      ],
    };
    matrix.orphaned += Object.values(diff.added).flat().length - Object.values(expected).flat().length;
    expect(diff.added).toEqual(expected);
    await invariants();
  });
});
