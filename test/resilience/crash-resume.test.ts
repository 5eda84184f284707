/**
 * Crashes and interrupts through the real CLI (real engine, stand-in plugin,
 * moto): the CLI's process group is SIGKILLed at chosen points (timed on its
 * --json event stream), or sent SIGINT, then the same command is run again.
 * Pinned: the journey completes, the DR database is never replaced (same
 * DbiResourceId and InstanceCreateTime), nothing is orphaned or duplicated in
 * moto, the production record is never deleted, the replica bucket's object
 * versions never change, and the journal says where the killed run stopped.
 */
import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { readJournal } from "../../automation/journal.js";
import { diffMotoState, type MotoStateSummary } from "../support/moto-state.js";
import { spawnCli, startCliWorld, TARGET, type CliEvent, type CliRun, type CliWorld } from "../support/cli-world.js";

const PROD = "api.peoplebooster.example.com";
const DB = "peoplebooster-production-dr";
// RDS create/delete take ~3 s (everything else is fast): long enough to kill in the middle, short enough for CI.
const LATENCY = JSON.stringify({ "aws:rds/instance:Instance": { create: 300, update: 0, delete: 300 } });

let w: CliWorld;
let baseline: MotoStateSummary;
let versionsBefore: Record<string, string[]>;
const matrix = { kills: 0, interrupts: 0, resumed: 0, orphaned: 0 };

beforeAll(async () => {
  w = await startCliWorld({ latency: LATENCY });
  baseline = await w.summary();
  versionsBefore = await w.replicaVersions();
}, 120_000);

afterAll(async () => {
  // The figure for the resilience note.
  console.log(`resilience matrix: kills injected=${matrix.kills} interrupts=${matrix.interrupts} resumes completed=${matrix.resumed} resources orphaned=${matrix.orphaned}`);
  await w?.stop();
});

const failover = () => [...w.globals(), "failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD];
const destroy = (...extra: string[]) => [...w.globals(), "destroy", "-p", w.planPath, "-r", TARGET, ...extra];
const rdsStarted = (op: string) => (event: CliEvent) => event.type === "resource" && event.status === "started" && event.resourceType === "aws:rds/instance:Instance" && event.op === op;
const phaseStarted = (phase: string) => (event: CliEvent) => event.type === "phase-started" && event.phase === phase;
const show = (run: CliRun) => `exit ${run.exitCode} signal ${run.signal}\n--- stderr\n${run.stderr.slice(-3000)}\n--- stdout\n${run.stdout.slice(-3000)}`;
const warningCodes = (run: CliRun) => run.events.filter((event) => event.type === "warning").map((event) => event.code);

async function killed(args: string[], when: (event: CliEvent) => boolean, delayMs = 0): Promise<CliRun> {
  const run = await spawnCli(args, { env: w.env(), killWhen: when, delayMs });
  expect(run.triggered, show(run)).toBe(true);
  expect(run.signal, show(run)).toBe("SIGKILL");
  matrix.kills += 1;
  return run;
}

async function completes(args: string[]): Promise<CliRun> {
  const run = await spawnCli(args, { env: w.env() });
  expect(run.exitCode, show(run)).toBe(0);
  return run;
}

async function invariants() {
  // The production record exists (never deleted), the replica objects are untouched.
  const production = await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD);
  expect(production).toBeDefined();
  expect(await w.replicaVersions()).toEqual(versionsBefore);
}

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("SIGKILL at phase boundaries and in the middle of up and destroy, then the same command again", { timeout: 420_000 }, () => {
  it("failover killed mid-create of the database, then at the DNS step, resumes without replacing the database", async () => {
    await killed(failover(), rdsStarted("create"), 1_500);
    const journal = await readJournal(w.stateDir);
    const provision = journal.filter((entry) => entry.step === "provision");
    expect(provision.map((entry) => entry.result)).toEqual(["started"]); // where it stopped: in provision, never finished
    const created = await w.drDatabase();
    expect(created, "the killed run had restored the database").toBeDefined();
    await invariants();

    // The re-run finds the stale lock and the pending create: clears one, adopts the other; killed again before DNS.
    const second = await killed(failover(), phaseStarted("dns"));
    expect(warningCodes(second)).toEqual(expect.arrayContaining(["RECOVERY_STALE_LOCK_CLEARED", "RECOVERY_PENDING_OPERATIONS_RESOLVED"]));
    expect(JSON.stringify(second.events)).toMatch(/adopted \d+ that exist in AWS \([^)]*aws:rds\/instance:Instance database/);
    expect(await w.drDatabase()).toEqual(created);
    await invariants();

    const third = await completes(failover());
    matrix.resumed += 1;
    expect(await w.drDatabase()).toEqual(created);
    const record = await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD);
    expect(recordTarget(record)).toMatch(/elb\.amazonaws\.com$/);
    expect(third.events.some((event) => event.type === "run-finished" && event.ok)).toBe(true);
    const recovery = (await readJournal(w.stateDir)).filter((entry) => entry.step === "recovery");
    expect(recovery.length).toBeGreaterThanOrEqual(2);
    await invariants();
  });

  it("destroy killed mid-delete of the database resumes: one final snapshot, production restored, nothing left", async () => {
    await killed(destroy(), rdsStarted("delete"), 1_500);
    await invariants();
    await completes(destroy());
    matrix.resumed += 1;
    const record = await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD);
    expect(recordTarget(record)).toBe(w.world.productionRecordValue);
    const finals = (await w.aws.rds(TARGET).send(new DescribeDBSnapshotsCommand({}))).DBSnapshots!.filter((snapshot) => snapshot.DBSnapshotIdentifier?.startsWith(`${DB}-final-`));
    expect(finals).toHaveLength(1);
    const diff = diffMotoState(baseline, await w.summary());
    expect(diff.removed).toEqual({});
    const expected = {
      [`rds/${TARGET}/snapshots`]: [finals[0].DBSnapshotIdentifier],
      [`secretsmanager/${TARGET}/secrets`]: [expect.stringMatching(/^peoplebooster\/production\/database\/dr-failover-[0-9a-f]{4} \(scheduled for deletion\)$/)],
    };
    matrix.orphaned += Object.values(diff.added).flat().length - Object.values(expected).flat().length;
    expect(diff.added).toEqual(expected);
    baseline = await w.summary();
    await invariants();
  });
});

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("Ctrl-C", { timeout: 420_000 }, () => {
  it("SIGINT during the update stops the engine, exits 130, journals where it stopped; the re-run completes and destroy cleans up", async () => {
    // The previous test's destroyed failover left its secret in the 7-day recovery window: a new
    // failover must still work (each stack generation names its secret apart).
    baseline = await w.summary();
    const run = await spawnCli(failover(), { env: w.env(), interruptWhen: rdsStarted("create"), delayMs: 500 });
    expect(run.triggered).toBe(true);
    expect(run.exitCode, show(run)).toBe(130);
    expect(run.stderr).toMatch(/interrupt: stopping the engine cleanly/);
    expect(run.stderr).toMatch(/error INTERRUPTED: interrupted during pulumi up/);
    matrix.interrupts += 1;
    const journal = (await readJournal(w.stateDir)).filter((entry) => entry.runId === run.events.find((event) => event.type === "run-started")?.runId);
    expect(journal.find((entry) => entry.step === "provision" && entry.result === "failed")?.detail).toMatch(/interrupted/);
    expect(journal.at(-1)).toMatchObject({ step: "finished", result: "failed", detail: "INTERRUPTED" });
    const created = await w.drDatabase();
    await invariants();

    await completes(failover());
    matrix.resumed += 1;
    if (created) expect(await w.drDatabase()).toEqual(created);
    await completes(destroy());
    const diff = diffMotoState(baseline, await w.summary());
    expect(diff.removed).toEqual({});
    const leftovers = Object.entries(diff.added).flatMap(([key, names]) => names.filter((name) => !(key.endsWith("/snapshots") && name.startsWith(`${DB}-final-`)) && !name.includes("scheduled for deletion")));
    matrix.orphaned += leftovers.length;
    expect(leftovers).toEqual([]);
    baseline = await w.summary();
    await invariants();
  });

  it("a second Ctrl-C aborts at once (130); the next run clears what the aborted engine left and completes", async () => {
    const run = await spawnCli([...w.globals(), "drill", "-p", w.planPath, "-r", TARGET], {
      env: w.env(),
      interruptWhen: rdsStarted("create"),
      delayMs: 300,
      secondInterruptAfterMs: 200,
    });
    expect(run.exitCode, show(run)).toBe(130);
    expect(run.stderr).toMatch(/second interrupt: aborting now/);
    matrix.interrupts += 1;
    const stackName = String(run.events.find((event) => event.type === "run-started")?.stackName);
    // The journal still says how the run ended.
    const runId = run.events.find((event) => event.type === "run-started")?.runId;
    expect((await readJournal(w.stateDir)).filter((entry) => entry.runId === runId).at(-1)).toMatchObject({ step: "finished", result: "failed", detail: expect.stringMatching(/^ABORTED: second Ctrl-C/) });
    // The drill's own stack is what the aborted run left: destroy it by name.
    await completes(destroy("--stack", stackName));
    matrix.resumed += 1;
    const diff = diffMotoState(baseline, await w.summary());
    const leftovers = Object.values(diff.added).flat();
    matrix.orphaned += leftovers.length;
    expect(diff).toEqual({ added: {}, removed: {} });
    await invariants();
  });
});

describe("an s3:// state backend", { timeout: 420_000 }, () => {
  it("a drill killed mid-create leaves its lock in the bucket: destroy --stack clears it (owner gone) and removes everything", async () => {
    const bucket = "peoplebooster-dr-state";
    const s3 = w.aws.s3("us-west-2");
    await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: "us-west-2" } }));
    const backend = ["--backend", `s3://${bucket}/dr?region=us-west-2&endpoint=${w.moto.endpoint.replace("http://", "")}&disableSSL=true&s3ForcePathStyle=true`];
    const before = await w.summary();

    const run = await killed([...w.globals(), ...backend, "drill", "-p", w.planPath, "-r", TARGET], rdsStarted("create"), 1_000);
    const stackName = String(run.events.find((event) => event.type === "run-started")?.stackName);
    const locks = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dr/.pulumi/locks/" }))).Contents ?? [];
    expect(locks.map((lock) => lock.Key)).toEqual([expect.stringMatching(new RegExp(`^dr/\\.pulumi/locks/.*/${stackName}/[^/]+\\.json$`))]);

    const destroyed = await completes([...w.globals(), ...backend, "destroy", "-p", w.planPath, "-r", TARGET, "--stack", stackName]);
    matrix.resumed += 1;
    const cleared = destroyed.events.find((event) => event.type === "warning" && event.code === "RECOVERY_STALE_LOCK_CLEARED");
    expect(String(cleared?.message)).toMatch(new RegExp(`cleared the stale lock of stack ${stackName} \\(pid \\d+ on .*that process no longer exists\\) at s3://${bucket}/dr/\\.pulumi/locks/`));
    expect((await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: "dr/.pulumi/locks/" }))).Contents ?? []).toEqual([]);
    // Everything but the state bucket (which now holds the stack's history) is as before the drill.
    const withoutState = (summary: MotoStateSummary) => ({ ...summary, "s3/us-west-2/buckets": summary["s3/us-west-2/buckets"]?.filter((name) => !name.startsWith(bucket)) });
    const diff = diffMotoState(withoutState(before), withoutState(await w.summary()));
    matrix.orphaned += Object.values(diff.added).flat().length;
    expect(diff).toEqual({ added: {}, removed: {} });
    await invariants();
  });
});
