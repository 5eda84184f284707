/**
 * AWS faults through the real CLI: a seeded fault proxy in front of moto
 * (throttling, 429, 500, 503, dropped connections) for the tool's SDK clients
 * and the stand-in plugin alike, the source region black-holed during the
 * failover, and a scan of everything written for the database passwords.
 *
 * Pinned:
 * - at 20 % injected errors a drill and a failover complete;
 * - at 100 % (switched on in the middle of the update) the failover fails fast
 *   with a clear error and a resumable state: at 0 % the re-run completes
 *   without replacing the database;
 * - the failover sends 0 requests to the (black-holed) source region;
 * - neither the seeded password nor the generated DB password appears in any
 *   stdout, stderr, journal, report or state file (secrets found = 0).
 */
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { readJournal } from "../../automation/journal.js";
import { diffMotoState, type MotoStateSummary } from "../support/moto-state.js";
import { startFaultProxy, type FaultProxy } from "../support/fault-proxy.js";
import { allFiles, spawnCli, startCliWorld, TARGET, type CliRun, type CliWorld } from "../support/cli-world.js";

const PROD = "api.peoplebooster.example.com";
const SEED = 20261128;

let w: CliWorld;
let proxy: FaultProxy;
let baseline: MotoStateSummary;
let versionsBefore: Record<string, string[]>;
/** Everything the CLI printed, for the secret scan. */
const printed: string[] = [];
const figures: string[] = [];
/** The DB password the failover generated, read from the DR secret in moto (destroy deletes it). */
let generatedPassword: string | undefined;

beforeAll(async () => {
  w = await startCliWorld();
  baseline = await w.summary();
  versionsBefore = await w.replicaVersions();
  proxy = await startFaultProxy({ target: w.moto.endpoint, seed: SEED, errorRate: 0, latencyMs: 5, blackholeRegions: [w.plan.sourceRegion], blackholeHangMs: 120_000 });
}, 120_000);

afterAll(async () => {
  console.log(`fault matrix: ${figures.join("; ")}`);
  await proxy?.stop();
  await w?.stop();
});

const show = (run: CliRun) => `exit ${run.exitCode}\n--- stderr\n${run.stderr.slice(-3000)}\n--- stdout\n${run.stdout.slice(-2000)}`;
const injectedTotal = () => Object.values(proxy.stats.injected).reduce((a, b) => a + b, 0);

async function cli(args: string[], options: Parameters<typeof spawnCli>[1] = {}): Promise<CliRun> {
  // The stand-in's SDK clients try 5 times (8 by default): at 100 % errors each failing call gives up sooner.
  const run = await spawnCli([...w.globals(proxy.endpoint), ...args], { env: w.env({ DR_STANDIN_MAX_ATTEMPTS: "5" }), ...options });
  printed.push(run.stdout, run.stderr);
  return run;
}

function figure(label: string, run: CliRun) {
  const line = `${label}: exit ${run.exitCode} in ${(run.durationMs / 1000).toFixed(1)} s, ${proxy.stats.requests} AWS requests, ${injectedTotal()} faults injected (${JSON.stringify(proxy.stats.injected)})`;
  figures.push(line);
}

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("faults from AWS", { timeout: 420_000 }, () => {
  it("a drill completes at 20 % injected errors (throttling, 429, 500, 503, dropped connections)", async () => {
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    const run = await cli(["drill", "-p", w.planPath, "-r", TARGET]);
    figure("drill @20%", run);
    expect(run.exitCode, show(run)).toBe(0);
    expect(injectedTotal()).toBeGreaterThan(10);
    expect(diffMotoState(baseline, await w.summary())).toEqual({ added: {}, removed: {} });
  });

  it("a drill turned to 100 % errors once the database exists fails fast, reports its failed teardown, and destroy --stack at 0 % removes what it left", async () => {
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    const broken = await cli(["drill", "-p", w.planPath, "-r", TARGET], {
      onEvent: (event) => {
        if (event.type === "resource" && event.status === "done" && event.resourceType === "aws:rds/instance:Instance") proxy.setErrorRate(1);
      },
    });
    figure("drill @20%→100%", broken);
    expect([1, 4], show(broken)).toContain(broken.exitCode);
    expect(broken.stderr).toMatch(/^error [A-Z_]+: /m);
    expect(broken.durationMs).toBeLessThan(150_000);
    const stackName = String(broken.events.find((event) => event.type === "run-started")?.stackName);
    const report = JSON.parse(await readFile(String((broken.events.find((event) => event.type === "run-finished") as { reportPaths?: string[] })?.reportPaths?.[0]), "utf8"));
    expect(report.teardown).toMatchObject({ performed: true, ok: false });
    expect(await w.drDatabase(`${w.plan.database.sourceIdentifier}-drill-${stackName.slice(-4)}`)).toBeDefined();

    proxy.setErrorRate(0);
    const cleaned = await cli(["destroy", "-p", w.planPath, "-r", TARGET, "--stack", stackName]);
    figure("destroy --stack @0% after it", cleaned);
    expect(cleaned.exitCode, show(cleaned)).toBe(0);
    expect(diffMotoState(baseline, await w.summary())).toEqual({ added: {}, removed: {} });
  });

  it("a failover with the source region black-holed: 100 % errors mid-update fail fast and resumably; at 0 % the re-run completes, never touching the source region", async () => {
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    // Everything fails from the moment the database exists.
    const broken = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD], {
      onEvent: (event) => {
        if (event.type === "resource" && event.status === "done" && event.resourceType === "aws:rds/instance:Instance") proxy.setErrorRate(1);
      },
    });
    figure("failover @20%→100%", broken);
    expect(broken.exitCode, show(broken)).not.toBe(0);
    expect([1, 4]).toContain(broken.exitCode);
    expect(broken.stderr).toMatch(/^error [A-Z_]+: /m);
    expect(broken.stderr).toMatch(/hint: .*[Rr]e-run/);
    expect(broken.durationMs).toBeLessThan(150_000);
    const created = await w.drDatabase();
    expect(created).toBeDefined();
    // Production DNS was not switched by a failed run.
    expect(recordTarget(await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD))).toBe(w.world.productionRecordValue);

    proxy.setErrorRate(0);
    const resumed = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD]);
    figure("failover resumed @0%", resumed);
    expect(resumed.exitCode, show(resumed)).toBe(0);
    expect(await w.drDatabase()).toEqual(created);
    const listed = await w.aws.secrets(TARGET).send(new ListSecretsCommand({ Filters: [{ Key: "name", Values: [`${w.plan.secrets.databaseSecretName}/dr-failover-`] }] }));
    const live = (listed.SecretList ?? []).filter((candidate) => !candidate.DeletedDate);
    expect(live).toHaveLength(1);
    const secret = await w.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: live[0].ARN }));
    generatedPassword = (JSON.parse(secret.SecretString ?? "{}") as { password?: string }).password;
    expect(proxy.stats.byRegion[w.plan.sourceRegion] ?? 0).toBe(0);
    expect(proxy.stats.blackholed).toBe(0);
    figures.push(`source-region (${w.plan.sourceRegion}) requests during failover: ${proxy.stats.byRegion[w.plan.sourceRegion] ?? 0}, failover wall time ${(resumed.durationMs / 1000).toFixed(1)} s`);
  });

  it("destroy completes at 20 % injected errors; the replica bucket and the production record are intact", async () => {
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    const run = await cli(["destroy", "-p", w.planPath, "-r", TARGET]);
    figure("destroy @20%", run);
    expect(run.exitCode, show(run)).toBe(0);
    expect(recordTarget(await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD))).toBe(w.world.productionRecordValue);
    expect(await w.replicaVersions()).toEqual(versionsBefore);
    const diff = diffMotoState(baseline, await w.summary());
    expect(diff.removed).toEqual({});
  });

  it("at 100 % from the start a failover fails fast with a clear AWS error and creates nothing", async () => {
    proxy.resetStats();
    proxy.setErrorRate(1);
    const before = await w.summary();
    const run = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD]);
    figure("failover @100%", run);
    // Preflight lists every call that failed (exit 3: nothing was created) — or the first AWS error (exit 4).
    expect([3, 4], show(run)).toContain(run.exitCode);
    expect(run.stderr).toMatch(/^error (PREFLIGHT_FAILED|AWS_CALL_FAILED): /m);
    expect(run.stderr).toMatch(/(Throttling|TooManyRequests|InternalFailure|ServiceUnavailable|RequestLimitExceeded|socket hang up|ECONNRESET)/);
    expect(run.durationMs).toBeLessThan(60_000);
    expect(await w.summary()).toEqual(before);
    proxy.setErrorRate(0);
  });
});

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("secrets", { timeout: 420_000 }, () => {
  it("neither the seeded password nor the generated DB password appears in anything written (stdout, stderr, journal, reports, state)", async () => {
    expect(generatedPassword, "the generated password was captured after the failover").toBeTruthy();
    const secrets = [w.world.databasePassword, generatedPassword!];
    const files = await allFiles(w.stateDir);
    expect(files.some((file) => file.path.endsWith("journal.ndjson"))).toBe(true);
    expect(files.some((file) => file.path.endsWith("report.json"))).toBe(true);
    const hits = [
      ...files.filter((file) => secrets.some((secret) => file.text.includes(secret))).map((file) => file.path),
      ...printed.filter((text) => secrets.some((secret) => text.includes(secret))).map((text) => `output: ${text.slice(0, 80)}`),
    ];
    figures.push(`secrets found = ${hits.length} (scanned ${files.length} state files, ${printed.length} outputs, ${(await readJournal(w.stateDir)).length} journal lines)`);
    expect(hits).toEqual([]);
  });
});

