/**
 * AWS faults through the real CLI, failover side: a seeded fault proxy in
 * front of moto (throttling, 429, 500, 503, dropped connections) for the tool's
 * SDK clients and the stand-in plugin alike, the source region black-holed, and
 * a scan of everything written for the database passwords. The drill side:
 * faults-drill.test.ts.
 *
 * Pinned:
 * - at 100 % (switched on in the middle of the update) the failover fails fast
 *   with a clear error and a resumable state: at 0 % the re-run completes
 *   without replacing the database;
 * - the failover sends 0 requests to the (black-holed) source region;
 * - destroy completes at 20 % injected errors;
 * - at 100 % from the start a failover fails fast and creates nothing;
 * - neither the seeded password nor the generated DB password appears in any
 *   stdout, stderr, journal, report or state file (secrets found = 0).
 */
import { GetSecretValueCommand, ListSecretsCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { readRecord, recordTarget } from "../../automation/dns.js";
import { diffMotoState } from "../support/moto-state.js";
import { TARGET } from "../support/cli-world.js";
import { PROD, show, useFaultWorld } from "../support/faults.js";

const f = useFaultWorld("fault matrix (failover)");
/** The DB password the failover generated, read from the DR secret in moto (destroy deletes it). */
let generatedPassword: string | undefined;

// Several engine runs per test, on a 2-core box shared with the rest of the suite.
describe("faults from AWS during a failover and its destroy", { timeout: 420_000 }, () => {
  it("a failover with the source region black-holed: 100 % errors mid-update fail fast and resumably; at 0 % the re-run completes, never touching the source region", async () => {
    const { w, proxy, cli, figure, figures } = f;
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    // Everything fails from the moment the database exists.
    const broken = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD], {
      onEvent: (event) => {
        if (event.type === "resource" && event.status === "done" && event.resourceType === "aws:rds/instance:Instance")
          proxy.setErrorRate(1);
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
    expect(recordTarget(await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD))).toBe(
      w.world.productionRecordValue,
    );

    proxy.setErrorRate(0);
    const resumed = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD]);
    figure("failover resumed @0%", resumed);
    expect(resumed.exitCode, show(resumed)).toBe(0);
    expect(await w.drDatabase()).toEqual(created);
    const listed = await w.aws.secrets(TARGET).send(
      new ListSecretsCommand({
        Filters: [{ Key: "name", Values: [`${w.plan.secrets.databaseSecretName}/dr-failover-`] }],
      }),
    );
    const live = (listed.SecretList ?? []).filter((candidate) => !candidate.DeletedDate);
    expect(live).toHaveLength(1);
    const secret = await w.aws.secrets(TARGET).send(new GetSecretValueCommand({ SecretId: live[0].ARN }));
    generatedPassword = (JSON.parse(secret.SecretString ?? "{}") as { password?: string }).password;
    expect(proxy.stats.byRegion[w.plan.sourceRegion] ?? 0).toBe(0);
    expect(proxy.stats.blackholed).toBe(0);
    figures.push(
      `source-region (${w.plan.sourceRegion}) requests during failover: ${proxy.stats.byRegion[w.plan.sourceRegion] ?? 0}, failover wall time ${(resumed.durationMs / 1000).toFixed(1)} s`,
    );
  });

  it("destroy completes at 20 % injected errors; the replica bucket and the production record are intact", async () => {
    const { w, proxy, cli, figure, baseline, versionsBefore } = f;
    proxy.resetStats();
    proxy.setErrorRate(0.2);
    const run = await cli(["destroy", "-p", w.planPath, "-r", TARGET, "--strand-dr-writes"]);
    figure("destroy @20%", run);
    expect(run.exitCode, show(run)).toBe(0);
    expect(recordTarget(await readRecord(w.aws.route53(), w.world.hostedZoneId!, PROD))).toBe(
      w.world.productionRecordValue,
    );
    expect(await w.replicaVersions()).toEqual(versionsBefore);
    const diff = diffMotoState(baseline, await w.summary());
    expect(diff.removed).toEqual({});
  });

  it("at 100 % from the start a failover fails fast with a clear AWS error and creates nothing", async () => {
    const { w, proxy, cli, figure } = f;
    proxy.resetStats();
    proxy.setErrorRate(1);
    const before = await w.summary();
    const run = await cli(["failover", "-p", w.planPath, "-r", TARGET, "--confirm", PROD]);
    figure("failover @100%", run);
    // Preflight lists every call that failed (exit 3: nothing was created) — or the first AWS error (exit 4).
    expect([3, 4], show(run)).toContain(run.exitCode);
    expect(run.stderr).toMatch(/^error (PREFLIGHT_FAILED|AWS_CALL_FAILED): /m);
    expect(run.stderr).toMatch(
      /(Throttling|TooManyRequests|InternalFailure|ServiceUnavailable|RequestLimitExceeded|socket hang up|ECONNRESET)/,
    );
    expect(run.durationMs).toBeLessThan(60_000);
    expect(await w.summary()).toEqual(before);
    proxy.setErrorRate(0);
  });
});

describe("secrets", () => {
  it("neither the seeded password nor the generated DB password appears in anything written (stdout, stderr, journal, reports, state)", async () => {
    expect(generatedPassword, "the generated password was captured after the failover").toBeTruthy();
    await f.expectNoSecrets([f.w.world.databasePassword, generatedPassword!]);
  });
});
